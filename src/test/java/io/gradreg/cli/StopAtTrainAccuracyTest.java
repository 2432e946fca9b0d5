package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.io.Json;
import io.gradreg.io.NdArray;
import io.gradreg.io.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --stop-at-train-accuracy: the run ends, finished, at the first evaluation that reaches the target. */
class StopAtTrainAccuracyTest {
    @TempDir
    Path tmp;

    /** 16 samples, two classes split by the sign of the first feature (with a margin of 1). */
    private Path separable() {
        double[] x = new double[32];
        long[] y = new long[16];
        for (int i = 0; i < 16; i++) {
            x[2 * i] = i < 8 ? -1 - i : 1 + (i - 8);
            x[2 * i + 1] = (3 * i) % 7 - 3;
            y[i] = i < 8 ? 0 : 1;
        }
        Path npz = tmp.resolve("d.npz");
        Npz.write(npz, Map.of("x", NdArray.ofDoubles(x, 16, 2), "y", NdArray.ofLongs(y, 16)));
        return npz;
    }

    private static List<JsonNode> metrics(Path run) throws Exception {
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream().map(l -> {
            try {
                return new com.fasterxml.jackson.databind.ObjectMapper().readTree(l);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    @Test
    void stopsAtTheFirstEvaluationThatReachesTheTargetAndCountsAsFinished() throws Exception {
        Path data = separable();
        Path out = tmp.resolve("run");
        String[] args = {"train", "--data", data.toString(), "--model", "mlp:2-8-2", "--dtype", "float64", "--batch-size", "16",
                "--epochs", "300", "--lr", "0.05", "--seed", "3", "--stop-at-train-accuracy", "1.0", "--out", out.toString()};
        CliTest.Result r = CliTest.run(args);
        assertEquals(0, r.code(), r.err());
        List<JsonNode> m = metrics(out);
        int n = m.size();
        assertTrue(n > 1 && n < 300, "stopped before the budget, after at least one miss: " + n + " epochs");
        assertEquals(1.0, m.get(n - 1).get("train_accuracy").asDouble());
        for (int i = 0; i < n - 1; i++) {
            assertTrue(m.get(i).get("train_accuracy").asDouble() < 1.0, "epoch " + (i + 1) + " had already reached the target");
        }
        assertTrue(r.out().contains("training accuracy 1.0 reached at epoch " + n), r.out());
        JsonNode s = Json.read(out.resolve("summary.json"));
        assertEquals(n, s.get("epochs").asInt());

        // Resuming a run that reached its target trains nothing more.
        String[] resume = java.util.Arrays.copyOf(args, args.length + 1);
        resume[args.length] = "--resume";
        CliTest.Result again = CliTest.run(resume);
        assertEquals(0, again.code(), again.err());
        assertEquals(n, metrics(out).size());
    }

    @Test
    void outOfRangeTargetsAreRefusedBeforeAnythingIsWritten() {
        Path data = separable();
        Path out = tmp.resolve("bad");
        CliTest.Result r = CliTest.run("train", "--data", data.toString(), "--model", "mlp:2-8-2", "--epochs", "2",
                "--stop-at-train-accuracy", "1.5", "--out", out.toString());
        assertEquals(2, r.code());
        assertEquals("gradreg: --stop-at-train-accuracy must be in [0, 1] (0 = off), got 1.5", r.err().strip());
        assertFalse(Files.exists(out));
    }
}
