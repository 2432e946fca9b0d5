package io.gradreg.cli;

import io.gradreg.GradregException;
import io.gradreg.data.DataSources;
import io.gradreg.data.Dataset;
import io.gradreg.data.MnistCache;
import io.gradreg.engine.DType;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.nio.file.Paths;
import picocli.CommandLine.Option;

/** Where the data comes from, shared by {@code train} and {@code eval}. */
final class DataOptions {
    @Option(names = "--data", description = "mnist | PATH (directory of IDX files, .npz with x and y, or .csv)")
    String data;
    @Option(names = "--test-data", description = "test set PATH (mnist and IDX directories bring their own)")
    Path testData;
    @Option(names = "--test-size", description = "class-balanced test subset of N samples chosen with the seed (0 = all)")
    long testSize;

    /** Training and test data (test may be null), the test subset drawn with {@code seed + 1}. */
    record Loaded(Dataset train, Dataset test) {}

    Loaded load(DType dtype, long seed, PrintWriter log) {
        if (data == null) {
            throw new GradregException("missing --data");
        }
        if (testSize < 0) {
            throw new GradregException("--test-size must be >= 0, got " + testSize);
        }
        DataSources.Split split = DataSources.read(path(log), dtype);
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
        return new Loaded(split.train(), test);
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
