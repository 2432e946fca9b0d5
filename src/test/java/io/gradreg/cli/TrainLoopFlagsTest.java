package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training-loop flags of issue 15 through the command line: help, run directory, resume, bad values. */
class TrainLoopFlagsTest {
    @TempDir
    static Path tmp;
    static Path blobs;

    @BeforeAll
    static void data() {
        var d = Synthetic.blobs(48, 6, 3, 1.0, 1, DType.FLOAT32);
        blobs = tmp.resolve("blobs.npz");
        Npz.write(blobs, Map.of("x", HostArrays.toHost(d.x()), "y", HostArrays.toHost(d.y())));
    }

    static String[] train(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--data", blobs.toString(), "--model", "mlp:6-16-3", "--batch-size", "16",
                "--out", out.toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void everyFlagIsInTheHelp() {
        CliTest.Result r = CliTest.run("train", "--help");
        for (String f : List.of("--track-sharpness", "--sharpness-subset", "--sharpness-lanczos", "--sharpness-hutchinson", "--rho-schedule",
                "--gamma-schedule", "--lambda-schedule", "--every", "--reuse", "--clip-grad-norm")) {
            assertTrue(r.out().contains(f), f);
        }
    }

    @Test
    void trackingWritesMetricsAPlotAndItsCostAndAScheduledReuseRunResumesIdentically() throws Exception {
        Path out = tmp.resolve("tracked");
        String[] flags = {"--method", "gr", "--gamma-schedule", "warmup:5", "--every", "2", "--reuse", "--clip-grad-norm", "0.5",
                "--track-sharpness", "2", "--sharpness-subset", "20", "--sharpness-lanczos", "4"};
        List<String> all = new ArrayList<>(List.of(flags));
        all.addAll(List.of("--epochs", "4"));
        CliTest.Result r = CliTest.run(train(out, all.toArray(String[]::new)));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("with gr(forward, gamma=0.1, eps=0.01) with gamma schedule warmup:5 every 2 steps, reusing d - g between"), r.out());
        assertTrue(r.out().contains("sharpness after epoch 2 (20 samples): top eigenvalue "), r.out());
        assertTrue(r.out().matches("(?s).*sharpness tracking: 2 measurements; cost [0-9.]+% of the rest of the run in CPU time.*"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("sharpness.png")));
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        JsonNode e2 = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(1));
        assertTrue(e2.get("hessian_top").isNumber() && e2.get("hessian_trace").isNumber() && e2.get("subset_R_IG").isNumber(), lines.get(1));
        assertTrue(new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(0)).get("hessian_top").isNull());

        // the same run in two halves: the schedule, the kept component and the tracking continue exactly
        Path split = tmp.resolve("split");
        all.set(all.size() - 1, "2");
        assertEquals(0, CliTest.run(train(split, all.toArray(String[]::new))).code());
        CliTest.Result resumed = CliTest.run("train", "--out", split.toString(), "--resume", "--epochs", "4");
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(RunLifecycleTest.metrics(out), RunLifecycleTest.metrics(split));
        List<String> splitLines = Files.readAllLines(split.resolve("metrics.jsonl"));
        for (int i = 0; i < 4; i++) {
            for (String f : List.of("hessianTop", "hessianTrace", "subsetRIG")) {
                assertEquals(new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(i)).get(f),
                        new com.fasterxml.jackson.databind.ObjectMapper().readTree(splitLines.get(i)).get(f), f + " epoch " + (i + 1));
            }
        }
        assertArrayEquals(Files.readAllBytes(out.resolve("weights.safetensors")), Files.readAllBytes(split.resolve("weights.safetensors")));
    }

    @Test
    void badValuesEndInOneLineAndExitTwo() {
        String[][] cases = {
            {"--track-sharpness -1", "gradreg: --track-sharpness must be >= 0 epochs (0 = off), got -1"},
            {"--track-sharpness 1 --sharpness-hutchinson 1", "gradreg: --sharpness-hutchinson must be >= 2 probes (for an error bar), got 1"},
            {"--every 0", "gradreg: --every must be >= 1, got 0"},
            {"--reuse", "gradreg: --reuse needs --every K with K >= 2 (with K = 1 every step is a full step)"},
            {"--clip-grad-norm -1", "gradreg: --clip-grad-norm must be a positive number (0 = off), got -1.0"},
            {"--rho-schedule warmup:x", "gradreg: --rho-schedule warmup:STEPS needs a whole number of steps >= 1, got 'warmup:x'"},
            {"--method gr --rho-schedule follow-lr", "gradreg: --rho-schedule: gr(forward, gamma=0.1, eps=0.01) has no rho (it applies to sam, asam, gsam, fishersam, esam, fsam, wsam)"},
            {"--method confpen --every 2 --reuse", "gradreg: --reuse needs the plain gradient g of a full step, which confpen does not compute"},
        };
        for (String[] c : cases) {
            Path out = tmp.resolve("bad" + Math.abs(c[0].hashCode()));
            CliTest.Result r = CliTest.run(train(out, c[0].split(" ")));
            assertEquals(2, r.code(), c[0] + ": " + r.err());
            assertEquals(c[1], r.err().strip(), c[0]);
            assertFalse(Files.exists(out.resolve("metrics.jsonl")), c[0]);
        }
    }
}
