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
        Tensor xt = HostArrays.toTensor(x).to(dtype.scalarType);
        if (y.isIntegral()) {
            long[] labels = y.toLongArray();
            long max = -1;
            for (long l : labels) {
                if (l < 0) {
                    throw new GradregException(source + ": labels must be >= 0, found " + l);
                }
                max = Math.max(max, l);
            }
            return new Dataset(xt, Tensors.fromLongs(labels, labels.length), (int) (max + 1));
        }
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
        long max = 0;
        for (long v : l) {
            max = Math.max(max, v);
        }
        return new Dataset(x, Tensors.fromLongs(l, l.length), (int) (max + 1));
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
        int size = (int) d.size();
        long[] order = Permutation.shuffled(size, new Random(seed));
        long[] chosen = new long[(int) n];
        if (!d.isClassification()) {
            for (int i = 0; i < n; i++) {
                chosen[i] = order[i];
            }
        } else {
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
        }
        return d.select(Tensors.fromLongs(chosen, chosen.length));
    }
}
