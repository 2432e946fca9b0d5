package io.gradreg.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradreg.GradregException;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.junit.jupiter.api.io.TempDir;

class LinePlotTest {
    @TempDir
    Path dir;

    static long pixelsOf(BufferedImage img, Color c) {
        long n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if ((img.getRGB(x, y) & 0xFFFFFF) == (c.getRGB() & 0xFFFFFF)) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void writesPngWithSeriesColours() throws IOException {
        double[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        double[] a = {0.5, 0.7, 0.8, 0.85, 0.88, 0.9, 0.91, 0.92, 0.925, 0.93};
        double[] b = {0.4, 0.6, 0.75, Double.NaN, 0.86, 0.9, 0.92, 0.93, 0.94, 0.95};
        Path png = dir.resolve("plots/accuracy.png");
        LinePlot.titled("Test accuracy").xLabel("epoch").yLabel("accuracy")
                .series("plain", x, a).series("gradreg", x, b).write(png);

        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img);
        assertEquals(900, img.getWidth());
        assertEquals(560, img.getHeight());
        assertEquals(Color.WHITE.getRGB(), img.getRGB(2, 2));
        assertTrue(pixelsOf(img, LinePlot.seriesColour(0)) > 100, "first series drawn");
        assertTrue(pixelsOf(img, LinePlot.seriesColour(1)) > 100, "second series drawn");
        assertEquals(0, pixelsOf(img, LinePlot.seriesColour(2)), "no third series");
        try (Stream<Path> files = Files.list(png.getParent())) {
            assertEquals(List.of(png), files.toList()); // no temp files left behind
        }
    }

    @Test
    void mismatchedLengthsAreRejected() {
        GradregException e = assertThrows(GradregException.class,
                () -> LinePlot.titled("Loss").series("train", new double[3], new double[2]));
        assertEquals("plot 'Loss': series 'train' has 3 x values but 2 y values", e.getMessage());
        assertThrows(GradregException.class, () -> LinePlot.titled("t").size(10, 10));
    }

    @Test
    void handlesDegenerateData() {
        // One point, a constant series, an all-NaN series and non-positive values on log axes.
        BufferedImage one = LinePlot.titled("one").series("p", new double[] {3}, new double[] {7}).render();
        assertTrue(pixelsOf(one, LinePlot.seriesColour(0)) > 10);
        BufferedImage flat = LinePlot.titled("flat").series("c", new double[] {1, 2, 3}, new double[] {5, 5, 5})
                .render();
        assertTrue(pixelsOf(flat, LinePlot.seriesColour(0)) > 100);
        BufferedImage none = LinePlot.titled("none")
                .series("nan", new double[] {Double.NaN, 1}, new double[] {1, Double.POSITIVE_INFINITY}).render();
        assertEquals(560, none.getHeight());
        BufferedImage log = LinePlot.titled("log").logX().logY().size(400, 300)
                .series("s", new double[] {0, 1e-3, 1e-2, 1}, new double[] {1, 0.5, -1, 2e4}).render();
        assertEquals(400, log.getWidth());
        assertTrue(pixelsOf(log, LinePlot.seriesColour(0)) > 10);
    }

    @Test
    void manySeriesCycleThePalette() {
        LinePlot p = LinePlot.titled("many");
        for (int s = 0; s < 10; s++) {
            p.series("s" + s, new double[] {0, 1}, new double[] {s, s + 1});
        }
        BufferedImage img = p.render();
        assertEquals(LinePlot.seriesColour(0), LinePlot.seriesColour(8));
        assertTrue(pixelsOf(img, LinePlot.seriesColour(7)) > 10);
    }

    @Test
    void samePlotSameBytes() throws IOException {
        double[] x = {1, 2, 3, 4, 5, 6, 7, 8};
        double[] m = {2.3, 1.2, 0.8, 0.5, 0.3, 0.2, 0.15, 0.1};
        double[] sd = {0.2, 0.1, 0.1, 0.05, 0.05, 0.02, 0.02, 0.01};
        for (String name : List.of("a.png", "b.png")) {
            LinePlot.titled("Loss (mean ± std over 3 seeds)").xLabel("epoch").yLabel("loss").logY()
                    .series("plain", x, m, sd).scatter("runs", x, m).write(dir.resolve(name));
        }
        byte[] a = Files.readAllBytes(dir.resolve("a.png"));
        assertTrue(a.length > 1000);
        assertArrayEquals(a, Files.readAllBytes(dir.resolve("b.png")));
    }

    @Test
    void bandsAreTranslucentSeriesColourBehindTheLine() {
        double[] x = {0, 1, 2, 3, 4};
        double[] m = {1, 2, 3, 4, 5};
        double[] sd = {1, 1, 1, 1, 1};
        BufferedImage with = LinePlot.titled("band").series("m", x, m, sd).render();
        BufferedImage without = LinePlot.titled("band").series("m", x, m).render();
        // The band is the series colour at alpha 56/255 over white.
        Color c = LinePlot.seriesColour(0);
        Color tint = new Color(blend(c.getRed()), blend(c.getGreen()), blend(c.getBlue()));
        assertTrue(pixelsNear(with, tint) > 5000, "band filled");
        assertTrue(pixelsNear(without, tint) < 200, "no band without std (antialiased line edges only)");
        assertTrue(pixelsOf(with, c) > 100, "mean line still drawn");
        GradregException e = assertThrows(GradregException.class, () -> LinePlot.titled("t").series("m", x, m, new double[2]));
        assertEquals("plot 't': series 'm' has 5 values but 2 std values", e.getMessage());
    }

    @Test
    void legendMovesOutsideWhenEveryCornerHoldsData() {
        double[] x = {0, 1, 2, 3, 4};
        LinePlot rising = LinePlot.titled("r").series("up", x, new double[] {0, 1, 2, 3, 4});
        assertEquals(LegendPosition.InsideNW, rising.chart().getStyler().getLegendPosition()); // NE holds the line's end
        LinePlot full = LinePlot.titled("f").series("up", x, new double[] {0, 1, 2, 3, 4})
                .series("down", x, new double[] {4, 3, 2, 1, 0});
        assertEquals(LegendPosition.OutsideE, full.chart().getStyler().getLegendPosition());
    }

    @Test
    void heatmapColoursEveryFiniteCell() throws IOException {
        Path png = dir.resolve("grid.png");
        Heatmap.titled("Accuracy (%)").xLabel("γ").yLabel("ε")
                .grid(new double[] {0.01, 0.1}, new double[] {1e-3, 1e-2}, new double[][] {{90, 91}, {92, Double.NaN}}).write(png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(760, img.getWidth());
        assertTrue(pixelsOf(img, new Color(0xFFFFD9)) > 1000, "lowest cell at the light end");
        assertTrue(pixelsOf(img, new Color(0x41B6C4)) > 1000, "highest cell at the dark end");
        GradregException e = assertThrows(GradregException.class,
                () -> Heatmap.titled("h").grid(new double[] {1, 2}, new double[] {1}, new double[][] {{1}}));
        assertEquals("heatmap 'h': a row has 1 values but there are 2 x labels", e.getMessage());
    }

    @Test
    void logTickLabelsAreShort() {
        assertEquals("0.01", Charts.logTick(0.01));
        assertEquals("1000", Charts.logTick(1000.0));
        assertEquals("1e-5", Charts.logTick(1e-5));
        assertEquals("2e6", Charts.logTick(2e6));
        assertEquals("2.5e-12", Charts.logTick(2.5e-12));
        assertEquals("5e-8", Charts.logAxisTick(5e-8));
        assertEquals("", Charts.logAxisTick(7e-8)); // only 1, 2, 5 per decade are labelled
        assertEquals("0.2", Charts.logAxisTick(0.2));
    }

    private static int blend(int c) {
        return Math.round(255 + (c - 255) * 56 / 255f);
    }

    private static long pixelsNear(BufferedImage img, Color c) {
        long n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                if (Math.abs(((p >> 16) & 255) - c.getRed()) <= 2 && Math.abs(((p >> 8) & 255) - c.getGreen()) <= 2
                        && Math.abs((p & 255) - c.getBlue()) <= 2) {
                    n++;
                }
            }
        }
        return n;
    }
}
