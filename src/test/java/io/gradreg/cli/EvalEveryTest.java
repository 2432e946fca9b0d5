package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.HostArrays;
import io.gradreg.io.Json;
import io.gradreg.io.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --eval-every N}: the full-set evaluation is skipped between every N-th epoch and the last, training is unchanged. */
class EvalEveryTest {
    @TempDir
    Path tmp;

    static List<JsonNode> metrics(Path run) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            out.add(new ObjectMapper().readTree(l));
        }
        return out;
    }

    @Test
    void skippedEpochsHaveOnlyBatchMetricsAndTrainingIsTheSame() throws Exception {
        var d = Synthetic.blobs(60, 6, 3, 1.0, 1, DType.FLOAT32);
        Path data = tmp.resolve("d.npz");
        Npz.write(data, Map.of("x", HostArrays.toHost(d.x()), "y", HostArrays.toHost(d.y())));
        List<String> base = List.of("train", "--data", data.toString(), "--test-data", data.toString(), "--model", "mlp:6-16-3",
                "--dropout", "0.2", "--epochs", "4", "--batch-size", "16");
        List<String> every = new ArrayList<>(base);
        every.addAll(List.of("--out", tmp.resolve("every").toString()));
        List<String> sparse = new ArrayList<>(base);
        sparse.addAll(List.of("--eval-every", "3", "--out", tmp.resolve("sparse").toString()));
        assertEquals(0, CliTest.run(every.toArray(String[]::new)).code());
        CliTest.Result r = CliTest.run(sparse.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("(not evaluated)"), r.out());

        List<JsonNode> a = metrics(tmp.resolve("every"));
        List<JsonNode> b = metrics(tmp.resolve("sparse"));
        assertEquals(4, b.size());
        for (int i = 0; i < 4; i++) {
            boolean evaluated = i == 2 || i == 3; // epoch 3 (every 3rd) and epoch 4 (the last)
            assertEquals(!evaluated, b.get(i).get("train_loss").isNull(), "epoch " + (i + 1));
            assertEquals(!evaluated, b.get(i).get("test_accuracy").isNull(), "epoch " + (i + 1));
            assertEquals(a.get(i).get("batch_loss").asDouble(), b.get(i).get("batch_loss").asDouble(), 0, "same training");
            if (evaluated) {
                assertEquals(a.get(i).get("train_loss").asDouble(), b.get(i).get("train_loss").asDouble(), 0);
                assertEquals(a.get(i).get("test_accuracy").asDouble(), b.get(i).get("test_accuracy").asDouble(), 0);
            }
        }
        JsonNode s = Json.read(tmp.resolve("sparse/summary.json"));
        assertEquals(b.get(3).get("test_accuracy").asDouble(), s.get("final_test_accuracy").asDouble(), 0);
        assertTrue(s.get("best_epoch").asInt() >= 3);
        assertEquals("3", Json.read(tmp.resolve("sparse/config.json")).get("settings").get("--eval-every").asText());
    }

    @Test
    void aZeroIntervalIsRejected() {
        CliTest.Result r = CliTest.run("train", "--data", "x.npz", "--model", "mlp:6-3", "--eval-every", "0");
        assertEquals(2, r.code());
        assertEquals("gradreg: --eval-every must be >= 1, got 0", r.err().strip());
    }
}
