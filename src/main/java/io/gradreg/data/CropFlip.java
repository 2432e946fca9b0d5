package io.gradreg.data;

import io.gradreg.GradregException;
import io.gradreg.engine.Tensors;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The standard CIFAR augmentation ({@code --augment crop-flip}): pad every image by
 * {@code pad} pixels on each side with black, take a random crop of the original size (each
 * offset uniform in 0 .. 2·pad, as torchvision's {@code RandomCrop(32, padding=4)}), and mirror
 * it left-right with probability ½ ({@code RandomHorizontalFlip}).
 *
 * <p>The draws come from a {@link SplittableRandom} seeded by the caller with the step's seed, so
 * a step's batch is the same whenever it is computed (a resumed run continues bit-identically) and
 * every pass of a two-pass method sees the same augmented batch. The pixels move by two
 * {@code gather}s on the padded batch (rows, then columns, mirrored or not), not by Java loops.
 */
public final class CropFlip {
    private final int pad;
    private final double[] black;

    /**
     * @param pad padding on each side (4 for CIFAR)
     * @param black the value of a black pixel per channel in the data's units (zeros for raw
     *     pixels; {@link Cifar.Normalization#black()} for normalized CIFAR), null for zeros
     */
    public CropFlip(int pad, double[] black) {
        if (pad < 0) {
            throw new GradregException("crop padding must be >= 0, got " + pad);
        }
        this.pad = pad;
        this.black = black == null ? null : black.clone();
    }

    /** Refuses data that is not a batch of images [N, C, H, W]. */
    public static void requireImages(Tensor x) {
        if (x.dim() != 4) {
            throw new GradregException("--augment crop-flip needs image data (N x C x H x W), the data has shape " + Arrays.toString(Tensors.shape(x)));
        }
    }

    /** The per-sample draws of one batch: crop offsets (rows, columns) and mirrors. */
    public record Draws(int[] top, int[] left, boolean[] flip) {}

    /** The draws for a batch of {@code n} images from {@code seed}. */
    public Draws draws(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] top = new int[n];
        int[] left = new int[n];
        boolean[] flip = new boolean[n];
        for (int i = 0; i < n; i++) {
            top[i] = r.nextInt(2 * pad + 1);
            left[i] = r.nextInt(2 * pad + 1);
            flip[i] = r.nextBoolean();
        }
        return new Draws(top, left, flip);
    }

    /** {@code batch} augmented with the draws of {@code seed}. */
    public Dataset apply(Dataset batch, long seed) {
        return new Dataset(apply(batch.x(), draws(seed, (int) batch.size())), batch.y(), batch.classes());
    }

    /** Images {@code x} [N, C, H, W] cropped and mirrored as {@code d} says. */
    public Tensor apply(Tensor x, Draws d) {
        requireImages(x);
        long n = x.size(0);
        long c = x.size(1);
        long h = x.size(2);
        long w = x.size(3);
        if (black != null && black.length != c) {
            throw new GradregException("crop padding has " + black.length + " channel values for images with " + c + " channels");
        }
        Tensor fill = black == null ? null : Tensors.fromDoubles(black, 1, c, 1, 1).to(x.scalar_type());
        Tensor padded = torch.constant_pad_nd(x, pad, pad, pad, pad);
        if (fill != null) {
            // The border, and only the border, gets black: 0 + black there, x + 0 inside (exact).
            Tensor inside = torch.constant_pad_nd(torch.ones(1, 1, h, w).to(x.scalar_type()), pad, pad, pad, pad);
            padded = padded.add(torch.ones_like(inside).sub(inside).mul(fill));
        }
        long[] rows = new long[(int) (n * h)];
        long[] cols = new long[(int) (n * w)];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < h; j++) {
                rows[(int) (i * h + j)] = d.top()[i] + j;
            }
            for (int j = 0; j < w; j++) {
                cols[(int) (i * w + j)] = d.left()[i] + (d.flip()[i] ? w - 1 - j : j);
            }
        }
        Tensor rowIndex = Tensors.fromLongs(rows, n, 1, h, 1).expand(n, c, h, w + 2L * pad);
        Tensor colIndex = Tensors.fromLongs(cols, n, 1, 1, w).expand(n, c, h, w);
        return torch.gather(torch.gather(padded, 2, rowIndex), 3, colIndex);
    }
}
