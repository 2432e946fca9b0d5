package io.gradreg.cli;

import io.gradreg.GradregException;
import io.gradreg.io.AtomicFiles;
import io.gradreg.io.Json;
import io.gradreg.io.LinePlot;
import io.gradreg.nn.Net;
import io.gradreg.nn.Weights;
import io.gradreg.train.EpochMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's output directory: config.json, metrics.jsonl (a line per epoch), summary.json,
 * weights.safetensors, checkpoint.pt and loss/accuracy plots. Every file is written atomically,
 * except metrics.jsonl, which only ever gains whole lines.
 */
final class RunDirectory {
    static final String CHECKPOINT = "checkpoint.pt";

    final Path dir;

    private RunDirectory(Path dir) {
        this.dir = dir;
    }

    /** A directory for a new run: created if needed; results of an earlier run there are removed. */
    static RunDirectory fresh(Path dir) {
        try {
            Files.createDirectories(dir);
            for (String stale : new String[] {"metrics.jsonl", CHECKPOINT, "summary.json", "weights.safetensors"}) {
                Files.deleteIfExists(dir.resolve(stale));
            }
        } catch (IOException e) {
            throw new GradregException(dir + ": cannot create the run directory: " + e.getMessage());
        }
        return new RunDirectory(dir);
    }

    /** The run directory as seen by a data-parallel worker other than rank 0, which writes nothing. */
    static RunDirectory readOnly(Path dir) {
        return new RunDirectory(dir);
    }

    /** The directory of a run to resume: it must hold a checkpoint. */
    static RunDirectory existing(Path dir) {
        if (!Files.isRegularFile(dir.resolve(CHECKPOINT))) {
            throw new GradregException(dir + ": no checkpoint to resume from (" + CHECKPOINT + " is missing)");
        }
        return new RunDirectory(dir);
    }

    /** Written after every epoch and on interruption. */
    Path checkpoint() {
        return dir.resolve(CHECKPOINT);
    }

    /** Replaces metrics.jsonl with the epochs of a checkpoint, dropping lines of epochs that were not checkpointed. */
    void rewriteMetrics(List<EpochMetrics> history) {
        StringBuilder b = new StringBuilder();
        history.forEach(m -> b.append(Json.writeCompact(m)).append('\n'));
        AtomicFiles.writeString(dir.resolve("metrics.jsonl"), b.toString());
    }

    void writeConfig(Map<String, Object> config) {
        Json.writeFile(dir.resolve("config.json"), config);
    }

    void appendMetrics(EpochMetrics m) {
        Json.appendLine(dir.resolve("metrics.jsonl"), m);
    }

    /** Final and best test accuracy (with its epoch), and the last epoch's metrics. */
    static Map<String, Object> summary(List<EpochMetrics> history) {
        Map<String, Object> s = new LinkedHashMap<>();
        EpochMetrics last = history.get(history.size() - 1);
        EpochMetrics best = last;
        for (EpochMetrics m : history) {
            if (m.testAccuracy() > best.testAccuracy()) {
                best = m;
            }
        }
        s.put("final_test_accuracy", last.testAccuracy());
        s.put("best_test_accuracy", best.testAccuracy());
        s.put("best_epoch", best.epoch());
        s.put("final_test_loss", last.testLoss());
        s.put("final_train_loss", last.trainLoss());
        s.put("final_R_IG", last.rIG());
        s.put("epochs", last.epoch());
        s.put("steps", last.step());
        s.put("last", last);
        return s;
    }

    void finish(Net net, List<EpochMetrics> history, Map<String, String> metadata) {
        Weights.save(net, dir.resolve("weights.safetensors"), metadata);
        Json.writeFile(dir.resolve("summary.json"), summary(history));
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
    static void plot(Path dir, Map<String, List<EpochMetrics>> runs) {
        LinePlot loss = LinePlot.titled("Loss").xLabel("epoch").yLabel("loss").logY();
        LinePlot acc = LinePlot.titled("Test accuracy").xLabel("epoch").yLabel("accuracy");
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
}
