package io.gradreg.train;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run directory written before the metrics schema was unified (committed in
 * src/test/resources/runs/old-camelcase: metrics.jsonl and summary.json's "last" in camelCase,
 * written by commit 88f2595) stays readable: its records, eval and analyze on it, and a resume
 * that continues it in the new schema.
 */
class OldRunSchemaTest {
    static final Path FIXTURE = Path.of("src/test/resources/runs/old-camelcase");

    @TempDir
    Path tmp;

    /** A copy of the old run whose config.json points at the copy's data file (it recorded an absolute path). */
    Path oldRun() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("old"));
        try (Stream<Path> files = Files.list(FIXTURE)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("/tmp/probe/tiny.npz", dir.resolve("tiny.npz").toString()));
        return dir;
    }

    @Test
    void itsMetricsAndSummaryReadAsRecords() throws Exception {
        Path dir = oldRun();
        assertTrue(Files.readString(dir.resolve("metrics.jsonl")).contains("\"testAccuracy\":"), "the fixture is in the old naming");
        List<EpochMetrics> m = RunRecords.metrics(dir);
        assertEquals(3, m.size());
        assertEquals(List.of(1, 2, 3), m.stream().map(EpochMetrics::epoch).toList());
        assertEquals(0.6666666666666666, m.get(0).testAccuracy(), 0);
        assertEquals(0.0017709731261060476, m.get(0).rIG(), 0);
        assertEquals(0.5750000000000001, m.get(0).lambdaIG(), 0);
        assertTrue(Double.isNaN(m.get(0).penalty()), "null reads as NaN");
        RunRecords.Summary s = RunRecords.readSummary(dir);
        assertEquals(0.75, s.finalTestAccuracy(), 0);
        assertEquals(3, s.bestEpoch());
        assertEquals(0.001537622075550996, s.finalRIG(), 0);
        assertEquals(m.get(2).rIG(), s.last().rIG(), 0);
        assertEquals(m.get(2).testAccuracy(), s.last().testAccuracy(), 0);
    }

    @Test
    void evalRebuildsItAndAResumeContinuesItInTheNewSchema() throws Exception {
        Path dir = oldRun();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "eval", "--run", dir.toString()), err.toString());
        assertTrue(out.toString().contains("test: loss 0.646409  accuracy 0.7500  (24 samples)"), out.toString());

        assertEquals(0, Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "train", "--out", dir.toString(), "--resume",
                "--epochs", "4"), err.toString());
        String metrics = Files.readString(dir.resolve("metrics.jsonl"));
        assertFalse(metrics.contains("testAccuracy"), metrics);
        assertTrue(metrics.contains("\"test_accuracy\":"), metrics);
        List<EpochMetrics> m = RunRecords.metrics(dir);
        assertEquals(4, m.size());
        assertEquals(0.6666666666666666, m.get(0).testAccuracy(), 0, "the old epochs, rewritten");
        assertEquals(4, RunRecords.readSummary(dir).epochs());
    }
}
