package io.gradreg.data;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.GradregException;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.engine.Tensors;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** --augment crop-flip against a per-pixel reference written out here. */
class CropFlipTest {
    static {
        Engine.start();
    }

    /** out[i, c, r, q] = padded image i at (top + r, left + q'), q' mirrored when flipped; outside the image: black[c]. */
    static double[] reference(double[] x, int n, int ch, int h, int w, int pad, double[] black, CropFlip.Draws d) {
        double[] out = new double[n * ch * h * w];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < ch; c++) {
                for (int r = 0; r < h; r++) {
                    for (int q = 0; q < w; q++) {
                        int qq = d.flip()[i] ? w - 1 - q : q;
                        int sr = d.top()[i] + r - pad;
                        int sq = d.left()[i] + qq - pad;
                        boolean inside = sr >= 0 && sr < h && sq >= 0 && sq < w;
                        out[((i * ch + c) * h + r) * w + q] = inside ? x[((i * ch + c) * h + sr) * w + sq] : black[c];
                    }
                }
            }
        }
        return out;
    }

    @Test
    void cropsAndMirrorsEveryImageAsItsDrawsSay() {
        int n = 6;
        int ch = 2;
        int h = 5;
        int w = 7;
        double[] x = new Random(1).doubles((long) n * ch * h * w).toArray();
        double[] black = {-1.5, 0.25};
        CropFlip aug = new CropFlip(3, black);
        // Every corner case: extreme offsets both ways, with and without mirroring.
        CropFlip.Draws d = new CropFlip.Draws(new int[] {0, 6, 3, 0, 6, 2}, new int[] {0, 6, 3, 6, 0, 5},
                new boolean[] {false, true, false, true, false, true});
        Tensor got = aug.apply(Tensors.fromDoubles(x, n, ch, h, w), d);
        assertArrayEquals(new long[] {n, ch, h, w}, Tensors.shape(got));
        assertArrayEquals(reference(x, n, ch, h, w, 3, black, d), Tensors.toDoubles(got), 0.0);
        // Without a fill (raw pixels) the border is 0.
        CropFlip.Draws corner = new CropFlip.Draws(new int[] {0}, new int[] {0}, new boolean[] {false});
        double[] one = new double[ch * h * w];
        java.util.Arrays.fill(one, 1);
        double[] raw = Tensors.toDoubles(new CropFlip(3, null).apply(Tensors.fromDoubles(one, 1, ch, h, w), corner));
        assertEquals(0, raw[0]);
        assertEquals(1, raw[3 * w + 3]);
    }

    @Test
    void drawsAreSeededAndCoverEveryOffsetAndBothOrientations() {
        CropFlip aug = new CropFlip(4, null);
        CropFlip.Draws a = aug.draws(42, 2000);
        CropFlip.Draws b = aug.draws(42, 2000);
        assertArrayEquals(a.top(), b.top());
        assertArrayEquals(a.left(), b.left());
        assertArrayEquals(a.flip(), b.flip());
        assertFalse(java.util.Arrays.equals(a.top(), aug.draws(43, 2000).top()));
        int[] counts = new int[9];
        int flips = 0;
        for (int i = 0; i < 2000; i++) {
            counts[a.top()[i]]++;
            counts[a.left()[i]]++;
            flips += a.flip()[i] ? 1 : 0;
        }
        for (int c : counts) {
            assertTrue(c > 300 && c < 600, "offset counts " + java.util.Arrays.toString(counts)); // expected 444 each
        }
        assertTrue(flips > 900 && flips < 1100, flips + " flips of 2000");

        Dataset batch = Synthetic.blobs(5, 3 * 32 * 32, 2, 1.0, 0, DType.FLOAT64);
        Dataset images = new Dataset(batch.x().reshape(5, 3, 32, 32), batch.y(), 2);
        Dataset augmented = aug.apply(images, 7);
        assertArrayEquals(Tensors.toDoubles(aug.apply(images.x(), aug.draws(7, 5))), Tensors.toDoubles(augmented.x()), 0.0);
        assertArrayEquals(Tensors.toLongs(images.y()), Tensors.toLongs(augmented.y()));
    }

    @Test
    void flatDataIsRefused() {
        Dataset flat = Synthetic.blobs(3, 8, 2, 1.0, 0, DType.FLOAT32);
        assertEquals("--augment crop-flip needs image data (N x C x H x W), the data has shape [3, 8]",
                assertThrows(GradregException.class, () -> new CropFlip(4, null).apply(flat, 1)).getMessage());
    }
}
