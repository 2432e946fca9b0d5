package io.gradreg.train;

import io.gradreg.GradregException;
import io.gradreg.io.AtomicFiles;
import io.gradreg.io.Json;
import io.gradreg.io.LinePlot;
import io.gradreg.io.RunLock;
import io.gradreg.nn.Net;
import io.gradreg.nn.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's output directory: config.json, metrics.jsonl (a line per epoch), summary.json,
 * weights.safetensors, checkpoint.pt and loss/accuracy plots. Every file is written atomically,
 * except metrics.jsonl, which only ever gains whole lines. The writing process owns the directory
 * through a {@link RunLock} for as long as the run lasts.
 */
public final class RunDirectory implements AutoCloseable {
    /** The marker a run leaves when it stops on a non-finite loss. */
    public static final String DIVERGED = "diverged.json";
    static final String CHECKPOINT = "checkpoint.pt";
    /** The files that make a directory hold a run; any one of them is enough to refuse a fresh run there. */
    private static final List<String> RUN_FILES = List.of("config.json", "metrics.jsonl", CHECKPOINT, "summary.json", "weights.safetensors",
            "best-weights.safetensors", DIVERGED);
    /** Also removed by --overwrite, so no file of the replaced run survives beside the new one. */
    private static final List<String> DERIVED_FILES = List.of("loss.png", "accuracy.png");

    final Path dir;
    /** This process's ownership of the directory; null for a worker that writes nothing. */
    private final RunLock lock;

    private RunDirectory(Path dir, RunLock lock) {
        this.dir = dir;
        this.lock = lock;
    }

