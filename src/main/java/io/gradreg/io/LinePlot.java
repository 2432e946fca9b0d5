package io.gradreg.io;

import io.gradreg.GradregException;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * PNG line charts drawn with java.awt in headless mode, for training curves and sweep results.
 *
 * <pre>{@code
 * LinePlot.titled("Test accuracy").xLabel("epoch").yLabel("accuracy")
 *         .series("plain", epochs, accPlain).series("gradreg", epochs, accReg)
 *         .write(Path.of("accuracy.png"));
 * }</pre>
 *
 * Non-finite points (and non-positive ones on a log axis) are skipped, leaving a gap in the line.
 * Series get colours from the colour-blind-safe Okabe-Ito palette, and markers when they have at
 * most {@value #MARKER_LIMIT} points.
 */
public final class LinePlot {
    static {
        // Must be set before AWT initialises; servers and CI have no display.
        System.setProperty("java.awt.headless", "true");
        ImageIO.setUseCache(false); // encode in memory, no temp files
    }

    /** Series with at most this many points are drawn with markers. */
    public static final int MARKER_LIMIT = 30;

    /** Okabe-Ito, reordered so the colours that read best on white come first; yellow last. */
    private static final Color[] PALETTE = {
        new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
        new Color(0xE69F00), new Color(0x56B4E9), new Color(0x000000), new Color(0xF0E442),
    };
    private static final Color GRID = new Color(0xE3E3E3), MINOR_GRID = new Color(0xF3F3F3);
    private static final Color FRAME = new Color(0xB0B0B0), INK = new Color(0x222222);

    private record Series(String name, double[] x, double[] y) {}

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

    /** Label under the x axis. */
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

    /** Logarithmic y axis (base 10); points with y ≤ 0 are skipped. */
    public LinePlot logY() {
        logY = true;
        return this;
    }

    /** Image size in pixels (default 900×560). */
    public LinePlot size(int width, int height) {
        if (width < 200 || height < 150) {
            throw new GradregException("plot size " + width + "x" + height + " is too small (minimum 200x150)");
        }
        this.width = width;
        this.height = height;
        return this;
    }

    /** Adds a series; x and y must have the same length. The arrays are copied. */
    public LinePlot series(String name, double[] x, double[] y) {
        String n = name == null ? "" : name;
        if (x == null || y == null || x.length != y.length) {
            throw new GradregException("plot '" + title + "': series '" + n + "' has "
                    + (x == null ? "no" : x.length) + " x values but " + (y == null ? "no" : y.length) + " y values");
        }
        series.add(new Series(n, x.clone(), y.clone()));
        return this;
    }

    /** The colour of the series at {@code index} (the palette repeats after 8, with dashes). */
    public static Color seriesColour(int index) {
        return PALETTE[Math.floorMod(index, PALETTE.length)];
    }

    /** Atomically writes the chart as PNG. */
    public void write(Path png) {
        BufferedImage img = render();
        AtomicFiles.write(png, out -> {
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG encoder available");
            }
        });
    }

    /** Draws the chart into a new RGB image. */
    public BufferedImage render() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            draw(g);
        } finally {
            g.dispose();
        }
        return img;
    }

    private void draw(Graphics2D g) {
        Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 18);
        Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
        Font tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        FontMetrics tm = g.getFontMetrics(tickFont), lm = g.getFontMetrics(labelFont);

        // Layout: y ticks depend on the plot height, the left margin on the y tick labels,
        // and the x ticks on the plot width that remains.
        int top = title.isEmpty() ? 20 : 24 + g.getFontMetrics(titleFont).getHeight();
        int bottom = 10 + 6 + tm.getHeight() + (xLabel.isEmpty() ? 0 : 6 + lm.getHeight()) + 6;
        double[] xr = range(true), yr = range(false);
        int plotH = height - top - bottom;
        Axis ya = Axis.of(yr[0], yr[1], logY, Math.max(3, plotH / 70));
        int tickW = 0;
        for (Axis.Tick t : ya.ticks) {
            tickW = Math.max(tickW, tm.stringWidth(t.label()));
        }
        int left = 14 + (yLabel.isEmpty() ? 0 : lm.getHeight() + 8) + tickW + 10;
        int right = 30;
        Rectangle plot = new Rectangle(left, top, width - left - right, plotH);
        Axis xa = Axis.of(xr[0], xr[1], logX, Math.max(3, plot.width / 110));

        if (!title.isEmpty()) {
            g.setFont(titleFont);
            g.setColor(INK);
            FontMetrics fm = g.getFontMetrics();
            g.drawString(title, (width - fm.stringWidth(title)) / 2, 14 + fm.getAscent());
        }
        drawAxes(g, plot, xa, ya, tickFont, labelFont);

        List<double[]> placed = new ArrayList<>(); // pixel positions, to keep the legend off the data
        Graphics2D clip = (Graphics2D) g.create();
        clip.clip(plot);
        boolean any = false;
        for (int s = 0; s < series.size(); s++) {
            any |= drawSeries(clip, s, plot, xa, ya, placed);
        }
        clip.dispose();
        if (!any) {
            g.setFont(labelFont);
            g.setColor(FRAME);
            String msg = "no data";
            g.drawString(msg, plot.x + (plot.width - lm.stringWidth(msg)) / 2, plot.y + plot.height / 2);
        }
        drawLegend(g, plot, placed);
    }

    /** [lo, hi] of the finite, axis-valid values, in axis units (log10 on log axes). */
    private double[] range(boolean isX) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                if (valid(s, i)) {
                    double v = isX ? tx(s.x[i]) : ty(s.y[i]);
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        return lo <= hi ? new double[] {lo, hi} : new double[] {0, 1};
    }

    private boolean valid(Series s, int i) {
        double x = s.x[i], y = s.y[i];
        return Double.isFinite(x) && Double.isFinite(y) && (!logX || x > 0) && (!logY || y > 0);
    }

    private double tx(double v) {
        return logX ? Math.log10(v) : v;
    }

    private double ty(double v) {
        return logY ? Math.log10(v) : v;
    }

    private void drawAxes(Graphics2D g, Rectangle p, Axis xa, Axis ya, Font tickFont, Font labelFont) {
        g.setStroke(new BasicStroke(1f));
        for (Axis.Tick t : xa.ticks) {
            int px = (int) Math.round(xa.toPixel(t.value(), p.x, p.x + p.width));
            g.setColor(t.major() ? GRID : MINOR_GRID);
            g.drawLine(px, p.y, px, p.y + p.height);
        }
        for (Axis.Tick t : ya.ticks) {
            int py = (int) Math.round(ya.toPixel(t.value(), p.y + p.height, p.y));
            g.setColor(t.major() ? GRID : MINOR_GRID);
            g.drawLine(p.x, py, p.x + p.width, py);
        }
        g.setColor(FRAME);
        g.drawRect(p.x, p.y, p.width, p.height);

        g.setFont(tickFont);
        FontMetrics fm = g.getFontMetrics();
        g.setColor(INK);
        for (Axis.Tick t : xa.ticks) {
            if (t.major()) {
                int px = (int) Math.round(xa.toPixel(t.value(), p.x, p.x + p.width));
                g.drawLine(px, p.y + p.height, px, p.y + p.height + 5);
                g.drawString(t.label(), px - fm.stringWidth(t.label()) / 2, p.y + p.height + 8 + fm.getAscent());
            }
        }
        for (Axis.Tick t : ya.ticks) {
            if (t.major()) {
                int py = (int) Math.round(ya.toPixel(t.value(), p.y + p.height, p.y));
                g.drawLine(p.x - 5, py, p.x, py);
                g.drawString(t.label(), p.x - 8 - fm.stringWidth(t.label()), py + fm.getAscent() / 2 - 1);
            }
        }
        g.setFont(labelFont);
        FontMetrics lm = g.getFontMetrics();
        if (!xLabel.isEmpty()) {
            g.drawString(xLabel, p.x + (p.width - lm.stringWidth(xLabel)) / 2,
                    p.y + p.height + 8 + fm.getHeight() + 6 + lm.getAscent());
        }
        if (!yLabel.isEmpty()) {
            Graphics2D r = (Graphics2D) g.create();
            r.translate(14 + lm.getAscent(), p.y + (p.height + lm.stringWidth(yLabel)) / 2.0);
            r.transform(AffineTransform.getRotateInstance(-Math.PI / 2));
            r.drawString(yLabel, 0, 0);
            r.dispose();
        }
    }

    /** Draws series {@code s}; returns whether it had any drawable point. */
    private boolean drawSeries(Graphics2D g, int s, Rectangle p, Axis xa, Axis ya, List<double[]> placed) {
        Series ser = series.get(s);
        int n = ser.x.length;
        double[] px = new double[n], py = new double[n];
        boolean[] ok = new boolean[n];
        int count = 0;
        for (int i = 0; i < n; i++) {
            ok[i] = valid(ser, i);
            if (ok[i]) {
                px[i] = xa.toPixel(tx(ser.x[i]), p.x, p.x + p.width);
                py[i] = ya.toPixel(ty(ser.y[i]), p.y + p.height, p.y);
                placed.add(new double[] {px[i], py[i]});
                if (i > 0 && ok[i - 1]) { // midpoints too, so long segments keep the legend away
                    placed.add(new double[] {(px[i] + px[i - 1]) / 2, (py[i] + py[i - 1]) / 2});
                }
                count++;
            }
        }
        g.setColor(seriesColour(s));
        g.setStroke(stroke(s));
        Path2D.Double path = new Path2D.Double();
        for (int i = 0; i < n; i++) {
            if (ok[i] && i > 0 && ok[i - 1]) {
                path.lineTo(px[i], py[i]);
            } else if (ok[i]) {
                path.moveTo(px[i], py[i]); // a gap (NaN, ±inf) starts a new piece
            }
        }
        g.draw(path);
        for (int i = 0; i < n; i++) {
            boolean isolated = ok[i] && (i == 0 || !ok[i - 1]) && (i == n - 1 || !ok[i + 1]);
            if (ok[i] && (count <= MARKER_LIMIT || isolated)) {
                g.fill(new Ellipse2D.Double(px[i] - 3.5, py[i] - 3.5, 7, 7));
            }
        }
        return count > 0;
    }

    /** Solid for the first round of the palette, dashed once colours repeat. */
    private static BasicStroke stroke(int s) {
        return s < PALETTE.length
                ? new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND)
                : new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {7f, 4f}, 0f);
    }

    private void drawLegend(Graphics2D g, Rectangle p, List<double[]> placed) {
        List<Integer> shown = new ArrayList<>();
        for (int s = 0; s < series.size(); s++) {
            if (!series.get(s).name.isEmpty()) {
                shown.add(s);
            }
        }
        if (shown.isEmpty()) {
            return;
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        FontMetrics fm = g.getFontMetrics();
        int row = fm.getHeight() + 2, textW = 0;
        for (int s : shown) {
            textW = Math.max(textW, fm.stringWidth(series.get(s).name));
        }
        int w = 10 + 26 + 8 + textW + 10, h = 8 + row * shown.size() + 4;
        // Corners in order of preference; take the one covering the fewest data points.
        int[][] corners = {
            {p.x + p.width - w - 10, p.y + 10}, {p.x + 10, p.y + 10},
            {p.x + p.width - w - 10, p.y + p.height - h - 10}, {p.x + 10, p.y + p.height - h - 10},
        };
        int[] best = corners[0];
        long bestHits = Long.MAX_VALUE;
        for (int[] c : corners) {
            Rectangle box = new Rectangle(c[0] - 4, c[1] - 4, w + 8, h + 8);
            long hits = placed.stream().filter(q -> box.contains(q[0], q[1])).count();
            if (hits < bestHits) {
                best = c;
                bestHits = hits;
            }
        }
        g.setColor(new Color(255, 255, 255, 225));
        g.fillRect(best[0], best[1], w, h);
        g.setColor(FRAME);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(best[0], best[1], w, h);
        for (int k = 0; k < shown.size(); k++) {
            int s = shown.get(k);
            int cy = best[1] + 8 + row * k + row / 2;
            g.setColor(seriesColour(s));
            g.setStroke(stroke(s));
            g.draw(new Line2D.Double(best[0] + 10, cy, best[0] + 36, cy));
            if (series.get(s).x.length <= MARKER_LIMIT) {
                g.fill(new Ellipse2D.Double(best[0] + 23 - 3.5, cy - 3.5, 7, 7));
            }
            g.setColor(INK);
            g.drawString(series.get(s).name, best[0] + 44, cy + fm.getAscent() / 2 - 1);
        }
    }
}
