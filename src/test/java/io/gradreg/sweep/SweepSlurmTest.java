package io.gradreg.sweep;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.GradregException;
import io.gradreg.cli.Main;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.HostArrays;
import io.gradreg.io.Json;
import io.gradreg.io.Npz;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Slurm side of sweeps that needs no Slurm: the sbatch script, one array task, and --collect. */
class SweepSlurmTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    Path spec(String epochs) {
        var d = Synthetic.blobs(48, 6, 3, 1.0, 1, DType.FLOAT32);
        Path npz = tmp.resolve("d.npz");
        Npz.write(npz, Map.of("x", HostArrays.toHost(d.x()), "y", HostArrays.toHost(d.y())));
        try {
            return Files.writeString(tmp.resolve("s.yaml"), """
                    name: small
                    out: %s
                    base: {data: %s, model: "mlp:6-8-3", epochs: %s, batch-size: 16, test-data: %s}
                    variants:
                      plain: {method: plain}
                      sam: {method: sam, rho: 0.05}
                    grid:
                      seed: [0, 1]
                    """.formatted(tmp.resolve("out"), npz, epochs, npz));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theSbatchScriptHasOneArrayTaskPerRunAndRunsThemWithTheirCpus() {
        SweepSpec s = SweepSpec.parse("name: my sweep\nout: /data/sw\nbase: {model: 'mlp:2-2'}\ngrid: {seed: [0, 1, 2, 3, 4]}", "s.yaml");
        Slurm.Options o = new Slurm.Options("short", "0:30:00", 2, "4G", 3, List.of("--account=abc", "--qos=low"));
        String script = Slurm.script(s, Path.of("/home/me/s.yaml"), List.of(4, 0, 1, 3), o,
                List.of("/opt/jdk/bin/java", "-cp", "/x/classes:/y/it's.jar", "io.gradreg.cli.Main"), Path.of("/home/me"));
        assertEquals("""
                #!/bin/bash
                # gradreg sweep my sweep: 4 of 5 runs, one array task each (written by gradreg sweep --slurm; resubmit with the same command).
                #SBATCH --job-name=gradreg-my-sweep
                #SBATCH --array=0-1,3-4%3
                #SBATCH --ntasks=1
                #SBATCH --cpus-per-task=2
                #SBATCH --partition=short
                #SBATCH --time=0:30:00
                #SBATCH --mem=4G
                #SBATCH --requeue
                #SBATCH --open-mode=append
                #SBATCH --output=/data/sw/slurm/%A_%a.out
                #SBATCH --account=abc
                #SBATCH --qos=low

                cd /home/me
                exec /opt/jdk/bin/java -cp '/x/classes:/y/it'\\''s.jar' io.gradreg.cli.Main sweep /home/me/s.yaml --out /data/sw \
                --task "$SLURM_ARRAY_TASK_ID" --threads "${SLURM_CPUS_PER_TASK:-1}"
                """.replace(" \\\n", " "), script);
        assertEquals("--cpus-per-task must be >= 1, got 0", assertThrows(GradregException.class, () -> Slurm.script(s, Path.of("s.yaml"),
                List.of(0), new Slurm.Options(null, null, 0, null, 0, List.of()), List.of("java"), Path.of(""))).getMessage());
    }

    @Test
    void theSweepSetsThreadsAndWorldSizeItself() {
        assertEquals("t.yaml: 'world-size' is set by the sweep itself",
                assertThrows(GradregException.class, () -> SweepSpec.parse("name: a\nbase: {model: 'mlp:2-2', world-size: 2}", "t.yaml"))
                        .getMessage());
    }

    @Test
    void arrayRanges() {
        assertEquals("0-2,5,7-8", Slurm.ranges(List.of(8, 0, 1, 2, 5, 7)));
        assertEquals("3", Slurm.ranges(List.of(3)));
    }

    @Test
    void aDryRunPrintsTheScriptWithoutTheFinishedRunsAndWritesNothing() throws Exception {
        Path spec = spec("1");
        Path done = Files.createDirectories(tmp.resolve("out/plain_seed=1"));
        Files.writeString(done.resolve("summary.json"), "{}");
        Result r = run("sweep", spec.toString(), "--slurm", "--dry-run", "--cpus-per-task", "2", "--jobs", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\n#SBATCH --array=0,2-3%2\n"), r.out());
        assertTrue(r.out().contains("\n#SBATCH --cpus-per-task=2\n"), r.out());
        assertTrue(r.out().contains(" io.gradreg.cli.Main sweep " + spec + " --out " + tmp.resolve("out") + " --task \"$SLURM_ARRAY_TASK_ID\""), r.out());
        assertFalse(Files.exists(tmp.resolve("out/slurm")));
        assertEquals("gradreg: give at most one of --slurm, --task and --collect\n", run("sweep", spec.toString(), "--slurm", "--collect").err());
    }

    @Test
    void aTaskRunsItsOneRunWithItsThreadsAndSkipsOrResumesItWhenRunAgain() throws Exception {
        Path spec = spec("2");
        Result r = run("sweep", spec.toString(), "--task", "2", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("task 2 of 4: starting sam_seed=0 with 2 thread(s)\ntask 2 of 4: done sam_seed=0: "), r.out());
        try (var dirs = Files.list(tmp.resolve("out"))) {
            assertEquals(List.of("sam_seed=0"), dirs.map(p -> p.getFileName().toString()).toList());
        }
        Path run = tmp.resolve("out/sam_seed=0");
        assertEquals(2, Json.read(run.resolve("config.json")).get("threads").asInt());
        assertEquals("0", Json.read(run.resolve("config.json")).get("settings").get("--seed").asText());

        assertEquals("task 2 of 4: skipped sam_seed=0: already done\n", run("sweep", spec.toString(), "--task", "2").out());
        // a run stopped after its last checkpoint (preempted, say) is resumed, not restarted
        Files.delete(run.resolve("summary.json"));
        Result resumed = run("sweep", spec.toString(), "--task", "2", "--threads", "1");
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().startsWith("task 2 of 4: resuming sam_seed=0 with 1 thread(s)\n"), resumed.out());
        assertTrue(Files.readString(run.resolve("log.txt")).startsWith("resuming " + run + " at epoch 2"), Files.readString(run.resolve("log.txt")));
        assertEquals("gradreg: --task must be in 0..3 (the sweep has 4 runs), got 4\n", run("sweep", spec.toString(), "--task", "4").err());
    }

    @Test
    void collectTabulatesTheFinishedRunsAndCountsTheOthers() throws Exception {
        Path spec = spec("1");
        Path out = tmp.resolve("out");
        Files.writeString(Files.createDirectories(out.resolve("plain_seed=0")).resolve("summary.json"),
                "{\"final_test_accuracy\": 0.75, \"best_test_accuracy\": 0.8, \"final_train_loss\": 0.5, \"final_R_IG\": 0.01}");
        Files.writeString(Files.createDirectories(out.resolve("plain_seed=1")).resolve("log.txt"), "training...\ngradreg: data.npz: no such file\n");
        Files.writeString(Files.createDirectories(out.resolve("sam_seed=0")).resolve("log.txt"), "resuming at epoch 1\n");
        Result r = run("sweep", spec.toString(), "--collect");
        assertEquals(2, r.code());
        assertEquals("gradreg: 1 of 4 runs failed; their log.txt says why; resubmit to retry them\n", r.err());
        assertTrue(r.out().contains("\ncollected 1 of 4 runs into " + out + " (runs.csv, summary.csv, summary.md); 2 missing, 1 failed\n"
                + "  failed (see their log.txt): plain_seed=1\n"
                + "  started, not finished (running, or stopped: resubmit to resume): sam_seed=0\n"
                + "  not started: sam_seed=1\n"), r.out());
        assertEquals(List.of("variant,seed,final_test_accuracy,best_test_accuracy,final_train_loss,final_R_IG", "plain,0,0.75,0.8,0.5,0.01"),
                Files.readAllLines(out.resolve("runs.csv")));
        assertEquals("| variant | n | final test acc | best test acc | final train loss | R_IG |", Files.readAllLines(out.resolve("summary.md")).get(0));
    }
}
