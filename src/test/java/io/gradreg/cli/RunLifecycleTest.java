package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.HostArrays;
import io.gradreg.io.Json;
import io.gradreg.io.Npz;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs that stop and go on: resume, interruption by a signal, divergence, and scoring the result with eval. */
class RunLifecycleTest {
    @TempDir
    static Path tmp;
    static Path blobs;
    static Path regression;

    @BeforeAll
    static void data() {
        var d = Synthetic.blobs(60, 6, 3, 1.0, 1, DType.FLOAT32);
        blobs = tmp.resolve("blobs.npz");
        Npz.write(blobs, Map.of("x", HostArrays.toHost(d.x()), "y", HostArrays.toHost(d.y())));
        var r = Synthetic.gaussianRegression(64, 6, 1, 2, DType.FLOAT32);
        regression = tmp.resolve("regression.npz");
        Npz.write(regression, Map.of("x", HostArrays.toHost(r.x()), "y", HostArrays.toHost(r.y())));
    }

    static String[] train(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--data", blobs.toString(), "--model", "mlp:6-16-3", "--method", "gr",
                "--second-order", "exact", "--gamma", "0.05", "--momentum", "0.9", "--dropout", "0.1", "--batch-size", "16",
                "--out", out.toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    /** The first fields of every metrics line: epoch, step, lr, losses and accuracies, not the timing. */
    static List<String> metrics(Path run) throws Exception {
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream().map(l -> l.substring(0, l.indexOf(",\"grad_norm\""))).toList();
    }

    @Test
    void aFinishedRunResumedWithMoreEpochsEqualsOneLongRun() throws Exception {
        Path whole = tmp.resolve("whole");
        Path split = tmp.resolve("split");
        assertEquals(0, CliTest.run(train(whole, "--epochs", "4")).code());
        assertEquals(0, CliTest.run(train(split, "--epochs", "2")).code());
        CliTest.Result r = CliTest.run("train", "--out", split.toString(), "--resume", "--epochs", "4");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("resuming " + split + " at epoch 2, step 8 of 16"), r.out());
        assertArrayEquals(Files.readAllBytes(whole.resolve("weights.safetensors")), Files.readAllBytes(split.resolve("weights.safetensors")));
        assertEquals(metrics(whole), metrics(split));
        assertEquals("4", Json.read(split.resolve("config.json")).get("settings").get("--epochs").asText());
    }

    @Test
    void resumeRefusesOtherSettingsAndMissingCheckpoints() {
        Path run = tmp.resolve("refuse");
        assertEquals(0, CliTest.run(train(run, "--epochs", "1")).code());
        CliTest.Result other = CliTest.run(train(run, "--resume", "--lr", "0.5"));
        assertEquals(2, other.code());
        assertEquals("gradreg: --lr 0.5 differs from the run in " + run + " (0.1): --resume continues a run with its own settings",
                other.err().strip());
        CliTest.Result same = CliTest.run(train(run, "--resume", "--epochs", "1"));
        assertEquals(0, same.code(), "repeating the original command with --resume is accepted: " + same.err());
        CliTest.Result none = CliTest.run("train", "--out", tmp.resolve("empty").toString(), "--resume");
        assertEquals(2, none.code());
        assertEquals("gradreg: " + tmp.resolve("empty") + ": no checkpoint to resume from (checkpoint.pt is missing)", none.err().strip());
    }

