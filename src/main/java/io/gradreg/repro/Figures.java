package io.gradreg.repro;

import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.GradregException;
import io.gradreg.io.Heatmap;
import io.gradreg.io.Json;
import io.gradreg.io.LinePlot;
import io.gradreg.stats.Stats;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;

/**
 * The reproductions' figures drawn from the data files they save (json, csv), not from live runs,
 * so {@code gradreg reproduce NAME --replot} redraws the committed PNGs without training again.
 * Experiments whose figures need per-epoch curves (small-mnist, flooding) or fitted functions
 * (smoothness fits, igr-two-param paths) keep drawing those from their runs.
 */
public final class Figures {
    private Figures() {}

    /** The experiments with figures drawn here, by name. */
    public static boolean canReplot(String name) {
        return List.of("igr-mnist-sgd", "igr-two-param").contains(name);
    }

    /** Redraws experiment {@code name}'s figures from its data files in {@code dir}. */
    public static void replot(String name, Path dir) {
        switch (name) {
            case "igr-mnist-sgd" -> igrMnist(dir);
            case "igr-two-param" -> igrTwoParamErrors(dir);
            default -> throw new GradregException("reproduce " + name + " --replot: its figures need the runs (per-epoch curves); "
                    + "rerun it, or replot one of igr-mnist-sgd, igr-two-param");
        }
    }

    /** From igr-mnist.json: R_IG and accuracy against h (mean ± std over seeds, and every run), and R_IG against accuracy per run. */
    static void igrMnist(Path dir) {
        JsonNode j = Json.read(dir.resolve("igr-mnist.json"));
        Map<Double, List<JsonNode>> byLr = new TreeMap<>();
        j.path("runs").forEach(r -> byLr.computeIfAbsent(r.path("lr").asDouble(), k -> new ArrayList<>()).add(r));
        double[] lrs = byLr.keySet().stream().mapToDouble(Double::doubleValue).toArray();
        String sigma = j.path("noise_sigma").isMissingNode() ? String.valueOf(IgrMnist.NOISE_SIGMA) : j.path("noise_sigma").asText();
        LinePlot rig = LinePlot.titled("R_IG at the epoch of best test accuracy (mean ± std over seeds; dots: runs)").xLabel("learning rate h")
                .yLabel("R_IG = |grad L|² / m").logX().logY();
        perLr(rig, "R_IG", byLr, lrs, "R_IG_at_best");
        rig.write(dir.resolve("rig.png"));
        LinePlot acc = LinePlot.titled("Test accuracy (mean ± std over seeds; dots: runs)").xLabel("learning rate h")
                .yLabel("test accuracy (fraction correct)").logX();
        perLr(acc, "best test accuracy", byLr, lrs, "best_test_accuracy");
        perLr(acc, "final weights + noise σ = " + sigma, byLr, lrs, "noisy_accuracy");
        acc.write(dir.resolve("accuracy.png"));
        LinePlot sc = LinePlot.titled("Per run: R_IG against best test accuracy").xLabel("R_IG at the best epoch (log)")
                .yLabel("best test accuracy (fraction correct)").logX();
        byLr.forEach((lr, runs) -> sc.scatter("h = " + lr, field(runs, "R_IG_at_best"), field(runs, "best_test_accuracy")));
        sc.write(dir.resolve("rig-vs-accuracy.png"));
    }

    private static void perLr(LinePlot p, String name, Map<Double, List<JsonNode>> byLr, double[] lrs, String field) {
        double[] m = new double[lrs.length], s = new double[lrs.length];
        List<Double> px = new ArrayList<>(), py = new ArrayList<>();
        int i = 0;
        for (List<JsonNode> runs : byLr.values()) {
            double[] v = field(runs, field);
            Stats.MeanStd ms = Stats.meanStd(v);
            m[i] = ms.mean();
            s[i] = ms.std();
            for (double x : v) {
                px.add(lrs[i]);
                py.add(x);
            }
            i++;
        }
        p.series(name, lrs, m, s);
        p.runs(px.stream().mapToDouble(Double::doubleValue).toArray(), py.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** From igr-two-param.json: GD's distance to the plain and the modified flow against h (log-log). */
    static void igrTwoParamErrors(Path dir) {
        JsonNode j = Json.read(dir.resolve("igr-two-param.json"));
        JsonNode rows = j.path("rows");
        double[] h = new double[rows.size()], plain = new double[rows.size()], modified = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            h[i] = rows.get(i).path("h").asDouble();
            plain[i] = rows.get(i).path("error_to_plain_flow").asDouble();
            modified[i] = rows.get(i).path("error_to_modified_flow").asDouble();
        }
        LinePlot.titled("GD's distance to the flows at time T").xLabel("step size h").yLabel("distance in (a, b)").logX().logY()
                .series("plain flow of E (slope " + String.format("%.2f", j.path("slope_plain").asDouble()) + ")", h, plain)
                .series("modified flow of E + (h/4)|grad E|² (slope " + String.format("%.2f", j.path("slope_modified").asDouble()) + ")", h, modified)
                .write(dir.resolve("errors.png"));
    }

    private static double[] field(List<JsonNode> runs, String f) {
        return runs.stream().mapToDouble(r -> r.path(f).asDouble(Double.NaN)).toArray();
    }

    private static double[] doubles(JsonNode a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asDouble(Double.NaN);
        }
        return v;
    }

    private static double[] fill(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static List<CSVRecord> csv(Path file) {
        try (Reader r = Files.newBufferedReader(file)) {
            return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(r).getRecords();
        } catch (IOException | RuntimeException e) {
            throw new GradregException(file + ": cannot read the saved table (" + e.getMessage() + ")", e);
        }
    }
}
