package io.gradreg.repro;

import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.GradregException;
import io.gradreg.io.Heatmap;
import io.gradreg.io.Json;
import io.gradreg.io.LinePlot;
import io.gradreg.sweep.SweepTable;
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
        return List.of("gr-compute", "igr-mnist", "smoothness", "dln", "igr-two-param").contains(name);
    }

    /** Redraws experiment {@code name}'s figures from its data files in {@code dir}. */
    public static void replot(String name, Path dir) {
        switch (name) {
            case "gr-compute" -> grCompute(dir);
            case "igr-mnist" -> igrMnist(dir);
            case "smoothness" -> smoothnessMse(dir);
            case "dln" -> dln(dir);
            case "igr-two-param" -> igrTwoParamErrors(dir);
            default -> throw new GradregException("reproduce " + name + " --replot: its figures need the runs (per-epoch curves); "
                    + "rerun it, or replot one of gr-compute, igr-mnist, smoothness, dln, igr-two-param");
        }
    }

    /** From gr-compute.csv and cost.json: accuracy against γ per ε (bands over seeds), γ × ε heatmaps, cost per step. */
    static void grCompute(Path dir) {
        List<CSVRecord> rows = csv(dir.resolve("gr-compute.csv"));
        TreeSet<Double> gammas = new TreeSet<>(), epsilons = new TreeSet<>();
        Map<String, double[]> cell = new LinkedHashMap<>(); // "order|gamma|eps" -> {mean, std}
        for (CSVRecord r : rows) {
            String g = r.get("gamma"), e = r.get("eps");
            if (!g.isEmpty()) {
                gammas.add(Double.parseDouble(g));
            }
            if (!e.isEmpty()) {
                epsilons.add(Double.parseDouble(e));
            }
            cell.put(r.get("second_order") + "|" + g + "|" + e,
                    new double[] {Double.parseDouble(r.get("mean_test_accuracy")), Double.parseDouble(r.get("std_test_accuracy"))});
        }
        double[] gs = gammas.stream().mapToDouble(Double::doubleValue).toArray();
        double[] plain = cell.get("plain||");
        for (double e : epsilons) {
            LinePlot q = LinePlot.titled("Test accuracy against γ, ε = " + e + " (mean ± std over seeds)").xLabel("GR strength γ")
                    .yLabel("final test accuracy (fraction correct)").logX();
            for (String o : GrCompute.ORDERS) {
                double[] m = new double[gs.length], s = new double[gs.length];
                for (int i = 0; i < gs.length; i++) {
                    double[] v = cell.getOrDefault(o + "|" + gs[i] + "|" + (o.equals("exact") ? "" : String.valueOf(e)), new double[] {Double.NaN, Double.NaN});
                    m[i] = v[0];
                    s[i] = v[1];
                }
                q.series(o, gs, m, s);
            }
            if (plain != null) {
                q.series("plain SGD", gs, fill(gs.length, plain[0]), fill(gs.length, plain[1]));
            }
            q.write(dir.resolve("accuracy-eps" + e + ".png"));
        }
        double[] es = epsilons.stream().mapToDouble(Double::doubleValue).toArray();
        for (String o : GrCompute.ORDERS) {
            if (o.equals("exact") || es.length == 0) {
                continue; // exact has no ε
            }
            double[][] z = new double[es.length][gs.length];
            for (int j = 0; j < es.length; j++) {
                for (int i = 0; i < gs.length; i++) {
                    double[] v = cell.get(o + "|" + gs[i] + "|" + es[j]);
                    z[j][i] = v == null ? Double.NaN : 100 * v[0];
                }
            }
            Heatmap.titled(o + " GR: final test accuracy (%), mean over seeds").xLabel("GR strength γ").yLabel("finite-difference step ε")
                    .format("0.00").grid(gs, es, z).write(dir.resolve("heatmap-" + o + ".png"));
        }
        JsonNode bench = Json.read(dir.resolve("cost.json")).path("in_process_ms_per_step");
        LinePlot cost = LinePlot.titled("Cost per step relative to plain (in-process timing)")
                .xLabel("second-order term (0 plain, 1 exact, 2 forward, 3 backward, 4 central)").yLabel("ms per step / plain ms per step");
        List<String> methods = List.of("plain", "exact", "forward", "backward", "central");
        bench.fields().forEachRemaining(m -> {
            double[] y = new double[methods.size()];
            for (int i = 0; i < y.length; i++) {
                y[i] = m.getValue().path(methods.get(i)).asDouble(Double.NaN) / m.getValue().path("plain").asDouble(Double.NaN);
            }
            cost.series(m.getKey(), new double[] {0, 1, 2, 3, 4}, y);
        });
        cost.write(dir.resolve("cost.png"));
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
            double[] ms = SweepTable.meanStd(v);
            m[i] = ms[0];
            s[i] = ms[1];
            for (double x : v) {
                px.add(lrs[i]);
                py.add(x);
            }
            i++;
        }
        p.series(name, lrs, m, s);
        p.runs(px.stream().mapToDouble(Double::doubleValue).toArray(), py.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** From smoothness.json: MSE to the truth against λ, mean ± std over seeds. */
    static void smoothnessMse(Path dir) {
        JsonNode j = Json.read(dir.resolve("smoothness.json"));
        double[] lambdas = doubles(j.path("lambdas")), mean = doubles(j.path("mse_mean")), std = doubles(j.path("mse_std"));
        LinePlot.titled("MSE to the true function, mean ± std over seeds (λ = 0: " + String.format("%.2e", mean[0]) + ")")
                .xLabel("SpectReg λ").yLabel("MSE to sin(3x) + x²/2").logX().logY()
                .series("ours", lambdas, mean, std).write(dir.resolve("mse.png")); // λ = 0 is off the log axis: in the title
    }

    /** From dln.json: recovery error against the initial scale α, mean ± std over seeds per method. */
    static void dln(Path dir) {
        JsonNode j = Json.read(dir.resolve("dln.json"));
        double[] alphas = doubles(j.path("setup").path("alphas"));
        Map<String, Map<Double, List<Double>>> by = new LinkedHashMap<>();
        j.path("runs").forEach(r -> by.computeIfAbsent(r.path("method").asText(), k -> new LinkedHashMap<>())
                .computeIfAbsent(r.path("alpha").asDouble(), k -> new ArrayList<>()).add(r.path("recovery_error").asDouble()));
        LinePlot p = LinePlot.titled("Diagonal linear network: recovery error (mean ± std over seeds)").xLabel("initial scale α")
                .yLabel("|β − β*| (Euclidean)").logX().logY();
        by.forEach((method, perAlpha) -> {
            double[] m = new double[alphas.length], s = new double[alphas.length];
            for (int i = 0; i < alphas.length; i++) {
                List<Double> v = perAlpha.getOrDefault(alphas[i], List.of());
                double[] ms = v.isEmpty() ? new double[] {Double.NaN, Double.NaN} : SweepTable.meanStd(v.stream().mapToDouble(Double::doubleValue).toArray());
                m[i] = ms[0];
                s[i] = ms[1];
            }
            p.series(method, alphas, m, s);
        });
        p.write(dir.resolve("recovery.png"));
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
