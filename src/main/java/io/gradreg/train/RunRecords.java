package io.gradreg.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.GradregException;
import io.gradreg.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The one schema of a run's results, written and read here only: {@code metrics.jsonl} (one
 * {@link EpochMetrics} per line) and {@code summary.json} (a {@link Summary}). Field names are
 * snake_case, the papers' symbols keeping their capitals (R_IG, lambda_IG). Runs written before
 * this schema named the metrics in camelCase ({@code testAccuracy}, {@code rIG}); those names are
 * still read, so every run already on disk stays readable. A value that is not a number (an epoch
 * that was not evaluated) is written as null and read back as NaN.
 */
public final class RunRecords {
    /** One field of an epoch's metrics: its name in the files, its name before the schema was unified, its value. */
    private record Field(String name, String oldName, ToDoubleFunction<EpochMetrics> value) {}

    private static final List<Field> FIELDS = List.of(
            new Field("epoch", "epoch", EpochMetrics::epoch),
            new Field("step", "step", EpochMetrics::step),
            new Field("lr", "lr", EpochMetrics::lr),
            new Field("train_loss", "trainLoss", EpochMetrics::trainLoss),
            new Field("train_accuracy", "trainAccuracy", EpochMetrics::trainAccuracy),
            new Field("test_loss", "testLoss", EpochMetrics::testLoss),
            new Field("test_accuracy", "testAccuracy", EpochMetrics::testAccuracy),
            new Field("grad_norm", "gradNorm", EpochMetrics::gradNorm),
            new Field("R_IG", "rIG", EpochMetrics::rIG),
            new Field("lambda_IG", "lambdaIG", EpochMetrics::lambdaIG),
            new Field("batch_loss", "batchLoss", EpochMetrics::batchLoss),
            new Field("penalty", "penalty", EpochMetrics::penalty),
            new Field("ms_per_step", "msPerStep", EpochMetrics::msPerStep),
            new Field("hessian_top", "hessianTop", EpochMetrics::hessianTop),
            new Field("hessian_trace", "hessianTrace", EpochMetrics::hessianTrace),
            new Field("hessian_trace_se", "hessianTraceSe", EpochMetrics::hessianTraceSe),
            new Field("subset_R_IG", "subsetRIG", EpochMetrics::subsetRIG),
            new Field("sharpness_ms", "sharpnessMs", EpochMetrics::sharpnessMs),
            new Field("sharpness_cpu_ms", "sharpnessCpuMs", EpochMetrics::sharpnessCpuMs));
    /** The wall-time fields, left out of summary.json so that a resumed run writes the same bytes as an uninterrupted one. */
    private static final List<String> TIMING = List.of("ms_per_step");

    private RunRecords() {}

    /**
     * summary.json: final and best test accuracy (with its epoch), and the last epoch's metrics
     * without its wall time.
     */
    public record Summary(double finalTestAccuracy, double bestTestAccuracy, int bestEpoch, double finalTestLoss, double finalTrainLoss,
            double finalRIG, int epochs, long steps, EpochMetrics last) {}

    /** The summary of a run whose epochs were {@code history} (not empty). */
    public static Summary summary(List<EpochMetrics> history) {
        EpochMetrics last = history.get(history.size() - 1);
        EpochMetrics best = last;
        for (EpochMetrics m : history) {
            if (m.testAccuracy() > best.testAccuracy()) {
                best = m;
            }
        }
        return new Summary(last.testAccuracy(), best.testAccuracy(), best.epoch(), last.testLoss(), last.trainLoss(), last.rIG(), last.epoch(),
                last.step(), last);
    }

    /** One metrics.jsonl line (without the newline). */
    public static String line(EpochMetrics m) {
        return Json.writeCompact(fields(m, false));
    }

    /** Appends {@code m} to {@code dir}/metrics.jsonl. */
    public static void append(Path dir, EpochMetrics m) {
        Json.appendLine(dir.resolve("metrics.jsonl"), fields(m, false));
    }

    /** The text of a metrics.jsonl holding {@code history}. */
    public static String lines(List<EpochMetrics> history) {
        StringBuilder b = new StringBuilder();
        history.forEach(m -> b.append(line(m)).append('\n'));
        return b.toString();
    }

    /** Writes {@code dir}/summary.json for {@code s}. */
    public static void writeSummary(Path dir, Summary s) {
        Json.writeFile(dir.resolve("summary.json"), summaryFields(s));
    }

    /** summary.json's content for {@code s}, in file order. */
    public static Map<String, Object> summaryFields(Summary s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("final_test_accuracy", s.finalTestAccuracy());
        out.put("best_test_accuracy", s.bestTestAccuracy());
        out.put("best_epoch", s.bestEpoch());
        out.put("final_test_loss", s.finalTestLoss());
        out.put("final_train_loss", s.finalTrainLoss());
        out.put("final_R_IG", s.finalRIG());
        out.put("epochs", s.epochs());
        out.put("steps", s.steps());
        out.put("last", fields(s.last(), true));
        return out;
    }

    /** The epochs in {@code dir}/metrics.jsonl, in order. */
    public static List<EpochMetrics> metrics(Path dir) {
        Path f = dir.resolve("metrics.jsonl");
        List<String> lines;
        try {
            lines = Files.readAllLines(f);
        } catch (IOException e) {
            throw new GradregException(f + ": cannot read: " + e.getMessage());
        }
        List<EpochMetrics> out = new ArrayList<>();
        for (String l : lines) {
            if (!l.isBlank()) {
                out.add(epoch(Json.parse(l, f)));
            }
        }
        return out;
    }

    /** The summary in {@code dir}/summary.json. */
    public static Summary readSummary(Path dir) {
        Path f = dir.resolve("summary.json");
        if (!Files.isRegularFile(f)) {
            throw new GradregException(dir + ": no summary.json (the run has not finished)");
        }
        JsonNode n = Json.read(f);
        return new Summary(number(n, "final_test_accuracy", null), number(n, "best_test_accuracy", null),
                (int) number(n, "best_epoch", null), number(n, "final_test_loss", null), number(n, "final_train_loss", null),
                number(n, "final_R_IG", null), (int) number(n, "epochs", null), (long) number(n, "steps", null),
                n.has("last") ? epoch(n.get("last")) : null);
    }

    /** An epoch's metrics from one JSON object, in either naming. */
    static EpochMetrics epoch(JsonNode n) {
        double[] v = new double[FIELDS.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = number(n, FIELDS.get(i).name(), FIELDS.get(i).oldName());
        }
        return new EpochMetrics((int) v[0], (long) v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14],
                v[15], v[16], v[17], v[18]);
    }

    private static Map<String, Object> fields(EpochMetrics m, boolean withoutTiming) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Field f : FIELDS) {
            if (withoutTiming && TIMING.contains(f.name())) {
                continue;
            }
            double v = f.value().applyAsDouble(m);
            out.put(f.name(), f.name().equals("epoch") ? (Object) m.epoch() : f.name().equals("step") ? (Object) m.step() : (Object) v);
        }
        return out;
    }

    /** The number under {@code name} (or {@code oldName}); NaN when absent or null. */
    private static double number(JsonNode n, String name, String oldName) {
        JsonNode v = n.get(name);
        if ((v == null || v.isNull()) && oldName != null) {
            v = n.get(oldName);
        }
        return v == null || v.isNull() ? Double.NaN : v.asDouble();
    }
}
