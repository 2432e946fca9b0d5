package io.gradreg.io;

import io.gradreg.GradregException;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.style.HeatMapStyler;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * A PNG heatmap of a two-parameter grid (e.g. γ × ε), each cell coloured and labelled with its
 * value, drawn by XChart. Missing cells (NaN) stay blank.
 *
 * <pre>{@code
 * Heatmap.titled("Final test accuracy (%), mean over 3 seeds").xLabel("γ").yLabel("ε")
 *         .grid(gammas, epsilons, accuracy)   // accuracy[iy][ix]
 *         .write(Path.of("heatmap.png"));
 * }</pre>
 */
public final class Heatmap {
    /** ColorBrewer YlGnBu, light half: sequential, colour-blind safe, and dark text stays readable on every cell. */
    private static final Color[] RAMP = {
        new Color(0xFFFFD9), new Color(0xEDF8B1), new Color(0xC7E9B4), new Color(0x7FCDBB), new Color(0x41B6C4),
    };

    private final String title;
    private String xLabel = "", yLabel = "", pattern = "0.###";
    private int width = 760, height = 560;
    private List<String> xs, ys;
    private double[][] z;

    private Heatmap(String title) {
        this.title = title == null ? "" : title;
    }

    /** Starts a heatmap with the given title; say there what the values are and their unit. */
    public static Heatmap titled(String title) {
        return new Heatmap(title);
    }

    /** Label under the x axis. */
    public Heatmap xLabel(String label) {
        xLabel = label == null ? "" : label;
        return this;
    }

    /** Label beside the y axis. */
    public Heatmap yLabel(String label) {
        yLabel = label == null ? "" : label;
        return this;
    }

    /** How cell values are printed (a {@link java.text.DecimalFormat} pattern; default 0.###). */
    public Heatmap format(String decimalPattern) {
        pattern = decimalPattern;
        return this;
    }

    /** Image size in pixels (default 760×560). */
    public Heatmap size(int width, int height) {
        Charts.checkSize(width, height);
        this.width = width;
        this.height = height;
        return this;
    }

    /** The grid: {@code values[iy][ix]} at column {@code x[ix]} and row {@code y[iy]}. */
    public Heatmap grid(double[] x, double[] y, double[][] values) {
        List<String> cx = new ArrayList<>(), cy = new ArrayList<>();
        for (double v : x) {
            cx.add(Charts.logTick(v));
        }
        for (double v : y) {
            cy.add(Charts.logTick(v));
        }
        return grid(cx, cy, values);
    }

    /** The grid with named columns and rows (e.g. sweep values as written in the spec). */
    public Heatmap grid(List<String> x, List<String> y, double[][] values) {
        if (values.length != y.size()) {
            throw new GradregException("heatmap '" + title + "': " + values.length + " rows of values but " + y.size() + " y labels");
        }
        for (double[] row : values) {
            if (row.length != x.size()) {
                throw new GradregException("heatmap '" + title + "': a row has " + row.length + " values but there are " + x.size() + " x labels");
            }
        }
        xs = List.copyOf(x);
        ys = List.copyOf(y);
        z = new double[values.length][];
        for (int i = 0; i < values.length; i++) {
            z[i] = values[i].clone();
        }
        return this;
    }

    /** Atomically writes the heatmap as PNG. */
    public void write(Path png) {
        Charts.write(chart(), png);
    }

    /** Renders the heatmap into a new image. */
    public BufferedImage render() {
        return Charts.render(chart());
    }

    private static double outward(java.text.DecimalFormat f, double v, int direction) {
        double r = Double.parseDouble(f.format(v));
        if (Double.compare(r, v) * direction >= 0) {
            return r;
        }
        double step = Math.pow(10, -f.getMaximumFractionDigits());
        return Double.parseDouble(f.format(r + direction * step));
    }

    HeatMapChart chart() {
        if (z == null) {
            throw new GradregException("heatmap '" + title + "' has no grid");
        }
        HeatMapChart c = new HeatMapChartBuilder().width(width).height(height).build(); // the builder initialises every style
        c.setTitle(title);
        c.setXAxisTitle(xLabel);
        c.setYAxisTitle(yLabel);
        HeatMapStyler s = c.getStyler();
        Charts.style(s, false, false);
        s.setPlotGridLinesVisible(false);
        s.setRangeColors(RAMP);
        s.setShowValue(true);
        s.setValueFont(Charts.TICK);
        s.setValueFontColor(Charts.INK);
        s.setHeatMapValueDecimalPattern(pattern);
        java.text.DecimalFormat f = new java.text.DecimalFormat(pattern, java.text.DecimalFormatSymbols.getInstance(java.util.Locale.ROOT));
        s.setHeatMapDecimalValueFormatter(f::format); // cells and the colour scale's end labels
        s.setLegendPosition(LegendPosition.OutsideE);
        List<Number[]> cells = new ArrayList<>();
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int iy = 0; iy < z.length; iy++) {
            for (int ix = 0; ix < z[iy].length; ix++) {
                if (Double.isFinite(z[iy][ix])) {
                    cells.add(new Number[] {ix, iy, z[iy][ix]});
                    lo = Math.min(lo, z[iy][ix]);
                    hi = Math.max(hi, z[iy][ix]);
                }
            }
        }
        if (cells.isEmpty()) {
            c.setTitle(title + " (no data)");
        }
        var series = c.addSeries(" ", xs, ys, cells);
        if (lo <= hi) {
            // The scale's ends as printed (XChart prints them raw): rounded outward to the cell format.
            double a = outward(f, lo, -1), b = outward(f, lo == hi ? lo + 1 : hi, 1);
            series.setMin(a).setMax(b);
            s.setMin(a);
            s.setMax(b);
        }
        return c;
    }
}
