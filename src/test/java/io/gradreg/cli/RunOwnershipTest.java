package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.HostArrays;
import io.gradreg.io.Npz;
import io.gradreg.io.RunLock;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Output directories are owned: one writer at a time, no run replaced without --overwrite, stale locks taken over. */
class RunOwnershipTest {
    @TempDir
    static Path tmp;
    static Path blobs;

    @BeforeAll
    static void data() {
        var d = Synthetic.blobs(60, 6, 3, 1.0, 1, DType.FLOAT32);
        blobs = tmp.resolve("blobs.npz");
        Npz.write(blobs, Map.of("x", HostArrays.toHost(d.x()), "y", HostArrays.toHost(d.y())));
    }

    static List<String> train(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--data", blobs.toString(), "--model", "mlp:6-16-3", "--batch-size", "16",
                "--out", out.toString()));
        a.addAll(List.of(extra));
        return a;
    }

    static CliTest.Result run(List<String> args) {
        return CliTest.run(args.toArray(String[]::new));
    }

    @Test
    void aSecondWriterIsRefusedAtOnceWhileTheFirstRuns() throws Exception {
        Path dir = tmp.resolve("shared");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(train(dir, "--epochs", "100000", "--seed", "1"));
        Process first = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(first.getInputStream()))) {
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("epoch ")) {
                // wait until the first run is training: it has owned the directory since before it loaded the data
            }
            assertNotNull(line, "the first run ended before training");
            String expected = "gradreg: " + dir + " is in use by another gradreg process (PID " + first.pid()
                    + "); wait for it to finish or choose another --out";
            for (String[] extra : new String[][] {{"--seed", "2"}, {"--overwrite"}, {"--resume"}}) {
                CliTest.Result second = run(train(dir, extra));
                assertEquals(2, second.code(), second.out());
                assertEquals(expected, second.err().strip(), String.join(" ", extra));
            }
            assertTrue(first.isAlive(), "the first run goes on");
            first.toHandle().destroy(); // SIGTERM: checkpoint and exit 130
            StringBuilder rest = new StringBuilder();
            for (String l; (l = in.readLine()) != null; ) {
                rest.append(l).append('\n');
            }
            assertTrue(first.waitFor(60, TimeUnit.SECONDS));
            assertTrue(rest.toString().contains("checkpoint written"), rest.toString());
        }
        List<String> metrics = Files.readAllLines(dir.resolve("metrics.jsonl"));
        assertTrue(metrics.stream().allMatch(l -> l.startsWith("{\"epoch\":")), "only the first run's lines");
        for (int i = 0; i < metrics.size(); i++) {
            assertTrue(metrics.get(i).startsWith("{\"epoch\":" + (i + 1) + ","), "one line per epoch, in order: " + metrics);
        }
        // now that it is gone, the interrupted run can be continued, but not started over by accident
        CliTest.Result again = run(train(dir, "--epochs", "1"));
        assertEquals(2, again.code());
        assertEquals("gradreg: " + dir + " already holds a run: choose another --out, continue it with --resume,"
                + " or replace it with --overwrite", again.err().strip());
    }

    @Test
    void aFinishedRunIsReplacedOnlyWithOverwrite() throws Exception {
        Path dir = tmp.resolve("finished");
        assertEquals(0, run(train(dir, "--epochs", "3")).code());
        byte[] weights = Files.readAllBytes(dir.resolve("weights.safetensors"));
        CliTest.Result refused = run(train(dir, "--epochs", "2", "--lr", "0.5"));
        assertEquals(2, refused.code());
        assertEquals("gradreg: " + dir + " already holds a run: choose another --out, continue it with --resume,"
                + " or replace it with --overwrite", refused.err().strip());
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("weights.safetensors")), "the refused run changed nothing");
        assertEquals(3, Files.readAllLines(dir.resolve("metrics.jsonl")).size());

        CliTest.Result both = run(train(dir, "--resume", "--overwrite"));
        assertEquals(2, both.code());
        assertEquals("gradreg: give --resume or --overwrite, not both", both.err().strip());

        CliTest.Result replaced = run(train(dir, "--epochs", "2", "--lr", "0.5", "--overwrite"));
        assertEquals(0, replaced.code(), replaced.err());
        assertEquals(2, Files.readAllLines(dir.resolve("metrics.jsonl")).size(), "only the new run's epochs");
        assertTrue(io.gradreg.io.Json.read(dir.resolve("config.json")).get("command").asText().contains("--lr 0.5"));
        assertFalse(io.gradreg.io.Json.read(dir.resolve("config.json")).get("settings").has("--overwrite"), "not a setting of the run");
    }

    @Test
    void aStaleLockOfADeadProcessIsTakenOver() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("stale"));
        Process dead = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-version")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(dead.waitFor(60, TimeUnit.SECONDS));
        Files.writeString(dir.resolve(RunLock.FILE), dead.pid() + "\n");
        CliTest.Result r = run(train(dir, "--epochs", "1"));
        assertEquals(0, r.code(), r.err());
        assertEquals(String.valueOf(ProcessHandle.current().pid()), Files.readString(dir.resolve(RunLock.FILE)).strip());
    }

    /** sweep, reproduce, analyze, bench and demo refuse an output directory another gradreg holds (here: this JVM). */
    @Test
    void everyCommandWithAnOutputDirectoryTakesItsLock() throws Exception {
        Path run = tmp.resolve("for-analyze");
        assertEquals(0, run(train(run, "--epochs", "1")).code());
        Path spec = Files.writeString(tmp.resolve("sweep.yaml"), "name: s\nbase: {data: " + blobs + ", model: \"mlp:6-3\", epochs: 1}\n"
                + "grid: {seed: [0]}\n");
        Map<String, List<String>> commands = Map.of(
                "sweep", List.of("sweep", spec.toString(), "--jobs", "1", "--out"),
                "reproduce", List.of("reproduce", "igr-two-param", "--quick", "--out"),
                "analyze", List.of("analyze", run.toString(), "--max-iters", "2", "--out"),
                "bench", List.of("bench", "--steps", "1", "--out"),
                "demo", List.of("demo", "--epochs", "1", "--out"));
        for (var c : commands.entrySet()) {
            Path dir = tmp.resolve("held-" + c.getKey());
            try (RunLock held = RunLock.acquire(dir, "--out")) {
                List<String> args = new ArrayList<>(c.getValue());
                args.add(dir.toString());
                CliTest.Result r = run(args);
                assertEquals(2, r.code(), c.getKey() + ": " + r.out() + r.err());
                assertEquals("gradreg: " + dir + " is in use by another gradreg process (PID " + ProcessHandle.current().pid()
                        + "); wait for it to finish or choose another --out", r.err().strip(), c.getKey());
            }
        }
    }
}
