package io.gradreg.data;

import io.gradreg.GradregException;
import io.gradreg.engine.DType;
import io.gradreg.engine.HostArrays;
import io.gradreg.engine.Tensors;
import io.gradreg.io.Csv;
import io.gradreg.io.Idx;
import io.gradreg.io.NdArray;
import io.gradreg.io.Npz;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;

/**
 * Reads datasets from files: a {@code .npz} with arrays {@code x} (N x D or N x C x H x W; integer
 * values are converted to floating point unscaled)
 * and {@code y} (integer labels, or float targets), a {@code .csv} (see {@link Csv}), or a
 * directory of IDX files (MNIST layout: {@code *train-images*}, {@code *train-labels*},
 * {@code t10k-images*}, {@code t10k-labels*}, optionally gzipped). IDX images are scaled to [0, 1].
 */
public final class DataSources {
    private DataSources() {}

    /** Training and (possibly absent) test split of a source. */
    public record Split(Dataset train, Optional<Dataset> test) {}

    /** Reads {@code path}; a directory of IDX files also yields its test split. */
    public static Split read(Path path, DType dtype) {
        if (!Files.exists(path)) {
            throw new GradregException(path + ": no such file or directory");
        }
        if (Files.isDirectory(path)) {
            return new Split(idx(path, "train", dtype), Optional.of(idx(path, "t10k", dtype)));
        }
        String name = path.getFileName().toString().toLowerCase();
        if (name.endsWith(".npz")) {
            Map<String, NdArray> a = Npz.read(path);
            if (!a.containsKey("x") || !a.containsKey("y")) {
                throw new GradregException(path + ": expected arrays 'x' and 'y', found " + a.keySet());
            }
            return new Split(fromArrays(path, a.get("x"), a.get("y"), dtype), Optional.empty());
        }
        if (name.endsWith(".csv")) {
            Csv.Table t = Csv.read(path);
            return new Split(fromArrays(path, t.x(), t.y(), dtype), Optional.empty());
        }
        throw new GradregException(path + ": unknown data format: expected a .npz, a .csv or a directory of IDX files");
    }

    /** Builds a dataset from host arrays, checking that they fit together. */
    public static Dataset fromArrays(Path source, NdArray x, NdArray y, DType dtype) {
        long[] xs = x.shape();
        long[] ys = y.shape();
        if (xs.length < 2) {
            throw new GradregException(source + ": x must have shape N x D or N x C x H x W, got " + java.util.Arrays.toString(xs));
        }
        if (ys.length < 1 || ys[0] != xs[0]) {
            throw new GradregException(source + ": x has " + xs[0] + " samples but y has shape " + java.util.Arrays.toString(ys));
        }
        requireFinite(source, "x", x);
        Tensor xt = HostArrays.toTensor(x).to(dtype.scalarType);
        if (y.isIntegral()) {
            long[] labels = y.toLongArray();
            return new Dataset(xt, Tensors.fromLongs(labels, labels.length), classes(source, labels));
        }
        requireFinite(source, "y", y);
        return new Dataset(xt, HostArrays.toTensor(y).to(dtype.scalarType), 0);
    }

    private static Dataset idx(Path dir, String split, DType dtype) {
        Path images = find(dir, split, "images");
        Path labels = find(dir, split, "labels");
        NdArray img = Idx.read(images);
        NdArray lab = Idx.read(labels);
        Tensor x = HostArrays.toTensor(img).to(dtype.scalarType).div(new org.bytedeco.pytorch.Scalar(255.0));
        long[] s = img.shape();
        if (s.length == 3) {
            x = x.reshape(s[0], 1, s[1], s[2]);
        }
        if (!lab.isIntegral()) {
            throw new GradregException(labels + ": labels must be integers, the file holds " + lab.dtype());
        }
        long[] l = lab.toLongArray();
        if (l.length != s[0]) {
            throw new GradregException(labels + ": " + l.length + " labels for " + s[0] + " images in " + images.getFileName());
        }
        requireFinite(images, "the images", img);
        return new Dataset(x, Tensors.fromLongs(l, l.length), classes(labels, l));
    }

    /** Labels beyond this are corruption, not classes: K = max + 1 must fit the model's int output count. */
    static final long MAX_LABEL = Integer.MAX_VALUE - 1;

