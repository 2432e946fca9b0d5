package io.gradreg.cli;

import io.gradreg.GradregException;
import io.gradreg.data.Cifar;
import io.gradreg.data.DataSources;
import io.gradreg.data.Dataset;
import io.gradreg.data.MnistCache;
import io.gradreg.engine.DType;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where the data comes from, shared by {@code train} and {@code eval}. */
final class DataOptions {
    @Option(names = "--data", description = "mnist | cifar10:DIR | cifar100:DIR | cifar100-coarse:DIR | PATH (directory of IDX files, .npz with x and y, or .csv)")
    String data;
    @Option(names = "--test-data", description = "test set PATH (mnist and IDX directories bring their own)")
    Path testData;
    @Option(names = "--test-size", description = "class-balanced test subset of N samples chosen with the seed (0 = all)")
    long testSize;

    /**
     * Training and test data (test may be null), the test subset drawn with {@code seed + 1};
     * {@code black} is the value of a zero pixel per channel after the source's normalization
     * (what crop padding fills with), null for sources that are not normalized.
     */
    record Loaded(Dataset train, Dataset test, double[] black) {
        Loaded(Dataset train, Dataset test) {
            this(train, test, null);
        }
    }

    Loaded load(DType dtype, long seed, PrintWriter log) {
        if (data == null) {
            throw new GradregException("missing --data");
        }
        if (testSize < 0) {
            throw new GradregException("--test-size must be >= 0, got " + testSize);
        }
        Optional<Cifar.Kind> cifar = Cifar.kindOf(data);
        Cifar.Loaded c = cifar.isPresent() ? Cifar.read(data, dtype) : null;
        if (c != null) {
            log.printf("%s normalized per channel with mean %s, std %s (of its training split)%n", data,
                    Arrays.toString(round(c.normalization().mean())), Arrays.toString(round(c.normalization().std())));
        }
        DataSources.Split split = c != null ? c.split() : DataSources.read(path(log), dtype);
        Dataset test = testData != null ? DataSources.read(testData, dtype).train() : split.test().orElse(null);
        if (test != null) {
            test = DataSources.balancedSubset(test, testSize, seed + 1);
        } else if (testSize > 0) {
            throw new GradregException("--test-size " + testSize + " given but " + data + " has no test split (add --test-data PATH)");
        }
        if (test != null && split.train().isClassification() != test.isClassification()) {
            throw new GradregException("the training data has " + kind(split.train()) + " but the test data has " + kind(test));
        }
        if (test != null) {
            DataSources.requireLabelsBelow(test, split.train().classes(), "test label",
                    "the training data's " + split.train().classes() + " classes");
        }
        return new Loaded(split.train(), test, c == null ? null : c.normalization().black());
    }

    private static double[] round(double[] v) {
        return Arrays.stream(v).map(x -> Math.round(x * 1e4) / 1e4).toArray();
    }

    private static String kind(Dataset d) {
        return d.isClassification() ? "integer labels" : "float targets";
    }

    /** The data path; {@code mnist} resolves to the verified cache, fetched on first use. */
    Path path(PrintWriter log) {
        if (!data.equals("mnist")) {
            return Paths.get(data);
        }
        return MnistCache.MNIST.ensure(Versions.cacheDir(), log);
    }
}
