package io.gradreg.repro;

import io.gradreg.analysis.RunAnalysis;
import io.gradreg.engine.Engine;
import io.gradreg.train.SavedRunAnalysis;
import java.io.PrintWriter;
import io.gradreg.sweep.Launcher;
import io.gradreg.sweep.Sweep;
import io.gradreg.sweep.SweepSpec;
import io.gradreg.sweep.SweepTable;
import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.GradregException;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.engine.HostArrays;
import io.gradreg.io.Json;
import io.gradreg.io.Npz;
import io.gradreg.sweep.Worker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What the sweep-based reproductions share: where their runs live, the synthetic data of
 * {@code --quick}, running a sweep (failures are errors), and reading a run's metrics.jsonl.
 */
final class Repro {
    private Repro() {}

    /**
     * The sweep's run directories: {@code runs/reproduce/NAME} for a full run (bulky checkpoints
     * and weights stay out of docs/ and out of git), {@code OUT/runs} with {@code --quick}.
     */
    static Path runsDir(Experiment.Context ctx, String name) {
        return ctx.quick() ? ctx.out().resolve("runs") : Paths.get("runs", "reproduce", name);
    }

    /** Paths of a training and a test set written as .npz. */
    record Data(Path train, Path test) {}

    /**
     * Gaussian blobs for {@code --quick}: the same task (class means from one seed) for training and
     * test, with independent samples, written to {@code dir/train.npz} and {@code dir/test.npz}.
     * No network: quick runs never touch MNIST.
     */
    static Data blobs(Path dir, int nTrain, int nTest, int dim, int classes, double spread) {
        Engine.start();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new GradregException(dir + ": cannot create: " + e.getMessage());
        }
        Path train = dir.resolve("train.npz");
        Path test = dir.resolve("test.npz");
        write(train, Synthetic.blobs(nTrain, dim, classes, spread, 7, 8, DType.FLOAT32));
        write(test, Synthetic.blobs(nTest, dim, classes, spread, 7, 9, DType.FLOAT32));
        return new Data(train, test);
    }

    private static void write(Path file, Dataset d) {
        Npz.write(file, Map.of("x", HostArrays.toHost(d.x()), "y", HostArrays.toHost(d.y())));
    }

    /**
     * Runs (or skips, when done) every run of {@code spec}; a failed run is an error naming it. A
     * full run uses parallel worker processes; {@code --quick} runs its tiny runs in this JVM one
     * after another (the same train command), since a JVM start costs more than such a run.
     */
    static List<Sweep.Outcome> sweep(SweepSpec spec, Experiment.Context ctx) {
        return sweep(spec, ctx, false);
    }

    /**
     * As {@link #sweep(SweepSpec, Experiment.Context)}; with {@code shortRuns} and {@code --jobs 1} a full
     * run also trains in this JVM, one run after another: for many runs of a minute or two, a JVM start
     * and its warm-up (tens of seconds on a loaded machine) would cost as much as the training.
     */
    static List<Sweep.Outcome> sweep(SweepSpec spec, Experiment.Context ctx, boolean shortRuns) {
        boolean here = ctx.quick() || (shortRuns && ctx.jobs() == 1);
        ctx.log().printf("%d runs, %s, in %s%n", spec.runs().size(), here ? "in this process" : ctx.jobs() + " worker processes at a time",
                spec.out());
        List<Sweep.Outcome> out = here ? Sweep.run(spec, 1, ctx.inProcess(), ctx.log(), ctx.retryFailed())
                : Sweep.run(spec, ctx.jobs(), Launcher.subprocess(), ctx.log(), ctx.retryFailed());
        List<String> diverged = out.stream().filter(o -> o.status() == Sweep.Status.DIVERGED).map(o -> o.run().id()).toList();
        if (!diverged.isEmpty()) {
            // No report from a sweep with holes: a table would hide them. The run stays failed until retried from scratch.
            throw new GradregException(diverged.size() + " of " + out.size() + " runs stopped on a non-finite loss (" + String.join(", ", diverged)
                    + "); they are kept as failed and no report is written: --retry-failed starts them again from scratch");
        }
        List<String> failed = out.stream().filter(o -> o.status() == Sweep.Status.FAILED)
                .map(o -> o.run().id() + ": " + o.message()).toList();
        if (!failed.isEmpty()) {
            throw new GradregException(failed.size() + " of " + out.size() + " runs failed; first: " + failed.get(0));
        }
        return out;
    }

    /**
     * The wall time of a sweep, kept in {@code OUT/sweep-time.json} so that a report rebuilt from
     * finished runs (all skipped) still states how long the runs took: minutes of this invocation
     * plus those recorded before when some runs were skipped. Returns a sentence for the report.
     */
    static String sweepTime(Experiment.Context ctx, List<Sweep.Outcome> outcomes, double minutes) {
        return sweepTime(ctx, outcomes, minutes, executor(ctx));
    }

    /** As above, for a sweep whose runs were executed as {@code executor} says. */
    static String sweepTime(Experiment.Context ctx, List<Sweep.Outcome> outcomes, double minutes, String executor) {
        Path f = ctx.out().resolve("sweep-time.json");
        long ran = outcomes.stream().filter(o -> o.status() == Sweep.Status.DONE).count();
        double before = 0;
        long ranBefore = 0;
        String how = executor;
        if (ran < outcomes.size() && Files.isRegularFile(f)) {
            JsonNode t = Json.read(f);
            before = value(t, "minutes");
            ranBefore = t.path("runs_run").asLong();
            if (ran == 0 && t.hasNonNull("executor")) {
                how = t.get("executor").asText(); // the recorded time was spent that way, not as this invocation would
            }
        }
        double total = before + (ran > 0 ? minutes : 0);
        if (ran > 0) {
            Map<String, Object> t = new java.util.LinkedHashMap<>();
            t.put("minutes", total);
            t.put("runs_run", ranBefore + ran);
            t.put("runs", outcomes.size());
            t.put("executor", executor);
            Json.writeFile(f, t);
        }
        long counted = ranBefore + ran;
        if (counted == 0) {
            return String.format("the sweep (%d runs) was run by an earlier invocation whose time was not recorded", outcomes.size());
        }
        String s = counted >= outcomes.size()
                ? String.format("the sweep (%d runs) took %.1f min of wall time, %s, on a 2-core machine shared with other jobs "
                        + "(times are noisy)", outcomes.size(), total, how)
                : String.format("%d of the sweep's %d runs took %.1f min of wall time, %s, on a 2-core machine shared with other jobs "
                        + "(times are noisy); the other %d were run by an earlier invocation whose time was not recorded", counted,
                        outcomes.size(), total, how, outcomes.size() - counted);
        return ran == 0 ? s + "; every run was already done when this report was written, so the time is the one recorded in sweep-time.json"
                : s;
    }

    /** How the runs were executed, for the reports. */
    static String executor(Experiment.Context ctx) {
        return ctx.quick() ? "in this process, one after another" : ctx.jobs() + " worker processes (one libtorch thread each)";
    }

    /**
     * The loss-landscape analysis of a run's weights ({@code weights}, null: its final ones) into
     * {@code out}, its output in {@code log}, in this process with one thread, one analysis at a time
     * (libtorch's generator and thread pools are global): what {@code gradreg analyze RUN --threads 1} does.
     */
    static void analyze(Path run, Path weights, RunAnalysis.Options o, Path out, Path log) {
        synchronized (Repro.class) {
            try (PrintWriter w = new PrintWriter(java.nio.file.Files.newBufferedWriter(log), true)) {
                Engine.start(1);
                SavedRunAnalysis.analyze(run, weights, o, out, w);
            } catch (IOException e) {
                throw new GradregException(log + ": cannot write: " + e.getMessage());
            } catch (GradregException e) {
                throw new GradregException("analyze " + run + " failed: " + e.getMessage());
            }
        }
    }

    /**
     * An implicit-GR row: the learning rate, and at the epoch of best test accuracy that accuracy,
     * the epoch, R_IG and λ = h·m/4.
     */
    static Map<String, Object> atBestEpoch(double lr, JsonNode best) {
        Map<String, Object> row = new java.util.LinkedHashMap<>();
        row.put("lr", lr);
        row.put("best_test_accuracy", best.get("testAccuracy").asDouble());
        row.put("best_epoch", best.get("epoch").asDouble());
        row.put("R_IG_at_best", best.get("rIG").asDouble());
        row.put("lambda", best.get("lambdaIG").asDouble());
        return row;
    }

    /**
     * The landscape numbers of an analyze run in {@code analysisDir}: {@code top_eigenvalue} and
     * {@code noisy_accuracy}, the test accuracy under parameter noise σ = {@code sigma} (NaN when absent).
     */
    static void putLandscape(Map<String, Object> row, Path analysisDir, double sigma) {
        JsonNode a = Json.read(analysisDir.resolve("analysis.json"));
        row.put("top_eigenvalue", a.at("/hessian/top_eigenvalue").asDouble(Double.NaN));
        double noisy = Double.NaN;
        for (JsonNode p : a.at("/noise/points")) {
            if (Math.abs(p.get("sigma").asDouble() - sigma) < 1e-12) {
                noisy = p.get("accuracy_mean").asDouble();
            }
        }
        row.put("noisy_accuracy", noisy);
    }

    /** The lines of {@code dir/metrics.jsonl}, one per epoch. */
    static List<JsonNode> metrics(Path dir) {
        Path f = dir.resolve("metrics.jsonl");
        try {
            List<JsonNode> out = new ArrayList<>();
            for (String line : Files.readAllLines(f)) {
                if (!line.isBlank()) {
                    out.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line));
                }
            }
            return out;
        } catch (IOException e) {
            throw new GradregException(f + ": cannot read: " + e.getMessage());
        }
    }

    /** {@code field} of every epoch (NaN where null: an epoch that was not evaluated). */
    static double[] column(List<JsonNode> epochs, String field) {
        return epochs.stream().mapToDouble(m -> value(m, field)).toArray();
    }

    /** {@code field} of the epochs that pass {@code keep}. */
    static double[] column(List<JsonNode> epochs, String field, Predicate<JsonNode> keep) {
        return epochs.stream().filter(keep).mapToDouble(m -> value(m, field)).toArray();
    }

    /**
     * Seconds a run spent in its training steps: each logged epoch's mean step time times its
     * number of steps (evaluation and checkpoints excluded). A run's own record of its cost, kept
     * across resumed sweeps whose wall time was not recorded.
     */
    static double trainingSeconds(List<JsonNode> epochs) {
        double ms = 0;
        double prev = 0;
        for (JsonNode m : epochs) {
            double step = value(m, "step");
            double t = value(m, "msPerStep");
            if (Double.isFinite(t)) {
                ms += t * (step - prev);
            }
            prev = step;
        }
        return ms / 1000;
    }

    /** Whether an epoch was evaluated on the full sets (see {@code train --eval-every}). */
    static boolean evaluated(JsonNode epoch) {
        return Double.isFinite(value(epoch, "trainLoss"));
    }

    static double value(JsonNode m, String field) {
        JsonNode v = m.get(field);
        return v == null || v.isNull() ? Double.NaN : v.asDouble();
    }

    /** A number from a run's summary.json. */
    static double summary(Path dir, String field) {
        return value(Json.read(dir.resolve("summary.json")), field);
    }

    /** A finished run as a {@link SweepTable} row: its labels and the summary.json metrics. */
    static SweepTable.Row row(Path dir, Map<String, String> labels) {
        Map<String, Double> values = new java.util.LinkedHashMap<>();
        for (String m : SweepTable.METRICS) {
            values.put(m, summary(dir, m));
        }
        return new SweepTable.Row(labels, values);
    }

    /** The median of the finite values. */
    static double median(double[] v) {
        double[] f = java.util.Arrays.stream(v).filter(Double::isFinite).sorted().toArray();
        if (f.length == 0) {
            return Double.NaN;
        }
        return f.length % 2 == 1 ? f[f.length / 2] : (f[f.length / 2 - 1] + f[f.length / 2]) / 2;
    }

    /** Mean and standard error of paired differences a[i] − b[i]. */
    static double[] pairedDiff(double[] a, double[] b) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        double[] ms = SweepTable.meanStd(d);
        return new double[] {ms[0], d.length > 1 ? ms[1] / Math.sqrt(d.length) : Double.NaN};
    }

    /** How many seeds (indices) have a[i] > b[i]. */
    static int seedsWon(double[] a, double[] b) {
        int won = 0;
        for (int i = 0; i < a.length; i++) {
            won += a[i] > b[i] ? 1 : 0;
        }
        return won;
    }

    /** Accuracy in percent, {@code mean ± std}. */
    static String pct(double[] meanStd) {
        return String.format("%.2f ± %.2f", 100 * meanStd[0], 100 * meanStd[1]);
    }
}
