package io.gradreg.repro;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.io.Json;
import io.gradreg.sweep.SweepSpec;
import io.gradreg.train.RunFlags;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reproductions build their runs as RunSpecs; these are the runs they ran as flag lists before:
 * the same ids, labels and settings (config.json's flag → value map), for a full run of small-mnist,
 * semi-supervised and igr-mnist, against the flags written out here as the command line has them;
 * and the flags the igr reports print are the committed ones.
 */
class ReproRunSpecsTest {
    @TempDir
    Path tmp;

    private Experiment.Context full() {
        return new Experiment.Context(false, tmp, 1, new PrintWriter(new StringWriter()), null);
    }

    /**
     * The settings config.json records for a run given as {@code flags}: a run's config.json holds
     * the settings of its RunSpec, so the flags go through the spec as a sweep's YAML does (parsed
     * flags alone leave out method-dependent defaults such as --gamma, which the spec fills in).
     */
    private static Map<String, String> settings(List<String> flags) {
        return RunFlags.of(RunFlags.parse(flags, "x").toSpec()).settings();
    }

    private static void assertSameRun(SweepSpec.Run run, String id, Map<String, String> labels, List<String> flags) {
        assertEquals(id, run.id());
        assertEquals(labels, run.labels(), id);
        assertEquals(settings(flags), RunFlags.of(run.spec()).settings(), id);
    }

    /** small-mnist's protocol as flags: the authors' data cut, LeNet, Adam with a step schedule, exact penalties, per-batch projections. */
    static final List<String> SMALL_MNIST = List.of("--data", "mnist", "--holdout", "10000", "--train-size", "2000", "--steps", "10000",
            "--batch-size", "50", "--eval-every", "50", "--subset", "random", "--standardize", "--model", "lenet5:002", "--optimizer", "adam",
            "--lr", "0.001", "--schedule", "step", "--weight-decay-on", "weights", "--second-order", "exact", "--projection", "batch");

    /** Each configuration's own flags, keyed by setting.method, in the experiment's order. */
    static Map<String, List<String>> smallMnistVariants() {
        Map<String, List<String>> v = new LinkedHashMap<>();
        v.put("wd0-dropout.baseline", List.of("--weight-decay", "0", "--dropout", "0.5", "--method", "plain"));
        v.put("wd0-dropout.spectreg0.03", List.of("--weight-decay", "0", "--dropout", "0.5", "--method", "spectreg", "--lambda", "0.03"));
        v.put("wd-dropout.baseline", List.of("--weight-decay", "0.0005", "--dropout", "0.5", "--method", "plain"));
        v.put("wd-dropout.spectreg0.03", List.of("--weight-decay", "0.0005", "--dropout", "0.5", "--method", "spectreg", "--lambda", "0.03"));
        v.put("wd-dropout.doubleback50", List.of("--weight-decay", "0.0005", "--dropout", "0.5", "--method", "doubleback", "--lambda", "50"));
        v.put("wd-dropout.confpen", List.of("--weight-decay", "0.0005", "--dropout", "0.5", "--method", "confpen", "--beta", "0.5"));
        v.put("wd-plain.baseline", List.of("--weight-decay", "0.0005", "--dropout", "0", "--method", "plain"));
        v.put("wd-plain.spectreg0.01", List.of("--weight-decay", "0.0005", "--dropout", "0", "--method", "spectreg", "--lambda", "0.01"));
        v.put("wd-plain.doubleback50", List.of("--weight-decay", "0.0005", "--dropout", "0", "--method", "doubleback", "--lambda", "50"));
        v.put("wd-dropout.spectreg0.01", List.of("--weight-decay", "0.0005", "--dropout", "0.5", "--method", "spectreg", "--lambda", "0.01"));
        v.put("wd-bn.baseline", List.of("--weight-decay", "0.0005", "--dropout", "0", "--batchnorm", "--method", "plain"));
        v.put("wd-bn.spectreg0.001", List.of("--weight-decay", "0.0005", "--dropout", "0", "--batchnorm", "--method", "spectreg", "--lambda",
                "0.001"));
        v.put("wd-bn.doubleback0.001", List.of("--weight-decay", "0.0005", "--dropout", "0", "--batchnorm", "--method", "doubleback", "--lambda",
                "0.001"));
        return v;
    }

    private static List<String> concat(List<String> a, List<String> b, String... more) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        all.addAll(List.of(more));
        return all;
    }

    @Test
    void smallMnistRunsAreTheProtocolsFlagRunsSeedByTableGroup() {
        SweepSpec spec = SmallMnist.spec(full());
        assertEquals("small-mnist", spec.name());
        assertEquals(Path.of("runs", "reproduce", "small-mnist-protocol"), spec.out());
        Map<String, List<String>> variants = smallMnistVariants();
        List<String> keys = new ArrayList<>(variants.keySet());
        List<SweepSpec.Run> runs = spec.runs();
        assertEquals(13 * 5, runs.size());
        int i = 0;
        // tables 1 and 3 (the first six configurations) over seeds 1-5, then table 2's seven others
        for (List<String> group : List.of(keys.subList(0, 6), keys.subList(6, 13))) {
            for (int seed = 1; seed <= 5; seed++) {
                for (String key : group) {
                    String id = key + "_seed=" + seed;
                    assertSameRun(runs.get(i++), id, Map.of("variant", id), concat(SMALL_MNIST, variants.get(key), "--seed", String.valueOf(seed)));
                }
            }
        }
    }

    @Test
    void semiSupervisedRunsItsUnlabeledArmFirstAndSharesSmallMnistsOthers() {
        SweepSpec spec = SemiSupervised.spec(full());
        assertEquals(Path.of("runs", "reproduce", "small-mnist-protocol"), spec.out(), "the run directories of small-mnist");
        List<String> spectreg = smallMnistVariants().get("wd-dropout.spectreg0.03");
        Map<String, List<String>> arms = new LinkedHashMap<>();
        arms.put("wd-dropout.spectreg0.03-unlabeled20000", concat(spectreg, List.of("--unlabeled-size", "20000")));
        arms.put("wd-dropout.baseline", smallMnistVariants().get("wd-dropout.baseline"));
        arms.put("wd-dropout.spectreg0.03", spectreg);
        int i = 0;
        for (Map.Entry<String, List<String>> a : arms.entrySet()) {
            for (int seed = 1; seed <= 5; seed++) {
                String id = a.getKey() + "_seed=" + seed;
                assertSameRun(spec.runs().get(i++), id, Map.of("variant", id), concat(SMALL_MNIST, a.getValue(), "--seed", String.valueOf(seed)));
            }
        }
        assertEquals(i, spec.runs().size());
    }

    @Test
    void igrMnistRunsAreFullBatchGdOverModelsThenLearningRatesThenSeeds() {
        IgrMnist.Setup s = IgrMnist.setup(false);
        SweepSpec spec = IgrMnist.spec(s, IgrMnist.data(s, full()), tmp);
        List<String> base = List.of("--data", "mnist", "--train-size", "5000", "--batch-size", "5000", "--epochs", "4000", "--eval-every", "25",
                "--checkpoint-every", "25", "--optimizer", "sgd", "--save-best", "--stop-at-train-accuracy", "1.0");
        Map<String, String> models = new LinkedHashMap<>();
        models.put("w16", "mlp:784-16-10");
        models.put("w64", "mlp:784-64-10");
        int i = 0;
        for (Map.Entry<String, String> w : models.entrySet()) {
            for (String lr : List.of("0.05", "0.1", "0.2", "0.5", "1.0")) {
                for (String seed : List.of("0", "1", "2")) {
                    Map<String, String> labels = new LinkedHashMap<>();
                    labels.put("variant", w.getKey());
                    labels.put("lr", lr);
                    labels.put("seed", seed);
                    assertSameRun(spec.runs().get(i++), w.getKey() + "_lr=" + lr + "_seed=" + seed, labels,
                            concat(base, List.of("--model", w.getValue()), "--lr", lr, "--seed", seed));
                }
            }
        }
        assertEquals(i, spec.runs().size());
    }

    @Test
    void theFlagsTheIgrReportsShowAreTheCommittedOnes() {
        IgrMnist.Setup s = IgrMnist.setup(false);
        SweepSpec spec = IgrMnist.spec(s, IgrMnist.data(s, full()), tmp);
        // toString: the same entries in the same order, as igr-mnist.json writes them
        assertEquals(flags(Json.read(Path.of("docs", "results", "igr-mnist", "igr-mnist.json")).get("base")).toString(),
                IgrMnist.shared(spec.runs().get(0).spec(), false).toString());
        Map<String, String> sgd = IgrMnistSgd.shown(IgrMnistSgd.base(full()), false);
        assertEquals(flags(Json.read(Path.of("docs", "results", "igr-mnist-sgd", "igr-mnist.json")).get("base")).toString(), sgd.toString());
        assertEquals("{data=mnist, train-size=10000, model=mlp:784-256-256-10, epochs=15, batch-size=128}", sgd.toString(),
                "as results.md prints it");
    }

    /** A JSON object of strings, in its order. */
    private static Map<String, String> flags(JsonNode n) {
        Map<String, String> m = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }
}
