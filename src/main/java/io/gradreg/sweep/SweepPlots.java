package io.gradreg.sweep;

import io.gradreg.io.Heatmap;
import io.gradreg.io.LinePlot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A sweep's summary figure, from its groups (mean ± std over seeds): a heatmap of final test accuracy
 * when the grid varies two keys, accuracy against the key with ±std error bars when it varies one
 * numeric key. Other shapes get no figure: the summary table says it all.
 */
public final class SweepPlots {
    private SweepPlots() {}

    /** Writes the figure into {@code dir}; returns its file name, or null when the grid has no plottable shape. */
    public static String write(Path dir, List<SweepTable.Group> groups) {
        Map<String, Set<String>> varying = new LinkedHashMap<>();
        for (SweepTable.Group g : groups) {
            g.labels().forEach((k, v) -> varying.computeIfAbsent(k, x -> new LinkedHashSet<>()).add(v));
        }
        varying.values().removeIf(values -> values.size() < 2);
        List<String> keys = new ArrayList<>(varying.keySet());
        if (keys.size() == 2) {
            List<String> xs = new ArrayList<>(varying.get(keys.get(0))), ys = new ArrayList<>(varying.get(keys.get(1)));
            double[][] z = new double[ys.size()][xs.size()];
            for (double[] row : z) {
                java.util.Arrays.fill(row, Double.NaN);
            }
            for (SweepTable.Group g : groups) {
                z[ys.indexOf(g.labels().get(keys.get(1)))][xs.indexOf(g.labels().get(keys.get(0)))] =
                        100 * g.meanStd().get("final_test_accuracy")[0];
            }
            Heatmap.titled("Final test accuracy (%), mean over seeds").xLabel(keys.get(0)).yLabel(keys.get(1)).format("0.00")
                    .grid(xs, ys, z).write(dir.resolve("accuracy-heatmap.png"));
            return "accuracy-heatmap.png";
        }
        if (keys.size() == 1 && varying.get(keys.get(0)).stream().allMatch(SweepPlots::numeric)) {
            String key = keys.get(0);
            int n = groups.size();
            double[] x = new double[n], m = new double[n], s = new double[n];
            for (int i = 0; i < n; i++) {
                SweepTable.Group g = groups.get(i);
                x[i] = Double.parseDouble(g.labels().get(key));
                m[i] = g.meanStd().get("final_test_accuracy")[0];
                s[i] = g.meanStd().get("final_test_accuracy")[1];
            }
            double lo = java.util.Arrays.stream(x).min().orElse(0), hi = java.util.Arrays.stream(x).max().orElse(0);
            LinePlot p = LinePlot.titled("Final test accuracy against " + key + " (mean ± std over seeds)").xLabel(key)
                    .yLabel("final test accuracy (fraction correct)").errorBars("final test accuracy", x, m, s);
            if (lo > 0 && hi / lo >= 10) {
                p.logX(); // a grid over decades (learning rates, γ) reads on a log axis
            }
            p.write(dir.resolve("accuracy.png"));
            return "accuracy.png";
        }
        return null;
    }

    private static boolean numeric(String v) {
        try {
            return Double.isFinite(Double.parseDouble(v));
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
