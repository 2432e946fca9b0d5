package io.gradreg.train;

import io.gradreg.GradregException;
import io.gradreg.data.Cifar;
import io.gradreg.data.DataSources;
import io.gradreg.data.Dataset;
import io.gradreg.data.MnistCache;
import io.gradreg.data.Splits;
import io.gradreg.data.Standardizer;
import io.gradreg.engine.DType;
import io.gradreg.nn.Models;
import io.gradreg.nn.Net;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;

/**
 * A run's data and model as its {@link RunSpec} says: the source loaded, the holdout test set,
 * the labeled subset, the unlabeled inputs, standardization with the labeled subset's statistics,
 * and the model built for samples of that shape. {@code train}, {@code eval} and {@code analyze}
 * all cut a run's data here, so they see the same samples.
 *
 * @param train the labeled training subset
 * @param test the test set (may be null)
 * @param unlabeled unlabeled inputs (may be null)
 * @param standardizer the standardization applied, or null
 * @param black a zero pixel per channel after the source's normalization (CIFAR; else null)
 */
public record RunData(Dataset train, Dataset test, Tensor unlabeled, Standardizer standardizer, double[] black) {

    /** A source's training and test splits (test may be null) and its black pixel (may be null). */
    public record Loaded(Dataset train, Dataset test, double[] black) {}

    /** The data as the training subset and test set a {@link Trainer} takes. */
    public Trainer.Data forTrainer() {
        return new Trainer.Data(train, test, unlabeled, black);
    }

    /**
     * Loads the data and cuts it as {@code s} says: the holdout test set, the labeled subset, the
     * unlabeled inputs, then standardization with the labeled subset's statistics.
     */
    public static RunData prepare(RunSpec s, PrintWriter log) {
        RunSpec.Data d = s.data();
        DType dt = s.model().dtype();
        Loaded data = load(d.source(), d.testData(), d.testSize(), dt, s.seed(), log);
        Dataset pool = data.train();
        Dataset test = data.test();
        if (d.holdout() > 0) {
            Splits.Holdout h = Splits.holdout(pool, d.holdout());
            pool = h.pool();
            test = h.test();
        }
        Splits.Draw draw = Splits.draw(pool, d.trainSize(), d.subset() == RunSpec.Subset.BALANCED,
                d.unlabeledData() == null ? d.unlabeledSize() : 0, s.seed());
        Dataset train = draw.labeled();
        Tensor unlabeled = draw.unlabeled();
        if (d.unlabeledData() != null) {
            Dataset u = DataSources.read(d.unlabeledData(), dt).train();
            if (!Arrays.equals(u.sampleShape(), train.sampleShape())) {
                throw new GradregException(d.unlabeledData() + ": samples of shape " + Arrays.toString(u.sampleShape())
                        + " but the training samples have shape " + Arrays.toString(train.sampleShape()));
            }
            unlabeled = Splits.inputs(u.x(), d.unlabeledSize(), s.seed());
        }
        Standardizer st = null;
        if (d.standardize()) {
            st = Standardizer.fit(train.x());
            train = st.apply(train);
            test = st.apply(test);
            unlabeled = unlabeled == null ? null : st.apply(unlabeled);
        }
        return new RunData(train, test, unlabeled, st, data.black());
    }

    /**
     * A source's training and test data (test may be null), the test subset drawn with
     * {@code seed + 1}; {@code black} is the value of a zero pixel per channel after the source's
     * normalization (what crop padding fills with), null for sources that are not normalized.
     */
    public static Loaded load(String source, Path testData, long testSize, DType dtype, long seed, PrintWriter log) {
        if (source == null) {
            throw new GradregException("missing --data");
        }
        if (testSize < 0) {
            throw new GradregException("--test-size must be >= 0, got " + testSize);
        }
        Optional<Cifar.Kind> cifar = Cifar.kindOf(source);
        Cifar.Loaded c = cifar.isPresent() ? Cifar.read(source, dtype) : null;
        if (c != null) {
            log.printf("%s normalized per channel with mean %s, std %s (of its training split)%n", source,
                    Arrays.toString(round(c.normalization().mean())), Arrays.toString(round(c.normalization().std())));
        }
        DataSources.Split split = c != null ? c.split() : DataSources.read(path(source, log), dtype);
        Dataset test = testData != null ? DataSources.read(testData, dtype).train() : split.test().orElse(null);
        if (test != null) {
            test = DataSources.balancedSubset(test, testSize, seed + 1);
        } else if (testSize > 0) {
            throw new GradregException("--test-size " + testSize + " given but " + source + " has no test split (add --test-data PATH)");
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

    /** The model {@code m} for samples shaped like {@code data}'s, in its dtype. */
    public static Net buildModel(RunSpec.Model m, Dataset data) {
        int k = declaredClasses(m.spec());
        if (k > 0) {
            DataSources.requireLabelsBelow(data, k, "label", "model '" + m.spec() + "' (" + k + " outputs)");
        }
        return Models.build(m.spec(), new Models.Options(m.activation(), m.dropout(), m.batchNorm(), data.sampleShape(), data.outputs()))
                .to(m.dtype());
    }

    /** The output count an mlp spec states (its last width), or 0 when the model takes it from the data. */
    private static int declaredClasses(String model) {
        String[] widths = model.trim().split(":", 2);
        if (!widths[0].equalsIgnoreCase("mlp") || widths.length < 2) {
            return 0;
        }
        String last = widths[1].substring(widths[1].lastIndexOf('-') + 1);
        try {
            return Integer.parseInt(last.strip());
        } catch (NumberFormatException e) {
            return 0; // Models reports the bad spec
        }
    }

    /** The data path; {@code mnist} resolves to the verified cache, fetched on first use. */
    static Path path(String source, PrintWriter log) {
        if (!source.equals("mnist")) {
            return Paths.get(source);
        }
        return MnistCache.MNIST.ensure(Versions.cacheDir(), log);
    }

    private static double[] round(double[] v) {
        return Arrays.stream(v).map(x -> Math.round(x * 1e4) / 1e4).toArray();
    }

    private static String kind(Dataset d) {
        return d.isClassification() ? "integer labels" : "float targets";
    }
}