    @Test
    void sigtermStopsAfterTheCurrentStepAndTheResumedRunEndsBitIdentical() throws Exception {
        Path whole = tmp.resolve("sig-whole");
        Path cut = tmp.resolve("sig-cut");
        assertEquals(0, CliTest.run(train(whole, "--epochs", "40")).code());

        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(train(cut, "--epochs", "40")));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
                if (line.startsWith("epoch   2 ")) {
                    p.toHandle().destroy(); // SIGTERM, as `kill` sends; Ctrl-C takes the same path. Process.destroy would also close our end of the pipe.
                }
            }
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String log = String.join("\n", lines);
        assertTrue(log.contains("checkpoint written. Continue with: gradreg train --out " + cut + " --resume"), log);
        assertFalse(Files.exists(cut.resolve("weights.safetensors")), "an interrupted run has no final weights");
        int epochsBefore = metrics(cut).size();
        assertTrue(epochsBefore >= 2 && epochsBefore < 40, log);

        // resumed in another JVM than the uninterrupted run: nothing that varies per process (map order, times) may reach the files
        List<String> resume = new ArrayList<>(cmd.subList(0, 4));
        resume.addAll(List.of("train", "--out", cut.toString(), "--resume"));
        Process r = new ProcessBuilder(resume).redirectErrorStream(true).start();
        String out = new String(r.getInputStream().readAllBytes());
        assertTrue(r.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, r.exitValue(), out);
        for (String f : new String[] {"weights.safetensors", "summary.json"}) {
            assertArrayEquals(Files.readAllBytes(whole.resolve(f)), Files.readAllBytes(cut.resolve(f)), f + " differs byte for byte");
        }
        assertEquals(metrics(whole), metrics(cut));
    }

    @Test
    void aDivergingRunStopsNamesTheStepAndKeepsTheLastGoodCheckpoint() throws Exception {
        Path run = tmp.resolve("diverge");
        // squared error with a rate far above 2 / (largest curvature): the loss grows geometrically until it overflows
        CliTest.Result r = CliTest.run("train", "--data", regression.toString(), "--model", "mlp:6-1", "--lr", "2",
                "--batch-size", "64", "--epochs", "500", "--out", run.toString());
        assertEquals(2, r.code());
        var m = java.util.regex.Pattern.compile("gradreg: the loss became (NaN|Infinity) at step (\\d+); parameters are left at step (\\d+);"
                + " the last good checkpoint \\(epoch (\\d+)\\) is " + java.util.regex.Pattern.quote(run.resolve("checkpoint.pt").toString()))
                .matcher(r.err().strip());
        assertTrue(m.matches(), r.err());
        long bad = Long.parseLong(m.group(2));
        assertTrue(bad > 5, "diverges only after some epochs: step " + bad);
        assertEquals(bad - 1, Long.parseLong(m.group(4)), "one step per epoch: the checkpoint is of the step before");
        assertEquals(bad - 1, metrics(run).size());
        assertFalse(Files.exists(run.resolve("weights.safetensors")));
        assertFalse(Files.exists(run.resolve("summary.json")));
        try (Stream<Path> s = Files.list(run)) {
            assertEquals(List.of(), s.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList(), "no temporary files left");
        }
    }

    @Test
    void evalScoresARunsWeightsLikeTrainingDid() throws Exception {
        Path run = tmp.resolve("scored");
        assertEquals(0, CliTest.run(train(run, "--epochs", "3")).code());
        double trainLoss = Json.read(run.resolve("summary.json")).get("final_train_loss").asDouble();
        CliTest.Result byRun = CliTest.run("eval", "--run", run.toString(), "--json");
        assertEquals(0, byRun.code(), byRun.err());
        var j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(byRun.out());
        assertEquals("all", j.get("split").asText());
        assertEquals(60, j.get("samples").asInt());
        assertEquals(trainLoss, j.get("loss").asDouble(), 1e-12 * trainLoss);

        CliTest.Result explicit = CliTest.run("eval", "--weights", run.resolve("weights.safetensors").toString(), "--data", blobs.toString(),
                "--model", "mlp:6-16-3", "--dropout", "0.1");
        assertEquals(0, explicit.code(), explicit.err());
        assertTrue(explicit.out().startsWith(String.format("all: loss %.6f  accuracy ", trainLoss)), explicit.out());

        CliTest.Result noDropout = CliTest.run("eval", "--weights", run.resolve("weights.safetensors").toString(), "--data", blobs.toString(),
                "--model", "mlp:6-16-3");
        assertEquals(2, noDropout.code());
        assertTrue(noDropout.err().startsWith("gradreg: " + run.resolve("weights.safetensors") + ": tensor '3.weight' does not belong to this model"),
                noDropout.err());
        CliTest.Result noWeights = CliTest.run("eval", "--data", blobs.toString(), "--model", "mlp:6-3");
        assertEquals("gradreg: missing --weights (or --run DIR)", noWeights.err().strip());
    }

    @Test
    void accumulatingMicroBatchesEndsAtTheUnsplitWeights() {
        Path whole = tmp.resolve("acc1");
        Path split = tmp.resolve("acc3");
        String[] common = {"train", "--data", blobs.toString(), "--model", "mlp:6-16-3", "--method", "sam", "--dtype", "float64",
                "--momentum", "0.9", "--batch-size", "16", "--epochs", "3"};
        assertEquals(0, CliTest.run(concat(common, "--out", whole.toString())).code());
        CliTest.Result r = CliTest.run(concat(common, "--accumulate", "3", "--out", split.toString()));
        assertEquals(0, r.code(), r.err());
        var a = io.gradreg.io.Safetensors.read(whole.resolve("weights.safetensors"));
        var b = io.gradreg.io.Safetensors.read(split.resolve("weights.safetensors"));
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toDoubleArray(), b.get(k).toDoubleArray(), 1e-10, k);
        }
        CliTest.Result bad = CliTest.run(concat(common, "--accumulate", "17", "--out", tmp.resolve("acc-bad").toString()));
        assertEquals("gradreg: --accumulate must be between 1 and the batch size (16), got 17", bad.err().strip());
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
