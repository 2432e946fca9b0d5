package io.gradreg.io;

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
    void linearTicksAreNiceAndCoverTheData() {
        Axis a = Axis.of(0.37, 0.98, false, 6);
        assertTrue(a.lo < 0.37 && a.hi > 0.98);
        assertEquals(List.of("0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1.0"), labels(a));
        assertEquals(List.of("0", "20", "40", "60", "80", "100"), labels(Axis.of(0, 100, false, 5)));
        assertEquals(List.of("4.6", "4.8", "5.0", "5.2", "5.4"), labels(Axis.of(5, 5, false, 5))); // flat: ±10%
        assertEquals(List.of("-1.0", "-0.5", "0.0", "0.5", "1.0"), labels(Axis.of(0, 0, false, 5)));
        assertEquals(List.of("2e6", "4e6", "6e6"), labels(Axis.of(1.5e6, 6.5e6, false, 3)));
        assertEquals(2.0, Axis.niceStep(1.7));
        assertEquals(0.05, Axis.niceStep(0.04), 1e-12);
    }

    @Test
    void logTicksArePowersOfTen() {
        assertEquals(List.of("10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰"), labels(Axis.of(-5, 0, true, 6)));
        assertEquals(List.of("0.2", "0.5", "1", "2"), labels(Axis.of(Math.log10(0.15), Math.log10(2.3), true, 5)));
        assertEquals(List.of("10⁻¹²", "10⁻⁸", "10⁻⁴", "10⁰"), labels(Axis.of(-12, 0, true, 4)));
        Axis flat = Axis.of(1, 1, true, 5); // all values 10: still one decade wide
        assertTrue(flat.hi - flat.lo >= 1);
        assertTrue(labels(flat).contains("10"));
    }

    private static List<String> labels(Axis a) {
        return a.ticks.stream().filter(Axis.Tick::major).map(Axis.Tick::label).toList();
    }
}
