package io.gradreg.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.io.AtomicFiles;
import io.gradreg.io.Json;
import io.gradreg.stats.Stats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The results of a sweep: one CSV row per finished run (runs.csv), and per group of runs that
 * differ only in their seed, the mean ± sample standard deviation (summary.csv, summary.md).
 */
public final class SweepTable {
    /** The summary.json numbers reported per run. */
    public static final List<String> METRICS = List.of("final_test_accuracy", "best_test_accuracy", "final_train_loss", "final_R_IG");

    /** One finished run: its labels and metric values. */
    public record Row(Map<String, String> labels, Map<String, Double> values) {}

    /** One group: the labels it shares, how many seeds, and mean and std per metric. */
    public record Group(Map<String, String> labels, int n, Map<String, double[]> meanStd) {}

    private SweepTable() {}

    /** Rows of the runs whose directories hold summary.json, in spec order. */
    public static List<Row> rows(SweepSpec spec) {
        List<Row> rows = new ArrayList<>();
        for (SweepSpec.Run r : spec.runs()) {
            Path summary = spec.out().resolve(r.id()).resolve("summary.json");
            if (!Files.isRegularFile(summary)) {
                continue;
            }
            JsonNode s = Json.read(summary);
            Map<String, Double> v = new LinkedHashMap<>();
            for (String m : METRICS) {
                JsonNode n = s.get(m);
                v.put(m, n == null || n.isNull() ? Double.NaN : n.asDouble());
            }
            rows.add(new Row(r.labels(), v));
        }
        return rows;
    }

    /** Groups rows by every label except {@code seed}. */
    public static List<Group> groups(List<Row> rows) {
        Map<Map<String, String>, List<Row>> by = new LinkedHashMap<>();
        for (Row r : rows) {
            Map<String, String> key = new LinkedHashMap<>(r.labels());
            key.remove("seed");
            by.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }
        List<Group> out = new ArrayList<>();
        by.forEach((labels, rs) -> {
            Map<String, double[]> ms = new LinkedHashMap<>();
            for (String m : METRICS) {
                ms.put(m, meanStd(rs.stream().mapToDouble(r -> r.values().get(m)).toArray()));
            }
            out.add(new Group(labels, rs.size(), ms));
        });
        return out;
    }

    /** Mean and sample standard deviation (0 for a single value), as {mean, std}: {@link Stats#meanStd}. */
    public static double[] meanStd(double[] v) {
        Stats.MeanStd ms = Stats.meanStd(v);
        return new double[] {ms.mean(), ms.std()};
    }

    /**
     * As {@link #write(Path, List)} into the sweep's directory, with a line under the table that counts
     * and names the runs it leaves out: diverged (stopped on a non-finite loss), failed, or not finished.
     */
    public static String write(SweepSpec spec, List<Row> rows) {
        Map<Sweep.State, List<String>> missing = new LinkedHashMap<>();
        for (SweepSpec.Run r : spec.runs()) {
            Sweep.State st = Sweep.state(spec.out().resolve(r.id()));
            if (st != Sweep.State.FINISHED) {
                missing.computeIfAbsent(st, k -> new ArrayList<>()).add(r.id());
            }
        }
        StringBuilder note = new StringBuilder();
        missing.forEach((st, ids) -> note.append(note.length() == 0 ? "\nNot in the table: " : "; ").append(ids.size()).append(' ')
                .append(switch (st) {
                    case DIVERGED -> "diverged (stopped on a non-finite loss)";
                    case FAILED -> "failed";
                    case UNFINISHED -> "not finished";
                    default -> "not started";
                }).append(": ").append(String.join(", ", ids)));
        return write(spec.out(), rows, note.length() == 0 ? "" : note.append(".\n").toString());
    }

    /** Writes runs.csv, summary.csv and summary.md into {@code dir}; returns the markdown. */
    public static String write(Path dir, List<Row> rows) {
        return write(dir, rows, "");
    }

    private static String write(Path dir, List<Row> rows, String footer) {
        Set<String> keys = new LinkedHashSet<>();
        rows.forEach(r -> keys.addAll(r.labels().keySet()));
        StringBuilder runs = new StringBuilder(String.join(",", keys) + "," + String.join(",", METRICS) + "\n");
        for (Row r : rows) {
            List<String> cells = new ArrayList<>();
            keys.forEach(k -> cells.add(r.labels().getOrDefault(k, "")));
            METRICS.forEach(m -> cells.add(Double.toString(r.values().get(m))));
            runs.append(String.join(",", cells)).append('\n');
        }
        List<Group> groups = groups(rows);
        Set<String> groupKeys = new LinkedHashSet<>(keys);
        groupKeys.remove("seed");
        StringBuilder csv = new StringBuilder(String.join(",", groupKeys) + ",n");
        METRICS.forEach(m -> csv.append(',').append(m).append("_mean,").append(m).append("_std"));
        csv.append('\n');
        StringBuilder md = new StringBuilder("| " + String.join(" | ", groupKeys) + (groupKeys.isEmpty() ? "" : " | ")
                + "n | final test acc | best test acc | final train loss | R_IG |\n");
        md.append("|").append("---|".repeat(groupKeys.size() + 5)).append('\n');
        for (Group g : groups) {
            List<String> cells = new ArrayList<>();
            groupKeys.forEach(k -> cells.add(g.labels().getOrDefault(k, "")));
            csv.append(String.join(",", cells)).append(cells.isEmpty() ? "" : ",").append(g.n());
            md.append("| ").append(String.join(" | ", cells)).append(cells.isEmpty() ? "" : " | ").append(g.n());
            for (String m : METRICS) {
                double[] ms = g.meanStd().get(m);
                csv.append(',').append(ms[0]).append(',').append(ms[1]);
                md.append(" | ").append(m.equals("final_R_IG") ? String.format("%.3e ± %.1e", ms[0], ms[1])
                        : String.format("%.4f ± %.4f", ms[0], ms[1]));
            }
            csv.append('\n');
            md.append(" |\n");
        }
        AtomicFiles.writeString(dir.resolve("runs.csv"), runs.toString());
        AtomicFiles.writeString(dir.resolve("summary.csv"), csv.toString());
        md.append(footer);
        AtomicFiles.writeString(dir.resolve("summary.md"), md.toString());
        return md.toString();
    }
}
