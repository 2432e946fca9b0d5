package io.gradreg.data;

import io.gradreg.GradregException;
import io.gradreg.engine.DType;
import io.gradreg.engine.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The CIFAR-10 and CIFAR-100 binary formats (the {@code cifar-10-batches-bin} and
 * {@code cifar-100-binary} archives of https://www.cs.toronto.edu/~kriz/cifar.html), named on the
 * command line as {@code cifar10:DIR}, {@code cifar100:DIR} (fine labels, 100 classes) or
 * {@code cifar100-coarse:DIR} (the 20 superclasses).
 *
 * <ul>
 *   <li>CIFAR-10: {@code data_batch_1.bin} .. {@code data_batch_5.bin} (training, in that order)
 *       and {@code test_batch.bin}; each record is 1 label byte and 3072 pixel bytes.</li>
 *   <li>CIFAR-100: {@code train.bin} and {@code test.bin}; each record is a coarse label byte, a
 *       fine label byte and 3072 pixel bytes.</li>
 * </ul>
 * The 3072 bytes are the red, green and blue 32x32 planes, row-major: already the C x H x W layout.
 * Pixels are scaled to [0, 1] and then normalized per channel with the mean and standard
 * deviation of the whole training split read (population statistics over samples and pixels);
 * the test split uses the same constants. On the real CIFAR-10 training set these are the
 * constants PyTorch code usually hard-codes. DIR may also be the directory that holds the
 * extracted {@code cifar-10-batches-bin} / {@code cifar-100-binary} folder.
 */
public final class Cifar {
    private Cifar() {}

    static final int PIXELS = 3 * 32 * 32;

    /** Which format and which labels. */
    public enum Kind {
        CIFAR10("cifar10", "CIFAR-10", "cifar-10-batches-bin", 1, 0, 10,
                List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"), "test_batch.bin"),
        CIFAR100("cifar100", "CIFAR-100", "cifar-100-binary", 2, 1, 100, List.of("train.bin"), "test.bin"),
        CIFAR100_COARSE("cifar100-coarse", "CIFAR-100", "cifar-100-binary", 2, 0, 20, List.of("train.bin"), "test.bin");

        final String prefix;
        final String title;
        final String folder;
        final int labelBytes;
        final int labelOffset;
        final int classes;
        final List<String> trainFiles;
        final String testFile;

        Kind(String prefix, String title, String folder, int labelBytes, int labelOffset, int classes, List<String> trainFiles, String testFile) {
            this.prefix = prefix;
            this.title = title;
            this.folder = folder;
            this.labelBytes = labelBytes;
            this.labelOffset = labelOffset;
            this.classes = classes;
            this.trainFiles = trainFiles;
            this.testFile = testFile;
        }

        int recordBytes() {
            return labelBytes + PIXELS;
        }

        String expectedFiles() {
            return trainFiles.size() > 1 ? trainFiles.get(0) + " .. " + trainFiles.get(trainFiles.size() - 1) + " and " + testFile
                    : trainFiles.get(0) + " and " + testFile;
        }
    }

    /** Per-channel normalization constants (of pixels scaled to [0, 1]). */
    public record Normalization(double[] mean, double[] std) {
        /** The normalized value of a black (zero) pixel, per channel: what zero padding pads with. */
        public double[] black() {
            double[] b = new double[mean.length];
            for (int c = 0; c < b.length; c++) {
                b[c] = -mean[c] / std[c];
            }
            return b;
        }
    }

    /** Both splits, normalized, and the constants used. */
    public record Loaded(DataSources.Split split, Normalization normalization) {}

    /** The kind a {@code --data} value names ({@code cifar10:DIR} ...), if any. */
    public static Optional<Kind> kindOf(String spec) {
        int colon = spec.indexOf(':');
        if (colon < 0) {
            return Optional.empty();
        }
        String p = spec.substring(0, colon).toLowerCase();
        for (Kind k : Kind.values()) {
            if (k.prefix.equals(p)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /** {@code spec} with its directory made absolute (a run's config must resume from anywhere). */
    public static String absolute(String spec) {
        Kind k = kindOf(spec).orElseThrow();
        return k.prefix + ":" + Paths.get(spec.substring(spec.indexOf(':') + 1)).toAbsolutePath().normalize();
    }

    /** Reads a {@code cifar10:DIR} / {@code cifar100:DIR} / {@code cifar100-coarse:DIR} source. */
    public static Loaded read(String spec, DType dtype) {
        Kind kind = kindOf(spec).orElseThrow(() -> new GradregException("'" + spec + "' is not a CIFAR source (cifar10:DIR, cifar100:DIR)"));
        String dirName = spec.substring(spec.indexOf(':') + 1);
        if (dirName.isEmpty()) {
            throw new GradregException("--data " + spec + ": give the directory, e.g. " + kind.prefix + ":data/" + kind.folder);
        }
        return read(Paths.get(dirName), kind, dtype);
    }

    /** Reads the training and test splits from {@code dir} and normalizes them per channel. */
    public static Loaded read(Path dir, Kind kind, DType dtype) {
        if (!Files.exists(dir.resolve(kind.testFile)) && Files.isDirectory(dir.resolve(kind.folder))) {
            dir = dir.resolve(kind.folder);
        }
        requireFiles(dir, kind);
        List<Path> trainPaths = kind.trainFiles.stream().map(dir::resolve).toList();
        Dataset train = records(trainPaths, kind, dtype);
        Dataset test = records(List.of(dir.resolve(kind.testFile)), kind, dtype);
        Normalization n = statistics(train.x());
        return new Loaded(new DataSources.Split(normalize(train, n), Optional.of(normalize(test, n))), n);
    }

    /** Refuses, in one line naming them, a directory that lacks any of {@code kind}'s files. */
    public static void requireFiles(Path dir, Kind kind) {
        List<String> missing = new ArrayList<>();
        for (String f : kind.trainFiles) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                missing.add(f);
            }
        }
        if (!Files.isRegularFile(dir.resolve(kind.testFile))) {
            missing.add(kind.testFile);
        }
        if (!missing.isEmpty()) {
            throw new GradregException(dir + ": missing " + kind.title + " file" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                    + " (expected " + kind.expectedFiles() + ", the binary version from " + kind.folder + ")");
        }
    }

    /** Per-channel mean and population standard deviation over samples and pixels. */
    static Normalization statistics(Tensor x) {
        Tensor d = x.to(torch.ScalarType.Double);
        return new Normalization(Tensors.toDoubles(d.mean(new long[] {0, 2, 3})), Tensors.toDoubles(d.std(new long[] {0, 2, 3}, false, false)));
    }

    static Dataset normalize(Dataset d, Normalization n) {
        Tensor mean = Tensors.fromDoubles(n.mean(), 1, 3, 1, 1).to(d.x().scalar_type());
        Tensor std = Tensors.fromDoubles(n.std(), 1, 3, 1, 1).to(d.x().scalar_type());
        return new Dataset(d.x().sub(mean).div(std), d.y(), d.classes());
    }

    /** The records of {@code files}, concatenated: x in [0, 1] as [N, 3, 32, 32], y the chosen label byte. */
    private static Dataset records(List<Path> files, Kind kind, DType dtype) {
        List<Tensor> xs = new ArrayList<>();
        List<Tensor> ys = new ArrayList<>();
        int record = kind.recordBytes();
        for (Path f : files) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(f);
            } catch (IOException e) {
                throw new GradregException(f + ": cannot read: " + e.getMessage());
            }
            if (bytes.length == 0 || bytes.length % record != 0) {
                throw new GradregException(f + ": " + bytes.length + " bytes is not a whole number of " + kind.title + " records ("
                        + record + " bytes each: " + (kind.labelBytes == 1 ? "1 label byte" : "coarse and fine label bytes") + " + 3072 pixel bytes)");
            }
            long n = bytes.length / record;
            Tensor raw;
            try (BytePointer p = new BytePointer(bytes)) {
                raw = torch.from_blob(p, new long[] {n, record}, new TensorOptions(torch.ScalarType.Byte)).clone();
            }
            Tensor labels = raw.narrow(1, kind.labelOffset, 1).reshape(n).to(torch.ScalarType.Long);
            long max = labels.max().item_long();
            if (max >= kind.classes) {
                throw new GradregException(f + ": label " + max + " is out of range for " + kind.title + " (" + kind.classes + " classes)");
            }
            xs.add(raw.narrow(1, kind.labelBytes, PIXELS).reshape(n, 3, 32, 32).to(dtype.scalarType).div(new Scalar(255.0)));
            ys.add(labels);
        }
        return new Dataset(torch.cat(new TensorVector(xs.toArray(Tensor[]::new))), torch.cat(new TensorVector(ys.toArray(Tensor[]::new))), kind.classes);
    }

    /**
     * Writes a synthetic data set in {@code kind}'s binary layout (every file of the real one, with
     * {@code perFile} training records per training file and {@code test} test records): each class
     * has its own random colour, and every pixel is that colour plus Gaussian noise (σ = 40 of 255).
     * For tests and quick runs on machines without CIFAR; it says nothing about CIFAR itself.
     */
    public static void writeSynthetic(Path dir, Kind kind, int perFile, int test, long seed) {
        java.util.Random r = new java.util.Random(seed);
        int classes = kind == Kind.CIFAR10 ? 10 : 100;
        double[][] colour = new double[classes][3];
        for (double[] c : colour) {
            for (int ch = 0; ch < 3; ch++) {
                c[ch] = 40 + 175 * r.nextDouble();
            }
        }
        try {
            Files.createDirectories(dir);
            for (String f : kind.trainFiles) {
                io.gradreg.io.AtomicFiles.writeBytes(dir.resolve(f), syntheticRecords(r, colour, perFile, kind));
            }
            io.gradreg.io.AtomicFiles.writeBytes(dir.resolve(kind.testFile), syntheticRecords(r, colour, test, kind));
        } catch (IOException e) {
            throw new GradregException(dir + ": cannot write synthetic CIFAR files: " + e.getMessage());
        }
    }

    private static byte[] syntheticRecords(java.util.Random r, double[][] colour, int n, Kind kind) {
        int record = kind.recordBytes();
        byte[] out = new byte[n * record];
        for (int i = 0; i < n; i++) {
            int label = r.nextInt(colour.length);
            int at = i * record;
            if (kind.labelBytes == 2) {
                out[at++] = (byte) (label / 5); // a coarse label: 5 fine classes per superclass
            }
            out[at++] = (byte) label;
            for (int k = 0; k < PIXELS; k++) {
                double v = colour[label][k / 1024] + 40 * r.nextGaussian();
                out[at + k] = (byte) Math.max(0, Math.min(255, Math.round(v)));
            }
        }
        return out;
    }
}
