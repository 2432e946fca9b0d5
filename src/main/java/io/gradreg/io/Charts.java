package io.gradreg.io;

import io.gradreg.GradregException;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;

/**
 * The house style shared by {@link LinePlot} and {@link Heatmap}: fonts, colours, tick labels,
 * headless rendering and atomic PNG writing. XChart does all the drawing; this only configures it.
 */
final class Charts {
    static {
        // Must be set before AWT initialises; servers and CI have no display.
        System.setProperty("java.awt.headless", "true");
        ImageIO.setUseCache(false); // encode in memory, no temp files
    }

    /** Okabe-Ito, reordered so the colours that read best on white come first; yellow last. */
    static final Color[] PALETTE = {
        new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
        new Color(0xE69F00), new Color(0x56B4E9), new Color(0x000000), new Color(0xF0E442),
    };
    static final Color INK = new Color(0x222222), FRAME = new Color(0xB0B0B0), GRID = new Color(0xE3E3E3);
    // Logical font names: the JDK maps them through fontconfig to an installed font (DejaVu on CI).
    static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 17);
    static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
    static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    static final Font LEGEND = new Font(Font.SANS_SERIF, Font.PLAIN, 13);

    private Charts() {}

    static void checkSize(int width, int height) {
        if (width < 200 || height < 150) {
            throw new GradregException("plot size " + width + "x" + height + " is too small (minimum 200x150)");
        }
    }

    /** Fonts, colours, grid and tick labels common to every chart. */
    static void style(AxesChartStyler s, boolean logX, boolean logY) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderColor(FRAME);
        s.setPlotGridLinesColor(GRID);
        s.setPlotGridLinesStroke(new BasicStroke(1f));
        s.setChartFontColor(INK);
        s.setAxisTickLabelsColor(INK);
        s.setChartTitleFont(TITLE);
        s.setChartTitleBoxVisible(false);
        s.setAxisTitleFont(LABEL);
        s.setAxisTickLabelsFont(TICK);
        s.setLegendFont(LEGEND);
        s.setLegendBackgroundColor(new Color(255, 255, 255, 230));
        s.setLegendBorderColor(FRAME);
        s.setChartPadding(12);
        s.setAntiAlias(true);
        s.setTextAntiAlias(true);
        s.setLocale(java.util.Locale.ROOT); // decimal points, whatever the machine's locale
        s.setXAxisTickMarkSpacingHint(90); // XChart's default crowds the x axis with one label per epoch
        s.setYAxisTickMarkSpacingHint(60);
        s.setXAxisTickLabelsFormattingFunction(logX ? Charts::logAxisTick : null);
        s.setYAxisTickLabelsFormattingFunction(logY ? Charts::logAxisTick : null);
    }

    /** A log axis labels 1, 2 and 5 times powers of ten; the other ticks keep their grid line only, or labels collide. */
    static String logAxisTick(Double v) {
        double m = Math.abs(v) / Math.pow(10, Math.floor(Math.log10(Math.abs(v))));
        long lead = Math.round(m);
        return Math.abs(m - lead) < 1e-6 && (lead == 1 || lead == 2 || lead == 5) ? logTick(v) : "";
    }

    /** A number in short form: 0.01 … 1000 in plain digits, beyond that 1e-5, 2e6. */
    static String logTick(Double v) {
        double a = Math.abs(v);
        if (a == 0 || !Double.isFinite(a)) {
            return String.valueOf(v);
        }
        if (a >= 1e-2 && a < 1e4) {
            return new BigDecimal(String.format(java.util.Locale.ROOT, "%.3g", v)).stripTrailingZeros().toPlainString();
        }
        String[] me = String.format(java.util.Locale.ROOT, "%.2e", v).split("e");
        String mant = new BigDecimal(me[0]).stripTrailingZeros().toPlainString();
        return mant + "e" + Integer.parseInt(me[1]);
    }

    /** XChart renders the chart; the PNG is written through {@link AtomicFiles}. */
    static BufferedImage render(Chart<?, ?> chart) {
        return BitmapEncoder.getBufferedImage(chart);
    }

    static void write(Chart<?, ?> chart, Path png) {
        BufferedImage img = render(chart);
        AtomicFiles.write(png, out -> {
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG encoder available");
            }
        });
    }
}
