package io.gradreg.sweep;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.cli.Main;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.HostArrays;
import io.gradreg.io.Npz;
import io.gradreg.io.Safetensors;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against a real Slurm (.ci/slurm-up.sh starts a single-node one): a sweep submitted as a job
 * array, preempted mid-run by a requeue, ends with the local sweep's tables; a 2-task srun
 * data-parallel train ends at one process's weights. Without Slurm the class is skipped, loudly;
 * with {@code GRADREG_SLURM=required} (set by .ci/run once it started Slurm) it fails instead.
 */
class SlurmClusterTest {
    @TempDir
    static Path tmp;
    static Path npz;

    /** Why Slurm is not usable, or null; checked once. */
    static String missing;

    @BeforeAll
    static void slurm() {
        missing = unavailable();
        if (missing != null) {
            if ("required".equals(System.getenv("GRADREG_SLURM"))) {
                fail("GRADREG_SLURM=required, but " + missing);
            }
            System.err.println("SKIPPED SlurmClusterTest: " + missing + "; .ci/slurm-up.sh (as root) starts a single-node Slurm");
            return;
        }
        var d = Synthetic.blobs(48, 6, 3, 1.0, 1, DType.FLOAT64);
        npz = tmp.resolve("d.npz");
        Npz.write(npz, Map.of("x", HostArrays.toHost(d.x()), "y", HostArrays.toHost(d.y())));
    }

    /** Each test is reported as skipped (not passed, and not absent) when there is no Slurm. */
    @BeforeEach
    void needsSlurm() {
        Assumptions.assumeTrue(missing == null, () -> "no Slurm: " + missing);
    }

    /** Why Slurm cannot run jobs here, or null when its node is up. */
    static String unavailable() {
        try {
            Process p = new ProcessBuilder("sinfo", "-h", "-N", "-o", "%t").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "sinfo failed: " + out.lines().findFirst().orElse("exit code " + p.exitValue());
            }
            String state = out.lines().findFirst().orElse("");
            return state.matches("(idle|mix|alloc|comp).*") ? null : "the Slurm node is '" + state + "', not up";
        } catch (IOException e) {
            return "no Slurm here (sinfo: " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    record Result(int code, String out, String err) {}

    static Result gradreg(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    /** Runs a Slurm command, returns its output; fails the test when it fails. */
    static String sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " did not end");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out.strip();
    }

