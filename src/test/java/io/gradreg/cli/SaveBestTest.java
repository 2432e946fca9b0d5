package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.engine.HostArrays;
import io.gradreg.io.Json;
import io.gradreg.io.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --save-best (the weights at the best evaluated test accuracy) and --checkpoint-every. */
class SaveBestTest {
    @TempDir
    Path tmp;

    @Test
    void bestWeightsScoreTheBestTestAccuracyAndCheckpointsFollowTheirPeriod() throws Exception {
        Engine.start(1);
        var train = Synthetic.blobs(60, 6, 3, 1.5, 1, 2, DType.FLOAT32);
        var test = Synthetic.blobs(200, 6, 3, 1.5, 1, 3, DType.FLOAT32);
        Path tr = tmp.resolve("train.npz");
        Path te = tmp.resolve("test.npz");
        Npz.write(tr, Map.of("x", HostArrays.toHost(train.x()), "y", HostArrays.toHost(train.y())));
        Npz.write(te, Map.of("x", HostArrays.toHost(test.x()), "y", HostArrays.toHost(test.y())));
        Path run = tmp.resolve("run");
        CliTest.Result r = CliTest.run("train", "--data", tr.toString(), "--test-data", te.toString(), "--model", "mlp:6-16-3", "--lr", "2.0",
                "--batch-size", "60", "--epochs", "25", "--eval-every", "1", "--checkpoint-every", "10", "--save-best", "--out", run.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode summary = Json.read(run.resolve("summary.json"));
        double best = summary.get("best_test_accuracy").asDouble();
        assertTrue(summary.get("best_epoch").asInt() < 25, "a large step makes the accuracy wander, so the best epoch is not the last: " + summary);
        CliTest.Result e = CliTest.run("eval", "--run", run.toString(), "--weights", run.resolve("best-weights.safetensors").toString(), "--json");
        assertEquals(0, e.code(), e.err());
        assertEquals(best, new com.fasterxml.jackson.databind.ObjectMapper().readTree(e.out()).get("accuracy").asDouble(), 1e-12);
        // checkpoint after epochs 10, 20 and the last: a resume continues from epoch 25
        assertTrue(Files.isRegularFile(run.resolve("checkpoint.pt")));
        CliTest.Result more = CliTest.run("train", "--out", run.toString(), "--resume", "--epochs", "26");
        assertEquals(0, more.code(), more.err());
        assertTrue(more.out().contains("resuming " + run + " at epoch 25"), more.out());

        CliTest.Result bad = CliTest.run("train", "--data", tr.toString(), "--model", "mlp:6-3", "--checkpoint-every", "0", "--out", tmp.resolve("x").toString());
        assertEquals(2, bad.code());
        assertEquals("gradreg: --checkpoint-every must be >= 1, got 0", bad.err().strip());
    }
}
