package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.bench.Bench;
import io.gradreg.io.Json;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench command's plumbing and arithmetic (no timing is asserted: speed is measured by running it, not by tests). */
class BenchCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aTinyBenchWritesConsistentRatiosAndFlops() {
        CliTest.Result r = CliTest.run("bench", "--models", "mlp:784-512-512-10", "--methods", "gr forward", "--steps", "3", "--warmup", "1",
                "--memory-steps", "5", "--out", tmp.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.read(tmp.resolve("bench.json"));
        JsonNode plain = j.get("timings").get(0);
        JsonNode fwd = j.get("timings").get(1);
        assertEquals("plain", plain.get("method").asText());
        assertEquals(1.0, plain.get("ratioToPlain").asDouble(), 0);
        assertEquals(fwd.get("medianMs").asDouble() / plain.get("medianMs").asDouble(), fwd.get("ratioToPlain").asDouble(), 1e-12);
        // plain: forward + weight gradients + input gradients of all layers but the first, 2 FLOPs per multiply-add, batch 128
        double flops = 2.0 * (3 * (784 * 512 + 512 * 512 + 512 * 10) - 784 * 512) * 128;
        assertEquals(flops / (plain.get("medianMs").asDouble() / 1e3) / 1e9, plain.get("gflops").asDouble(), 1e-9);
        assertEquals(plain.get("gflops").asDouble() / j.get("matmul_peak_gflops").asDouble(), plain.get("peakFraction").asDouble(), 1e-12);
        assertEquals(5, j.get("memory").get("steps").asInt());
        assertTrue(j.get("memory").get("before_bytes").asLong() > 0);
        assertEquals(Bench.WORKLOADS.get(0).model(), plain.get("model").asText());
    }

    @Test
    void threadConfigsTimeEachAskedMethodUnderEachSetting() throws Exception {
        CliTest.Result r = CliTest.run("bench", "--thread-configs", "1x1,2x1", "--models", "mlp:784-512-512-10", "--methods", "sam",
                "--steps", "2", "--warmup", "1", "--rounds", "1", "--out", tmp.toString());
        assertEquals(0, r.code(), r.err());
        java.util.List<String> lines = java.nio.file.Files.readAllLines(tmp.resolve("threads.md"));
        assertEquals("| model | batch | method | 1x1 | 2x1 |", lines.get(0));
        for (int i = 0; i < 2; i++) {
            String[] cells = lines.get(2 + i).split("\\|");
            assertEquals(i == 0 ? "plain" : "sam", cells[3].strip());
            for (int c = 4; c <= 5; c++) {
                double ms = Double.parseDouble(cells[c].strip());
                assertTrue(ms > 0 && Double.isFinite(ms), lines.get(2 + i));
            }
        }
        CliTest.Result bad = CliTest.run("bench", "--thread-configs", "2by1", "--out", tmp.resolve("b").toString());
        assertEquals("gradreg: --thread-configs: expected BLASxINTRA such as 2x1, got '2by1'", bad.err().strip());
    }

    @Test
    void unknownMethodsAndModelsAreOneLineErrors() {
        CliTest.Result r = CliTest.run("bench", "--methods", "adagrad", "--out", tmp.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().strip().startsWith("gradreg: unknown bench method 'adagrad': expected one of plain, gr exact, "), r.err());
        CliTest.Result m = CliTest.run("bench", "--models", "vgg", "--out", tmp.toString());
        assertEquals("gradreg: no workload matches --models [vgg]", m.err().strip());
    }
}