    @Test
    void aSweepArrayPreemptedAndRequeuedCollectsTheLocalSweepsTables() throws Exception {
        Path spec = Files.writeString(tmp.resolve("s.yaml"), """
                name: slurm-test
                base: {data: %s, test-data: %s, model: "mlp:6-16-3", dtype: float64, epochs: 40, batch-size: 16}
                variants:
                  plain: {method: plain}
                  sam: {method: sam, rho: 0.05}
                grid:
                  seed: [0, 1]
                """.formatted(npz, npz));
        Result local = gradreg("sweep", spec.toString(), "--out", tmp.resolve("local").toString(), "--jobs", "2");
        assertEquals(0, local.code(), local.err() + local.out());

        Path out = tmp.resolve("slurm");
        long t0 = System.nanoTime();
        Result sub = gradreg("sweep", spec.toString(), "--out", out.toString(), "--slurm", "--time", "10", "--mem", "1G");
        assertEquals(0, sub.code(), sub.err() + sub.out());
        String job = sub.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(job.matches("\\d+"), sub.out());

        // Preempt: as soon as one run has a checkpoint, requeue every running task (SIGTERM, then
        // back to pending), and make the requeued tasks eligible now instead of in Slurm's 2 minutes.
        Set<String> requeued = new LinkedHashSet<>();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (true) {
            String queue = sh("squeue", "-h", "-j", job, "-o", "%i %t %r");
            if (queue.isEmpty()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                sh("scancel", job);
                fail("the array did not finish within 10 minutes:\n" + queue);
            }
            if (requeued.isEmpty() && anyCheckpoint(out)) {
                for (String line : queue.lines().toList()) {
                    String[] f = line.split(" ");
                    if (f[1].equals("R")) {
                        sh("scontrol", "requeue", f[0]);
                        requeued.add(f[0]);
                    }
                }
            }
            for (String line : queue.lines().toList()) {
                String[] f = line.split(" ");
                if (f[1].equals("PD") && f.length > 2 && f[2].equals("BeginTime")) {
                    sh("scontrol", "update", "jobid=" + f[0], "starttime=now");
                }
            }
            Thread.sleep(200);
        }
        Result collected = gradreg("sweep", spec.toString(), "--out", out.toString(), "--collect");
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.err.printf("SlurmClusterTest: 4-run job array %s, %d task(s) requeued mid-run, submitted to collected in %.0f s%n",
                job, requeued.size(), seconds);
        assertEquals(0, collected.code(), collected.err() + collected.out());
        assertTrue(collected.out().contains("collected 4 of 4 runs into " + out + " (runs.csv, summary.csv, summary.md); 0 missing, 0 failed"),
                collected.out());
        for (String f : List.of("runs.csv", "summary.csv", "summary.md")) {
            assertEquals(Files.readString(tmp.resolve("local").resolve(f)), Files.readString(out.resolve(f)), f);
        }

        // At least one task was stopped mid-run by the requeue and its run resumed from the checkpoint.
        assertFalse(requeued.isEmpty(), "no task was running when the first checkpoint appeared");
        List<String> resumed = new ArrayList<>();
        List<SweepSpec.Run> runs = SweepSpec.read(spec).runs();
        for (String task : requeued) {
            int i = Integer.parseInt(task.substring(task.indexOf('_') + 1));
            String taskLog = Files.readString(out.resolve("slurm").resolve(task + ".out"));
            String runLog = Files.readString(out.resolve(runs.get(i).id()).resolve("log.txt"));
            if (taskLog.contains("DUE TO JOB REQUEUE") && taskLog.contains("task " + i + " of 4: resuming " + runs.get(i).id())
                    && runLog.startsWith("resuming ")) {
                resumed.add(task);
            }
            assertTrue(taskLog.strip().endsWith("task " + i + " of 4: done " + runs.get(i).id() + ": " + lastWord(taskLog)), taskLog);
        }
        assertFalse(resumed.isEmpty(), "no requeued task resumed from a checkpoint: " + requeued);

        Result again = gradreg("sweep", spec.toString(), "--out", out.toString(), "--slurm");
        assertEquals("sweep slurm-test: all 4 runs have finished; nothing to submit. Tables: gradreg sweep " + spec + " --collect\n", again.out());
    }

    private static String lastWord(String s) {
        String[] w = s.strip().split(": ");
        return w[w.length - 1];
    }

    private static boolean anyCheckpoint(Path out) throws IOException {
        if (!Files.isDirectory(out)) {
            return false;
        }
        try (var dirs = Files.list(out)) {
            return dirs.anyMatch(d -> Files.isRegularFile(d.resolve("checkpoint.pt")));
        }
    }

    @Test
    void aTwoTaskSrunTrainEndsAtTheWeightsOfOneProcess() throws Exception {
        List<String> train = List.of("train", "--data", npz.toString(), "--model", "mlp:6-16-3", "--method", "gr", "--second-order", "exact",
                "--dtype", "float64", "--momentum", "0.9", "--batch-size", "16", "--epochs", "3");
        Path one = tmp.resolve("one");
        List<String> a = new ArrayList<>(train);
        a.addAll(List.of("--out", one.toString(), "--threads", "1"));
        Result r = gradreg(a.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());

        // No --world-size, --rank or --master: they come from the srun step.
        Path two = tmp.resolve("two");
        List<String> cmd = new ArrayList<>(List.of("srun", "--ntasks=2", "--cpus-per-task=1", "--time=5", "--chdir=" + tmp));
        List<String> b = new ArrayList<>(train);
        b.addAll(List.of("--out", two.toString()));
        cmd.addAll(Worker.command(b.toArray(String[]::new)));
        Path log = tmp.resolve("srun.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroy();
            fail("srun did not end within 5 minutes: " + Files.readString(log));
        }
        String output = Files.readString(log);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("slurm step: worker 0 of 2, master "), output);
        assertTrue(output.contains("slurm step: worker 1 of 2, master "), output);
        var w1 = Safetensors.read(one.resolve("weights.safetensors"));
        var w2 = Safetensors.read(two.resolve("weights.safetensors"));
        assertEquals(w1.keySet(), w2.keySet());
        for (String k : w1.keySet()) {
            assertArrayEquals(w1.get(k).toDoubleArray(), w2.get(k).toDoubleArray(), 1e-10, k);
        }
    }
}
