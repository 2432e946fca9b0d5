package io.gradreg.repro;

import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.GradregException;
import io.gradreg.analysis.RunAnalysis;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.engine.HostArrays;
import io.gradreg.io.Json;
import io.gradreg.io.Npz;
import io.gradreg.stats.Stats;
import io.gradreg.sweep.Launcher;
import io.gradreg.sweep.Sweep;
import io.gradreg.sweep.SweepSpec;
import io.gradreg.sweep.SweepTable;
import io.gradreg.train.EpochMetrics;
import io.gradreg.train.RunRecords;
import io.gradreg.train.RunSpec;
import io.gradreg.train.SavedRunAnalysis;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * What the sweep-based reproductions share: where their runs live, the synthetic data of
 * {@code --quick}, running a sweep (failures are errors), and reading a run's results
 * ({@link RunRecords}) into report rows. Their runs are built from {@link Protocols}.
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
    record Data(Path train, Path test) {
        /** A run's data: this training set, and this test set beside it. */
        RunSpec.Data spec() {
            return RunSpec.Data.of(train.toString()).withTestData(test);
        }
    }

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
     * The wall time of a sweep, kept beside its runs ({@code RUNS/sweep-time.NAME.json}) and copied to
     * {@code OUT/sweep-time.json}, so that a report rebuilt from finished runs (all skipped) still states
     * how long the runs took: minutes of this invocation plus those recorded before when some runs were
     * skipped. The record that is added to is the one beside the runs: runs deleted and made again do not
     * inherit the time of the ones they replaced. Returns a sentence for the report.
     */
    static String sweepTime(Experiment.Context ctx, List<Sweep.Outcome> outcomes, double minutes) {
        return sweepTime(ctx, outcomes, minutes, executor(ctx));
    }

    /** {@code sweep-time.NAME.json} in the directory that holds every run of the sweep, or null when they are spread over several. */
    private static Path besideRuns(List<Sweep.Outcome> outcomes, String name) {
        Set<Path> parents = outcomes.stream().map(o -> o.dir().toAbsolutePath().getParent()).collect(Collectors.toSet());
        return parents.size() == 1 ? parents.iterator().next().resolve("sweep-time." + name + ".json") : null;
    }

    /** As above, for a sweep whose runs were executed as {@code executor} says. */
    static String sweepTime(Experiment.Context ctx, List<Sweep.Outcome> outcomes, double minutes, String executor) {
        Path report = ctx.out().resolve("sweep-time.json");
        Path beside = besideRuns(outcomes, ctx.out().getFileName().toString());
        // A report rebuilt from finished runs may fall back to the report's copy (runs made before the record moved beside them).
        long ran = outcomes.stream().filter(o -> o.status() == Sweep.Status.DONE).count();
        Path f = beside != null && Files.isRegularFile(beside) ? beside : ran == 0 ? report : null;
        double before = 0;
        long ranBefore = 0;
        String how = executor;
        if (ran < outcomes.size() && f != null && Files.isRegularFile(f)) {
            JsonNode t = Json.read(f);
            before = t.hasNonNull("minutes") ? t.get("minutes").asDouble() : Double.NaN;
            ranBefore = t.path("runs_run").asLong();
            if (ran == 0 && t.hasNonNull("executor")) {
                how = t.get("executor").asText(); // the recorded time was spent that way, not as this invocation would
            }
        }
        double total = before + (ran > 0 ? minutes : 0);
        if (ran > 0) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("minutes", total);
            t.put("runs_run", ranBefore + ran);
            t.put("runs", outcomes.size());
            t.put("executor", executor);
            Json.writeFile(report, t);
            if (beside != null) {
                Json.writeFile(beside, t);
            }
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
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(log), true)) {
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
    static Map<String, Object> atBestEpoch(double lr, EpochMetrics best) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("lr", lr);
        row.put("best_test_accuracy", best.testAccuracy());
        row.put("best_epoch", (double) best.epoch()); // a number with a fraction in the saved json, as it always was
        row.put("R_IG_at_best", best.rIG());
        row.put("lambda", best.lambdaIG());
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

    /** {@code field} of every epoch (NaN where the epoch was not evaluated). */
    static double[] column(List<EpochMetrics> epochs, ToDoubleFunction<EpochMetrics> field) {
        return epochs.stream().mapToDouble(field).toArray();
    }

    /** {@code field} of the epochs that pass {@code keep}. */
    static double[] column(List<EpochMetrics> epochs, ToDoubleFunction<EpochMetrics> field, Predicate<EpochMetrics> keep) {
        return epochs.stream().filter(keep).mapToDouble(field).toArray();
    }

    /**
     * Seconds a run spent in its training steps: each logged epoch's mean step time times its
     * number of steps (evaluation and checkpoints excluded). A run's own record of its cost, kept
     * across resumed sweeps whose wall time was not recorded.
     */
    static double trainingSeconds(List<EpochMetrics> epochs) {
        double ms = 0;
        double prev = 0;
        for (EpochMetrics m : epochs) {
            double step = m.step();
            double t = m.msPerStep();
            if (Double.isFinite(t)) {
                ms += t * (step - prev);
            }
            prev = step;
        }
        return ms / 1000;
    }

    /** Whether an epoch was evaluated on the full sets (see {@code train --eval-every}). */
    static boolean evaluated(EpochMetrics epoch) {
        return Double.isFinite(epoch.trainLoss());
    }

    /** A finished run's final test accuracy, from its summary.json. */
    static double finalTestAccuracy(Path dir) {
        return RunRecords.readSummary(dir).finalTestAccuracy();
    }

    /** A finished run as a {@link SweepTable} row: its labels and the summary.json numbers of {@link SweepTable#METRICS}, in that order. */
    static SweepTable.Row row(Path dir, Map<String, String> labels) {
        RunRecords.Summary s = RunRecords.readSummary(dir);
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("final_test_accuracy", s.finalTestAccuracy());
        values.put("best_test_accuracy", s.bestTestAccuracy());
        values.put("final_train_loss", s.finalTrainLoss());
        values.put("final_R_IG", s.finalRIG());
        return new SweepTable.Row(labels, values);
    }

    /** Accuracy in percent, {@code mean ± std}. */
    static String pct(Stats.MeanStd ms) {
        return String.format("%.2f ± %.2f", 100 * ms.mean(), 100 * ms.std());
    }
}
