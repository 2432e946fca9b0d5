package io.gradreg.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepPlotsTest {
    @TempDir
    Path dir;

    private static SweepTable.Group g(Map<String, String> labels, double acc) {
        return new SweepTable.Group(labels, 2, Map.of("final_test_accuracy", new double[] {acc, 0.01}));
    }

    @Test
    void twoGridKeysGiveAHeatmapOneNumericKeyALineOtherwiseNothing() throws Exception {
        List<SweepTable.Group> two = List.of(
                g(Map.of("method", "gr", "gamma", "0.1", "lr", "0.01"), 0.9), g(Map.of("method", "gr", "gamma", "0.1", "lr", "0.1"), 0.92),
                g(Map.of("method", "gr", "gamma", "1", "lr", "0.01"), 0.91));
        assertEquals("accuracy-heatmap.png", SweepPlots.write(dir, two)); // a missing cell stays blank
        assertTrue(Files.size(dir.resolve("accuracy-heatmap.png")) > 1000);

        List<SweepTable.Group> one = List.of(g(Map.of("lr", "0.01"), 0.9), g(Map.of("lr", "0.1"), 0.92), g(Map.of("lr", "1"), 0.5));
        assertEquals("accuracy.png", SweepPlots.write(dir, one));
        assertTrue(Files.size(dir.resolve("accuracy.png")) > 1000);

        assertNull(SweepPlots.write(dir, List.of(g(Map.of("method", "plain"), 0.9), g(Map.of("method", "sam"), 0.91))));
        assertNull(SweepPlots.write(dir, List.of(g(Map.of("a", "1", "b", "1", "c", "1"), 0.9), g(Map.of("a", "2", "b", "2", "c", "2"), 0.91))));
    }
}
