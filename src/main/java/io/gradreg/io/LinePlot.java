package io.gradreg.io;

import io.gradreg.GradregException;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of curves and points, drawn by XChart in headless mode: training curves, sweep results,
 * the reproductions' figures. This class only configures XChart (house style, gaps, bands, legend
 * placement); XChart draws.
 *
 * <pre>{@code
 * LinePlot.titled("Test accuracy (mean ± std over 5 seeds)").xLabel("epoch").yLabel("accuracy (fraction)")
 *         .series("plain", epochs, meanPlain, stdPlain)   // line with a ±std band
 *         .series("GR", epochs, meanGr, stdGr)
 *         .write(Path.of("accuracy.png"));
 * }</pre>
 *
 * Non-finite points (and non-positive ones on a log axis) are skipped, leaving a gap in the line.
 * Series get colours from the colour-blind-safe Okabe-Ito palette, and markers when they have at
 * most {@value #MARKER_LIMIT} points. The legend goes in an empty corner of the plot, or outside
 * to the right when every corner holds data. Same data, same PNG bytes.
 */
public final class LinePlot {
    /** Series with at most this many points are drawn with markers. */
    public static final int MARKER_LIMIT = 30;

    private enum Kind { LINE, SCATTER, ERROR_BARS }

    /**
     * One series; {@code spread} is a ±std band (LINE) or error bar half-width (ERROR_BARS), or null;
     * {@code colour} indexes the palette.
     */
    private record Series(String name, Kind kind, double[] x, double[] y, double[] spread, int colour) {}

    private final String title;
    private String xLabel = "", yLabel = "";
    private boolean logX, logY;
    private int width = 900, height = 560;
    private final List<Series> series = new ArrayList<>();

    private LinePlot(String title) {
        this.title = title == null ? "" : title;
    }

    /** Starts a plot with the given title (may be empty). */
    public static LinePlot titled(String title) {
        return new LinePlot(title);
    }

    /** Label under the x axis; name the unit, e.g. "step size h" or "time (ms)". */
    public LinePlot xLabel(String label) {
        xLabel = label == null ? "" : label;
        return this;
    }

    /** Label beside the y axis. */
    public LinePlot yLabel(String label) {
        yLabel = label == null ? "" : label;
        return this;
    }

    /** Logarithmic x axis (base 10); points with x ≤ 0 are skipped. */
    public LinePlot logX() {
        logX = true;
        return this;
    }

    /** Logarithmic y axis (base 10); points with y ≤ 0 are skipped, bands are cut at the axis floor. */
    public LinePlot logY() {
        logY = true;
        return this;
    }

    /** Image size in pixels (default 900×560). */
    public LinePlot size(int width, int height) {
        Charts.checkSize(width, height);
        this.width = width;
        this.height = height;
        return this;
    }

    /** Adds a line; x and y must have the same length. The arrays are copied. */
    public LinePlot series(String name, double[] x, double[] y) {
        return add(name, Kind.LINE, x, y, null);
    }

    /**
     * Adds a line of means with a shaded ±{@code std} band (e.g. over seeds); state what the band
     * is in the title or axis label. A NaN std draws that point without band.
     */
    public LinePlot series(String name, double[] x, double[] mean, double[] std) {
        return add(name, Kind.LINE, x, mean, requireSpread(name, mean, std));
    }

    /** Adds points with symmetric error bars (e.g. ±std over seeds at a few settings); no line. */
    public LinePlot errorBars(String name, double[] x, double[] y, double[] err) {
        return add(name, Kind.ERROR_BARS, x, y, requireSpread(name, y, err));
    }

    /** Adds points without a line, e.g. one point per run. */
    public LinePlot scatter(String name, double[] x, double[] y) {
        return add(name, Kind.SCATTER, x, y, null);
    }

    /**
     * Adds the individual runs behind the previous series (e.g. one point per seed under a mean ±
     * std line): small points in its colour, without a legend entry.
     */
    public LinePlot runs(double[] x, double[] y) {
        if (series.isEmpty()) {
            throw new GradregException("plot '" + title + "': runs() needs a series before it");
        }
        int colour = series.get(series.size() - 1).colour;
        add("", Kind.SCATTER, x, y, null);
        Series last = series.remove(series.size() - 1);
        series.add(new Series(last.name, Kind.SCATTER, last.x, last.y, null, colour));
        return this;
    }

    /**
     * Pointwise mean and sample std of per-run curves (e.g. one per seed), for {@link #series(String,
     * double[], double[], double[])}: {mean, std}, each of {@code length}. The mean is the sum of
     * v/n over the runs in order (a shorter run adds nothing past its end); std is NaN below 2 runs.
     */
    public static double[][] meanStd(List<double[]> runs, int length) {
        int n = runs.size();
        double[] mean = new double[length], std = new double[length];
        for (double[] v : runs) {
            for (int i = 0; i < length && i < v.length; i++) {
                mean[i] += v[i] / n;
            }
        }
        for (int i = 0; i < length; i++) {
            double ss = 0;
            int k = 0;
            for (double[] v : runs) {
                if (i < v.length) {
                    ss += (v[i] - mean[i]) * (v[i] - mean[i]);
                    k++;
                }
            }
            std[i] = k < 2 ? Double.NaN : Math.sqrt(ss / (k - 1));
        }
        return new double[][] {mean, std};
    }

    /** The colour of the series at {@code index} (the palette repeats after 8, with dashes). */
    public static Color seriesColour(int index) {
        return Charts.PALETTE[Math.floorMod(index, Charts.PALETTE.length)];
    }

    /** Atomically writes the chart as PNG. */
    public void write(Path png) {
        Charts.write(chart(), png);
    }

    /** Renders the chart into a new image. */
    public BufferedImage render() {
        return Charts.render(chart());
    }

    private LinePlot add(String name, Kind kind, double[] x, double[] y, double[] spread) {
        String n = name == null ? "" : name;
        if (x == null || y == null || x.length != y.length) {
            throw new GradregException("plot '" + title + "': series '" + n + "' has "
                    + (x == null ? "no" : x.length) + " x values but " + (y == null ? "no" : y.length) + " y values");
        }
        series.add(new Series(n, kind, x.clone(), y.clone(), spread, nextColour()));
        return this;
    }

    /** Palette index of the next named series; runs() points borrow their series' colour. */
    private int nextColour() {
        return (int) series.stream().filter(x -> !x.name.isEmpty() || x.kind != Kind.SCATTER).count();
    }

    private double[] requireSpread(String name, double[] y, double[] spread) {
        if (spread == null || y == null || spread.length != y.length) {
            throw new GradregException("plot '" + title + "': series '" + name + "' has "
                    + (y == null ? "no" : y.length) + " values but " + (spread == null ? "no" : spread.length) + " std values");
        }
        return spread.clone();
    }

    private boolean validX(double x) {
        return Double.isFinite(x) && (!logX || x > 0);
    }

    private boolean validY(double y) {
        return Double.isFinite(y) && (!logY || y > 0);
    }

    /** The XChart chart for the current series. */
    XYChart chart() {
        XYChart c = new XYChartBuilder().width(width).height(height).build();
        c.setTitle(title);
        c.setXAxisTitle(xLabel);
        c.setYAxisTitle(yLabel);
        XYStyler s = c.getStyler();
        boolean any = series.stream().anyMatch(this::hasPoint);
        // XChart rejects log axes without positive data; an empty chart gets linear ones.
        s.setXAxisLogarithmic(logX && any);
        s.setYAxisLogarithmic(logY && any);
        Charts.style(s, logX && any, logY && any);
        s.setMarkerSize(7);
        s.setXAxisMaxLabelCount(Math.max(4, width / 75)); // XChart would label every integer x (every epoch)
        s.setErrorBarsColorSeriesColor(true);
        if (!any) {
            c.setTitle(title.isEmpty() ? "no data" : title + " (no data)");
            s.setLegendVisible(false);
            c.addSeries(" ", new double[] {0, 1}, new double[] {Double.NaN, Double.NaN}).setShowInLegend(false);
            return c;
        }
        double floor = floorY();
        List<double[]> placed = new ArrayList<>(); // data-space points, to keep the legend off them
        for (int i = 0; i < series.size(); i++) { // bands first, so the lines lie on top
            Series ser = series.get(i);
            if (ser.spread != null && (ser.kind == Kind.LINE || logY)) {
                addBands(c, i, ser, floor, placed);
            }
        }
        for (int i = 0; i < series.size(); i++) {
            addSeries(c, i, series.get(i), placed);
        }
        placeLegend(s, placed);
        // Under two decades, label the 2…9 ticks too, or the axis would show one label or none.
        s.setXAxisLogarithmicDecadeOnly(decades(placed, 0, logX) >= 2);
        s.setYAxisLogarithmicDecadeOnly(decades(placed, 1, logY) >= 2);
        return c;
    }

    private boolean hasPoint(Series s) {
        for (int i = 0; i < s.x.length; i++) {
            if (validX(s.x[i]) && validY(s.y[i])) {
                return true;
            }
        }
        return false;
    }

    /** The lowest value drawn, so bands on a log axis stop at the axis instead of at zero. */
    private double floorY() {
        double lo = Double.POSITIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                if (validX(s.x[i]) && validY(s.y[i])) {
                    lo = Math.min(lo, s.y[i]);
                }
            }
        }
        return lo;
    }

    private void addSeries(XYChart c, int index, Series ser, List<double[]> placed) {
        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>(), es = new ArrayList<>();
        int points = 0;
        for (int i = 0; i < ser.x.length; i++) {
            if (!validX(ser.x[i])) {
                continue;
            }
            boolean ok = validY(ser.y[i]);
            xs.add(ser.x[i]);
            ys.add(ok ? ser.y[i] : Double.NaN); // NaN: XChart leaves a gap
            if (ser.kind == Kind.ERROR_BARS) {
                double e = ser.spread[i];
                es.add(ok && Double.isFinite(e) && !logY ? Math.abs(e) : 0.0);
            }
            if (ok) {
                points++;
                placed.add(new double[] {ser.x[i], ser.y[i]});
                int prev = xs.size() - 2;
                if (ser.kind == Kind.LINE && prev >= 0 && !Double.isNaN(ys.get(prev))) { // midpoints keep the legend off long segments
                    placed.add(new double[] {(xs.get(prev) + ser.x[i]) / 2, (ys.get(prev) + ser.y[i]) / 2});
                }
                if (ser.kind == Kind.ERROR_BARS && !logY) {
                    placed.add(new double[] {ser.x[i], ser.y[i] + es.get(es.size() - 1)});
                    placed.add(new double[] {ser.x[i], ser.y[i] - es.get(es.size() - 1)});
                }
            }
        }
        if (xs.isEmpty()) {
            xs.add(Double.NaN);
            ys.add(Double.NaN);
            es.add(0.0);
        }
        String key = uniqueName(c, ser.name.isEmpty() ? " " : ser.name);
        XYSeries x = ser.kind == Kind.ERROR_BARS && !logY ? c.addSeries(key, xs, ys, es) : c.addSeries(key, xs, ys);
        Color colour = seriesColour(ser.colour);
        x.setLineColor(colour);
        x.setMarkerColor(colour);
        x.setShowInLegend(!ser.name.isEmpty());
        if (ser.kind == Kind.LINE) {
            x.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
            x.setLineStyle(stroke(ser.colour));
            x.setMarker(points <= MARKER_LIMIT ? MARKERS[ser.colour % MARKERS.length] : SeriesMarkers.NONE);
        } else {
            x.setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
            x.setMarker(ser.colour < Charts.PALETTE.length ? SeriesMarkers.CIRCLE : SeriesMarkers.DIAMOND);
        }
    }

    /** Marker shapes by series, so lines that coincide still show which are there. */
    private static final org.knowm.xchart.style.markers.Marker[] MARKERS = {SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE,
        SeriesMarkers.DIAMOND, SeriesMarkers.TRIANGLE_UP, SeriesMarkers.TRIANGLE_DOWN, SeriesMarkers.CROSS};

    /**
     * The line of series {@code i}: solid for the first, then dash patterns of different periods, so
     * that curves lying on top of each other (methods that agree) stay visible through each other's gaps.
     */
    static BasicStroke stroke(int i) {
        float[][] dashes = {null, {9f, 5f}, {3f, 4f}, {12f, 4f, 3f, 4f}, {6f, 6f}, {2f, 2f}};
        float[] d = dashes[i % dashes.length];
        return d == null ? new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND)
                : new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, d, 0f);
    }

    /** One translucent polygon (mean + std forward, mean − std back) per gap-free stretch. */
    private void addBands(XYChart c, int index, Series ser, double floor, List<double[]> placed) {
        List<Integer> run = new ArrayList<>();
        int piece = 0;
        for (int i = 0; i <= ser.x.length; i++) {
            boolean ok = i < ser.x.length && validX(ser.x[i]) && validY(ser.y[i]) && Double.isFinite(ser.spread[i]);
            if (ok) {
                run.add(i);
                continue;
            }
            if (!run.isEmpty()) {
                int n = run.size();
                double[] px = new double[2 * n], py = new double[2 * n];
                for (int k = 0; k < n; k++) {
                    int j = run.get(k);
                    double sd = Math.abs(ser.spread[j]);
                    px[k] = ser.x[j];
                    py[k] = ser.y[j] + sd;
                    px[2 * n - 1 - k] = ser.x[j];
                    py[2 * n - 1 - k] = logY ? Math.max(ser.y[j] - sd, floor) : ser.y[j] - sd;
                    placed.add(new double[] {px[k], py[k]});
                    placed.add(new double[] {px[k], py[2 * n - 1 - k]});
                }
                XYSeries b = c.addSeries(uniqueName(c, "\u2063band " + index + "." + piece++), px, py);
                b.setXYSeriesRenderStyle(XYSeriesRenderStyle.PolygonArea);
                Color colour = seriesColour(ser.colour);
                b.setFillColor(new Color(colour.getRed(), colour.getGreen(), colour.getBlue(), 56));
                b.setLineColor(new Color(0, 0, 0, 0));
                b.setMarker(SeriesMarkers.NONE);
                b.setShowInLegend(false);
                run.clear();
            }
        }
    }

    private static String uniqueName(XYChart c, String name) {
        String n = name;
        for (int k = 2; c.getSeries(n) != null; k++) {
            n = name + "\u2063" + k; // invisible separator: XChart needs unique names, readers need the given ones
        }
        return n;
    }

    /**
     * An inside corner whose box (the legend's estimated size) covers no data point, in the order
     * NE, NW, SE, SW; otherwise outside to the right.
     */
    private void placeLegend(XYStyler s, List<double[]> placed) {
        List<String> names = series.stream().map(Series::name).filter(n -> !n.isEmpty()).toList();
        if (names.isEmpty()) {
            s.setLegendVisible(false);
            return;
        }
        double[] xr = range(placed, 0, logX), yr = range(placed, 1, logY);
        int longest = names.stream().mapToInt(String::length).max().orElse(0);
        // Plot area ≈ image minus title, tick labels and axis titles; legend rows ≈ 20 px, glyphs ≈ 7.5 px.
        double plotW = width - 110.0, plotH = height - 120.0;
        double fw = Math.min(1, (longest * 7.5 + 60) / plotW), fh = Math.min(1, (names.size() * 20 + 16) / plotH);
        LegendPosition[] corners = {LegendPosition.InsideNE, LegendPosition.InsideNW, LegendPosition.InsideSE, LegendPosition.InsideSW};
        for (LegendPosition p : corners) {
            boolean east = p == LegendPosition.InsideNE || p == LegendPosition.InsideSE;
            boolean north = p == LegendPosition.InsideNE || p == LegendPosition.InsideNW;
            double x0 = east ? 1 - fw - 0.02 : 0.0, y0 = north ? 1 - fh - 0.02 : 0.0;
            boolean free = placed.stream().noneMatch(q -> {
                double u = frac(q[0], xr, logX), v = frac(q[1], yr, logY);
                return u >= x0 && u <= x0 + fw + 0.02 && v >= y0 && v <= y0 + fh + 0.02;
            });
            if (free) {
                s.setLegendPosition(p);
                return;
            }
        }
        s.setLegendPosition(LegendPosition.OutsideE);
    }

    private static double decades(List<double[]> pts, int k, boolean log) {
        double[] r = range(pts, k, true);
        return log && r[0] <= r[1] ? r[1] - r[0] : Double.POSITIVE_INFINITY;
    }

    private static double[] range(List<double[]> pts, int k, boolean log) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double[] p : pts) {
            double v = log ? Math.log10(p[k]) : p[k];
            if (Double.isFinite(v)) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        return new double[] {lo, hi};
    }

    /** Position in [0, 1] across the plot; XChart leaves about 4% margin on each side. */
    private static double frac(double v, double[] r, boolean log) {
        double t = log ? Math.log10(v) : v;
        double span = r[1] - r[0];
        return span > 0 ? 0.04 + 0.92 * (t - r[0]) / span : 0.5;
    }
}