    /**
     * A directory for a new run, created if needed and locked for this process. A directory that
     * already holds a run is refused unless {@code overwrite}, which removes that run's files first.
     */
    static RunDirectory fresh(Path dir, boolean overwrite) {
        RunLock lock = RunLock.acquire(dir, "--out");
        try {
            if (holdsRun(dir) && !overwrite) {
                throw new GradregException(dir + " already holds a run: choose another --out, continue it with --resume,"
                        + " or replace it with --overwrite");
            }
            for (String stale : RUN_FILES) {
                Files.deleteIfExists(dir.resolve(stale));
            }
            for (String stale : DERIVED_FILES) {
                Files.deleteIfExists(dir.resolve(stale));
            }
        } catch (IOException e) {
            lock.close();
            throw new GradregException(dir + ": cannot clear the run directory: " + e.getMessage());
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
        return new RunDirectory(dir, lock);
    }

    /** True when {@code dir} holds any file of a gradreg train run. */
    static boolean holdsRun(Path dir) {
        return RUN_FILES.stream().anyMatch(f -> Files.exists(dir.resolve(f)));
    }

    /** The run directory as seen by a data-parallel worker other than rank 0, which writes nothing and locks nothing. */
    static RunDirectory readOnly(Path dir) {
        return new RunDirectory(dir, null);
    }

    /** The directory of a run to resume, locked for this process: it must hold a checkpoint. */
    static RunDirectory existing(Path dir) {
        requireCheckpoint(dir);
        RunLock lock = RunLock.acquire(dir, "--out");
        return new RunDirectory(dir, lock);
    }

    /**
     * Marks the run as stopped on a non-finite loss (diverged.json): sweeps and reproductions then keep
     * it failed instead of resuming it, since its checkpoint may hold the state that led there.
     */
    void markDiverged(double loss, long step, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loss", Double.toString(loss));
        m.put("step", step);
        m.put("message", message);
        Json.writeFile(dir.resolve(DIVERGED), m);
    }

    /** Fails unless {@code dir} holds a checkpoint to resume from, and refuses a run that diverged. */
    static void requireCheckpoint(Path dir) {
        if (Files.isRegularFile(dir.resolve(DIVERGED))) {
            throw new GradregException(dir + " " + divergedMessage(dir) + ", and its checkpoint may hold the state that led there:"
                    + " start it again with --overwrite (or delete " + DIVERGED + " to resume it anyway)");
        }
        if (!Files.isRegularFile(dir.resolve(CHECKPOINT))) {
            throw new GradregException(dir + ": no checkpoint to resume from (" + CHECKPOINT + " is missing)");
        }
    }

    /** Releases the directory's lock (a no-op for a read-only view). */
    @Override
    public void close() {
        if (lock != null) {
            lock.close();
        }
    }

    /** Written after every epoch and on interruption. */
    Path checkpoint() {
        return dir.resolve(CHECKPOINT);
    }

    /** Replaces metrics.jsonl with the epochs of a checkpoint, dropping lines of epochs that were not checkpointed. */
    void rewriteMetrics(List<EpochMetrics> history) {
        AtomicFiles.writeString(dir.resolve("metrics.jsonl"), RunRecords.lines(history));
    }

    void writeConfig(Map<String, Object> config) {
        Json.writeFile(dir.resolve("config.json"), config);
    }

    void appendMetrics(EpochMetrics m) {
        RunRecords.append(dir, m);
    }

    /** The thread count a run in {@code dir} recorded in its config.json, or null. */
    static Integer savedThreads(Path dir) {
        var t = Json.read(dir.resolve("config.json")).path("threads");
        return t.canConvertToInt() && t.asInt() >= 1 ? t.asInt() : null;
    }

    /** best-weights.safetensors: the weights after {@code epoch}, the best evaluated test accuracy so far (train --save-best). */
    void saveBest(Net net, int epoch) {
        Weights.save(net, dir.resolve("best-weights.safetensors"), Map.of("epoch", String.valueOf(epoch)));
    }

    void finish(Net net, List<EpochMetrics> history, Map<String, String> metadata) {
        Weights.save(net, dir.resolve("weights.safetensors"), metadata);
        RunRecords.writeSummary(dir, RunRecords.summary(history));
        plot(dir, Map.of("run", history));
        sharpnessPlot(dir, history);
    }

    /**
     * sharpness.png for a run with {@code --track-sharpness}: the top Hessian eigenvalue, the trace
     * and R_IG on the subset against the epoch (log scale when all are positive).
     */
    static void sharpnessPlot(Path dir, List<EpochMetrics> history) {
        List<EpochMetrics> h = history.stream().filter(EpochMetrics::hasSharpness).toList();
        if (h.isEmpty()) {
            return;
        }
        double[] ep = h.stream().mapToDouble(EpochMetrics::epoch).toArray();
        double[] top = h.stream().mapToDouble(EpochMetrics::hessianTop).toArray();
        double[] trace = h.stream().mapToDouble(EpochMetrics::hessianTrace).toArray();
        double[] rig = h.stream().mapToDouble(EpochMetrics::subsetRIG).toArray();
        LinePlot p = LinePlot.titled("Sharpness on the training subset").xLabel("epoch").yLabel("value");
        boolean positive = java.util.stream.DoubleStream.of(top).allMatch(v -> v > 0) && java.util.stream.DoubleStream.of(trace).allMatch(v -> v > 0)
                && java.util.stream.DoubleStream.of(rig).allMatch(v -> v > 0);
        if (positive) {
            p.logY();
        }
        p.series("top Hessian eigenvalue", ep, top).series("Hessian trace", ep, trace);
        if (positive) {
            p.series("R_IG", ep, rig); // orders of magnitude below the others: readable on a log scale only
        }
        p.write(dir.resolve("sharpness.png"));
    }

    /** loss.png and accuracy.png: one series per run (train and test loss; test accuracy). */
    public static void plot(Path dir, Map<String, List<EpochMetrics>> runs) {
        LinePlot loss = LinePlot.titled("Loss").xLabel("epoch").yLabel("data loss on the full split (cross-entropy or squared error), log scale").logY();
        LinePlot acc = LinePlot.titled("Test accuracy").xLabel("epoch").yLabel("accuracy (fraction correct)");
        boolean single = runs.size() == 1;
        runs.forEach((name, h) -> {
            double[] ep = h.stream().mapToDouble(EpochMetrics::epoch).toArray();
            loss.series(single ? "train" : name + " train", ep, h.stream().mapToDouble(EpochMetrics::trainLoss).toArray());
            if (single) {
                loss.series("test", ep, h.stream().mapToDouble(EpochMetrics::testLoss).toArray());
            }
            acc.series(single ? "test" : name, ep, h.stream().mapToDouble(EpochMetrics::testAccuracy).toArray());
        });
        loss.write(dir.resolve("loss.png"));
        acc.write(dir.resolve("accuracy.png"));
    }

    /** "stopped on a non-finite loss (NaN) at step N", from the run's diverged.json. */
    public static String divergedMessage(Path dir) {
        try {
            var n = Json.read(dir.resolve(DIVERGED));
            return "stopped on a non-finite loss (" + n.path("loss").asText() + ") at step " + n.path("step").asLong();
        } catch (RuntimeException e) {
            return "stopped on a non-finite loss (" + dir.resolve(DIVERGED) + " is unreadable: " + e.getMessage() + ")";
        }
    }
}