    /**
     * The class count K = max(label) + 1 of valid labels; a label outside [0, {@link #MAX_LABEL}]
     * is refused, named by its index and value.
     */
    private static int classes(Path source, long[] labels) {
        long max = -1;
        for (int i = 0; i < labels.length; i++) {
            long l = labels[i];
            if (l < 0 || l > MAX_LABEL) {
                throw new GradregException(source + ": label y[" + i + "] = " + l + " is not a class index"
                        + " (labels must be integers in [0, K) for K classes)");
            }
            max = Math.max(max, l);
        }
        return (int) (max + 1);
    }

    /**
     * Fails unless every label of {@code d} is in [0, k), naming the first that is not by its index
     * and value: "{@code who} y[3] = 7 is out of range for {@code forWhat}: labels must be in [0, k)".
     */
    public static void requireLabelsBelow(Dataset d, int k, String who, String forWhat) {
        if (!d.isClassification() || d.classes() <= k) {
            return;
        }
        long[] labels = Tensors.toLongs(d.y());
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] >= k) {
                throw new GradregException(who + " y[" + i + "] = " + labels[i] + " is out of range for " + forWhat
                        + ": labels must be in [0, " + k + ")");
            }
        }
    }

    /** Fails on the first NaN or infinity in a floating array, naming the sample and the flat index. */
    static void requireFinite(Path source, String name, NdArray a) {
        if (a.isIntegral()) {
            return;
        }
        ByteBuffer b = a.data();
        long n = a.numel();
        long perSample = a.shape().length < 2 || a.shape()[0] == 0 ? 1 : n / a.shape()[0];
        boolean f32 = a.dtype() == io.gradreg.io.DType.F32;
        for (int i = 0; i < n; i++) {
            double v = f32 ? b.getFloat(4 * i) : b.getDouble(8 * i);
            if (!Double.isFinite(v)) {
                throw new GradregException(source + ": " + name + " holds " + v + " at sample " + (i / perSample)
                        + " (element " + i + "); inputs and targets must be finite numbers");
            }
        }
    }

    private static Path find(Path dir, String split, String kind) {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> hits = new ArrayList<>(s.filter(p -> {
                String n = p.getFileName().toString().toLowerCase();
                return n.startsWith(split) && n.contains(kind) && !n.endsWith(".json");
            }).sorted().toList());
            if (hits.isEmpty()) {
                throw new GradregException(dir + ": no IDX file for " + split + " " + kind
                        + " (expected a name like " + split + "-" + kind + "-idx*-ubyte[.gz])");
            }
            return hits.get(0);
        } catch (IOException e) {
            throw new GradregException(dir + ": cannot list directory: " + e.getMessage());
        }
    }

    /**
     * A class-balanced subset of {@code n} samples chosen with {@code seed}: each class gets
     * n / K samples (the first n mod K classes one more). Regression data gets a seeded random subset.
     */
    public static Dataset balancedSubset(Dataset d, long n, long seed) {
        if (n <= 0 || n >= d.size()) {
            if (n > d.size()) {
                throw new GradregException("asked for " + n + " samples but the data has " + d.size());
            }
            return d;
        }
        long[] chosen = balancedIndices(d, n, seed);
        return d.select(Tensors.fromLongs(chosen, chosen.length));
    }

    /** The indices {@link #balancedSubset} takes for 0 &lt; n &lt; size: sorted for classification, in draw order otherwise. */
    public static long[] balancedIndices(Dataset d, long n, long seed) {
        int size = (int) d.size();
        long[] order = Permutation.shuffled(size, new Random(seed));
        long[] chosen = new long[(int) n];
        if (!d.isClassification()) {
            System.arraycopy(order, 0, chosen, 0, (int) n);
            return chosen;
        }
        long[] labels = Tensors.toLongs(d.y());
        int k = d.classes();
        long[] quota = new long[k];
        for (int c = 0; c < k; c++) {
            quota[c] = n / k + (c < n % k ? 1 : 0);
        }
        int filled = 0;
        for (int i = 0; i < size && filled < n; i++) {
            int c = (int) labels[(int) order[i]];
            if (quota[c] > 0) {
                quota[c]--;
                chosen[filled++] = order[i];
            }
        }
        if (filled < n) {
            throw new GradregException("cannot draw a class-balanced subset of " + n + ": some classes have too few samples");
        }
        java.util.Arrays.sort(chosen);
        return chosen;
    }
}
