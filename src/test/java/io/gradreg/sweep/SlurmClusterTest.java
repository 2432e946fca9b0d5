package io.gradreg.sweep;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.cli.Main;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.HostArrays;
import io.gradreg.io.Json;
import io.gradreg.io.Npz;
import io.gradreg.io.Safetensors;
import io.gradreg.train.SlurmTasks;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against the two-node Slurm that .ci/slurm-up.sh starts on this machine: node1 (10.77.0.1) and
 * node2 (10.77.0.2), each a network namespace with its own hostname and slurmd, slurmctld at
 * 10.77.0.254, and this machine's filesystem shared by all (the temporary directory here plays
 * the part of a cluster's NFS or Lustre). It checks that
 * <ul>
 *   <li>a 2x2 sweep array spread over both nodes, requeued mid-run, collects the local sweep's tables;</li>
 *   <li>{@code srun -N2 -n2} and {@code -N2 -n4} trains end at one process's weights (float64, 1e-10),
 *       each worker joining the master at node1's address through the interface of its route there
 *       (or GLOO_SOCKET_IFNAME);</li>
 *   <li>a wrong or unreachable master fails within --dist-timeout with one line naming the address;</li>
 *   <li>a node lost mid-run (its link down, then all its processes killed) ends the surviving rank
 *       within the timeout with one line, and the requeued job resumes from the last checkpoint
 *       once the node is back, ending bit-identical to an uninterrupted run;</li>
 *   <li>with task/cgroup, a task of --cpus-per-task 1 sees one core and gradreg uses one thread.</li>
 * </ul>
 * Without that cluster the class is skipped, loudly; with {@code GRADREG_SLURM=required} (set by
 * .ci/run once the cluster is up) it fails instead. The cgroup test is skipped, with the reason
 * slurm-up.sh gave, where the kernel does not let Slurm use cgroups.
 */
class SlurmClusterTest {
    @TempDir
    static Path tmp;
    static Path npz;

    /** Why the two-node cluster is not usable, or null; checked once. */
    static String missing;
    /** cluster.env as written by .ci/slurm-up.sh. */
    static Map<String, String> cluster = Map.of();

    static final String STATE = System.getenv().getOrDefault("GRADREG_SLURM_STATE", "/run/gradreg-slurm");
    /** --dist-timeout of the runs that are meant to fail (seconds). */
    static final int TIMEOUT = 10;

    /** The data-parallel run every multi-node check compares against: float64, exact GR with momentum. */
    static final List<String> TRAIN = List.of("train", "--model", "mlp:6-16-3", "--method", "gr", "--second-order", "exact",
            "--dtype", "float64", "--momentum", "0.9", "--batch-size", "16");
    /** Long enough (about 5 s of steps on two nodes here) for a node to be lost after the first checkpoint. */
    static final String LONG_EPOCHS = "150";
    static final String SHORT_EPOCHS = "3";

    @BeforeAll
    static void slurm() {
        missing = unavailable();
        if (missing != null) {
            if ("required".equals(System.getenv("GRADREG_SLURM"))) {
                fail("GRADREG_SLURM=required, but " + missing);
            }
            System.err.println("SKIPPED SlurmClusterTest: " + missing + "; .ci/slurm-up.sh (as root) starts a two-node Slurm in network namespaces");
            return;
        }
        var d = Synthetic.blobs(48, 6, 3, 1.0, 1, DType.FLOAT64);
        npz = tmp.resolve("d.npz");
        Npz.write(npz, Map.of("x", HostArrays.toHost(d.x()), "y", HostArrays.toHost(d.y())));
    }

    /** Each test is reported as skipped (not passed, and not absent) when there is no cluster. */
    @BeforeEach
    void needsSlurm() {
        Assumptions.assumeTrue(missing == null, () -> "no two-node Slurm: " + missing);
    }

    /** Why the two-node test cluster cannot run jobs here, or null when both nodes are up. */
    static String unavailable() {
        Path env = Path.of(STATE, "cluster.env");
        if (!Files.isRegularFile(env)) {
            return "no two-node test cluster (" + env + " is missing)";
        }
        try {
            Map<String, String> c = new LinkedHashMap<>();
            for (String line : Files.readAllLines(env)) {
                int eq = line.indexOf('=');
                if (!line.startsWith("#") && eq > 0) {
                    c.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            cluster = c;
            Process p = new ProcessBuilder("sinfo", "-h", "-N", "-o", "%N %t").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "sinfo failed: " + out.lines().findFirst().orElse("exit code " + p.exitValue());
            }
            Set<String> up = new TreeSet<>();
            out.lines().map(l -> l.split(" ")).filter(f -> f.length == 2 && f[1].matches("(idle|mix|alloc).*")).forEach(f -> up.add(f[0]));
            return up.equals(Set.of("node1", "node2")) ? null : "the test cluster's nodes are not both up: " + out.replace('\n', ';');
        } catch (IOException e) {
            return "no Slurm here (" + e.getMessage() + ")";
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

    /** Every state of a job that has not ended, for squeue (its default leaves out the requeue states). */
    static final String LIVE = "PD,R,CG,CF,RQ,RF,RH,RS,S,SO,SI,ST";

    /** Runs a command, returns its output; fails the test when it fails. */
    static String sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " did not end");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out.strip();
    }

    /** A running command whose output lines are kept with the time each arrived. */
    static final class Live {
        record Line(long nanos, String text) {}

        final Process process;
        final List<Line> lines = new ArrayList<>();
        final Thread reader;

        Live(List<String> cmd, Map<String, String> env) throws IOException {
            ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
            b.environment().putAll(env);
            process = b.start();
            reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        synchronized (lines) {
                            lines.add(new Line(System.nanoTime(), l));
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            reader.start();
        }

        int await(long minutes) throws Exception {
            if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
                process.destroy();
                fail(String.join(" ", process.info().arguments().map(List::of).orElse(List.of())) + " did not end within " + minutes
                        + " minutes:\n" + output());
            }
            reader.join(10_000);
            return process.exitValue();
        }

        String output() {
            synchronized (lines) {
                StringBuilder s = new StringBuilder();
                lines.forEach(l -> s.append(l.text()).append('\n'));
                return s.toString();
            }
        }

        /** When the first line matching {@code p} arrived. */
        long when(Predicate<String> p) {
            synchronized (lines) {
                return lines.stream().filter(l -> p.test(l.text())).mapToLong(Line::nanos).findFirst()
                        .orElseThrow(() -> new AssertionError("no such line in:\n" + output()));
            }
        }
    }

    /** {@code srun OPTIONS... gradreg train ARGS...} from this JVM's build, in the shared directory. */
    static Live srunTrain(List<String> options, List<String> args, Map<String, String> env) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("srun", "--time=5", "--chdir=" + tmp));
        cmd.addAll(options);
        cmd.addAll(Worker.command(io.gradreg.cli.Main.class, args.toArray(String[]::new)));
        return new Live(cmd, env);
    }

    static List<String> train(String epochs, Path out, String... more) {
        List<String> a = new ArrayList<>(TRAIN);
        a.addAll(List.of("--data", npz.toString(), "--epochs", epochs, "--out", out.toString()));
        a.addAll(List.of(more));
        return a;
    }

    /** One process, in this JVM, one thread: the weights every split run must end at. */
    static synchronized Path oneProcess(String epochs) {
        Path one = tmp.resolve("one-" + epochs);
        if (!Files.exists(one.resolve("weights.safetensors"))) {
            Result r = gradreg(train(epochs, one, "--threads", "1").toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
        }
        return one;
    }

    static Path uninterrupted;

    /** {@code srun -N2 -n2} of the long run, uninterrupted: made once, compared with twice. */
    static synchronized Path twoNodes() throws Exception {
        if (uninterrupted == null) {
            Path two = tmp.resolve("two-nodes");
            Live s = srunTrain(List.of("--nodes=2", "--ntasks=2", "--cpus-per-task=1"), train(LONG_EPOCHS, two), Map.of());
            assertEquals(0, s.await(5), s.output());
            String out = s.output();
            assertTrue(out.contains("slurm step: worker 0 of 2, master node1:"), out);
            // Each worker meets the master at node1's address and binds Gloo to its own node's eth0.
            assertTrue(out.matches("(?s).*worker 0 of 2: master node1:\\d+ \\(10\\.77\\.0\\.1\\); Gloo binds to eth0 \\(10\\.77\\.0\\.1\\), the route to the master\n.*"), out);
            assertTrue(out.matches("(?s).*worker 1 of 2: master node1:\\d+ \\(10\\.77\\.0\\.1\\); Gloo binds to eth0 \\(10\\.77\\.0\\.2\\), the route to the master\n.*"), out);
            uninterrupted = two;
        }
        return uninterrupted;
    }

    static double maxDifference(Path a, Path b) {
        var w1 = Safetensors.read(a.resolve("weights.safetensors"));
        var w2 = Safetensors.read(b.resolve("weights.safetensors"));
        assertEquals(w1.keySet(), w2.keySet());
        double max = 0;
        for (String k : w1.keySet()) {
            double[] x = w1.get(k).toDoubleArray();
            double[] y = w2.get(k).toDoubleArray();
            assertEquals(x.length, y.length, k);
            for (int i = 0; i < x.length; i++) {
                max = Math.max(max, Math.abs(x[i] - y[i]));
            }
        }
        return max;
    }

    static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    @Test
    void theNodeListExpandsAsScontrolShowHostnamesDoes() throws Exception {
        for (String list : List.of("node[1-2]", "a,b", "node[12,07-09]", "n[098-100]", "n[8-10]", "n[1-2],n1", "rack[1-2]-n[3-4]",
                "gpu-a1,gpu-b[2-3]", "n[01-2]", "n[1-02]", " n1 ", "n1,,n2", "n[1-3,2]", "n[00-02],m5", "a b", "n[0-0]", "[1-2]")) {
            assertEquals(sh("scontrol", "show", "hostnames", list).lines().toList(), SlurmTasks.hostnames(list), list);
        }
    }

    @Test
    void aSweepArrayOverBothNodesPreemptedAndRequeuedCollectsTheLocalSweepsTables() throws Exception {
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
        // back to pending). Slurm starts them again after the credential lifetime (15 s on the test
        // cluster). Forcing an earlier start is a race: a task restarted in the same second as its
        // requeue is killed by slurmd ("Job credential revoked") instead of resumed (seen here).
        Set<String> requeued = new LinkedHashSet<>();
        Set<String> nodes = new TreeSet<>();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (true) {
            String queue = sh("squeue", "-h", "-j", job, "-t", LIVE, "-o", "%i %t %r %N");
            if (queue.isEmpty()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                sh("scancel", job);
                fail("the array did not finish within 10 minutes:\n" + queue);
            }
            for (String line : queue.lines().toList()) {
                String[] f = line.strip().split(" ");
                if (f[1].equals("R") && f.length > 3) {
                    nodes.add(f[3]);
                }
            }
            if (requeued.isEmpty() && anyCheckpoint(out)) {
                for (String line : queue.lines().toList()) {
                    String[] f = line.strip().split(" ");
                    if (f[1].equals("R")) {
                        sh("scontrol", "requeue", f[0]);
                        requeued.add(f[0]);
                    }
                }
            }
            Thread.sleep(200);
        }
        Result collected = gradreg("sweep", spec.toString(), "--out", out.toString(), "--collect");
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.err.printf("SlurmClusterTest: 4-run job array %s on %s, %d task(s) requeued mid-run, submitted to collected in %.0f s%n",
                job, String.join(" and ", nodes), requeued.size(), seconds);
        assertEquals(0, collected.code(), collected.err() + collected.out());
        assertTrue(collected.out().contains("collected 4 of 4 runs into " + out + " (runs.csv, summary.csv, summary.md); 0 missing, 0 failed"),
                collected.out());
        for (String f : List.of("runs.csv", "summary.csv", "summary.md")) {
            assertEquals(Files.readString(tmp.resolve("local").resolve(f)), Files.readString(out.resolve(f)), f);
        }
        assertEquals(Set.of("node1", "node2"), nodes, "the array's tasks ran on " + nodes);

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
    void twoNodeTrainsEndAtTheWeightsOfOneProcess() throws Exception {
        // -N2 -n2, master and interfaces from Slurm and the routes (checked in twoNodes()).
        double two = maxDifference(oneProcess(LONG_EPOCHS), twoNodes());
        // -N2 -n4, two workers per node, Gloo on the interface GLOO_SOCKET_IFNAME names.
        Path four = tmp.resolve("four-workers");
        Live s = srunTrain(List.of("--nodes=2", "--ntasks=4", "--ntasks-per-node=2", "--cpus-per-task=1"), train(SHORT_EPOCHS, four),
                Map.of("GLOO_SOCKET_IFNAME", "eth0"));
        assertEquals(0, s.await(5), s.output());
        String out = s.output();
        for (int rank = 0; rank < 4; rank++) {
            String address = rank < 2 ? "10\\.77\\.0\\.1" : "10\\.77\\.0\\.2";
            assertTrue(out.matches("(?s).*worker " + rank + " of 4: master node1:\\d+ \\(10\\.77\\.0\\.1\\); Gloo binds to eth0 \\(" + address
                    + "\\), from GLOO_SOCKET_IFNAME\n.*"), out);
        }
        double fourDiff = maxDifference(oneProcess(SHORT_EPOCHS), four);
        System.err.printf("SlurmClusterTest: srun -N2 -n2 train (%s epochs) vs one process: max |dw| = %.3g; -N2 -n4 (%s epochs): %.3g%n",
                LONG_EPOCHS, two, SHORT_EPOCHS, fourDiff);
        assertTrue(two <= 1e-10, "-N2 -n2: max |dw| = " + two);
        assertTrue(fourDiff <= 1e-10, "-N2 -n4: max |dw| = " + fourDiff);
    }

    @Test
    void aStepOnTheSecondNodeOfATwoNodeJobMeetsOnThatNode() throws Exception {
        // Inside a two-node allocation, a step on node2 alone: task 0 runs there, not on the job's first node.
        Path sub = tmp.resolve("step-on-node2");
        List<String> cmd = new ArrayList<>(List.of("salloc", "--nodes=2", "--ntasks=4", "--time=5", "srun", "--nodes=1", "--ntasks=2",
                "--nodelist=node2", "--cpus-per-task=1", "--chdir=" + tmp));
        cmd.addAll(Worker.command(io.gradreg.cli.Main.class, train(SHORT_EPOCHS, sub).toArray(String[]::new)));
        Live s = new Live(cmd, Map.of());
        assertEquals(0, s.await(5), s.output());
        String out = s.output();
        assertTrue(out.matches("(?s).*worker 1 of 2: master node2:\\d+ \\(10\\.77\\.0\\.2\\); Gloo binds to eth0 \\(10\\.77\\.0\\.2\\), the route"
                + " to the master\n.*"), out);
        double d = maxDifference(oneProcess(SHORT_EPOCHS), sub);
        assertTrue(d <= 1e-10, "max |dw| = " + d);
    }

    @Test
    void aWrongOrUnreachableMasterFailsWithinTheTimeoutNamingTheAddress() throws Exception {
        List<String> twoTasks = List.of("--nodes=2", "--ntasks=2", "--cpus-per-task=1");
        // Wrong: node2's address, where no store listens. Worker 0, which serves the store, sees at
        // once that the address is not its own; worker 1 tries it until --dist-timeout.
        Live wrong = srunTrain(twoTasks, train(SHORT_EPOCHS, tmp.resolve("wrong"), "--master", "10.77.0.2:29555", "--dist-timeout",
                String.valueOf(TIMEOUT)), Map.of());
        assertNotEquals(0, wrong.await(5), wrong.output());
        String out = wrong.output();
        List<String> errors = out.lines().filter(l -> l.startsWith("gradreg: ")).toList();
        assertEquals(List.of("gradreg: data-parallel worker 0 serves the group's store, but the master address 10.77.0.2:29555 is not an address"
                + " of node1, where worker 0 runs; give --master an address of worker 0's machine",
                "gradreg: data-parallel worker 1 could not join the group at 10.77.0.2:29555 within " + TIMEOUT
                        + " s: connection refused: nothing listens on port 29555 at 10.77.0.2"), errors.stream().sorted().toList(), out);
        double waited = (wrong.when(l -> l.startsWith("gradreg: data-parallel worker 1 ")) - wrong.when(l -> l.startsWith("worker 1 of 2: master")))
                / 1e9;
        System.err.printf("SlurmClusterTest: wrong master: worker 1 stopped %.2f s after it began to join (--dist-timeout %d)%n", waited, TIMEOUT);
        assertTrue(waited >= TIMEOUT - 1 && waited <= TIMEOUT + 2, "worker 1 stopped after " + waited + " s");

        // Unreachable: an address no route leads to from the nodes (they have none but their own
        // network's), so no packet is sent; the error comes at once.
        Live unreachable = srunTrain(twoTasks, train(SHORT_EPOCHS, tmp.resolve("unreachable"), "--master", "10.99.0.1:29555",
                "--dist-timeout", String.valueOf(TIMEOUT)), Map.of());
        assertNotEquals(0, unreachable.await(5), unreachable.output());
        String u = unreachable.output();
        assertTrue(u.contains("gradreg: data-parallel worker 0: no route from node1 to the master 10.99.0.1:29555: Network is unreachable\n"), u);
        assertTrue(u.contains("gradreg: data-parallel worker 1: no route from node2 to the master 10.99.0.1:29555: Network is unreachable\n"), u);

        // GLOO_SOCKET_IFNAME naming an interface the node does not have.
        Live noIf = srunTrain(twoTasks, train(SHORT_EPOCHS, tmp.resolve("no-interface")), Map.of("GLOO_SOCKET_IFNAME", "ib0"));
        assertNotEquals(0, noIf.await(5), noIf.output());
        String n = noIf.output();
        assertTrue(n.contains("gradreg: data-parallel worker 1: GLOO_SOCKET_IFNAME names ib0, which node2 does not have (its interfaces: eth0, lo)\n"), n);
    }

    @Test
    void aLostNodeEndsTheSurvivorWithinTheTimeoutAndTheRequeuedJobResumesBitIdentical() throws Exception {
        Path reference = twoNodes();
        Path out = tmp.resolve("lost");
        Path log = tmp.resolve("lost.out");
        StringBuilder srun = new StringBuilder("srun");
        for (String c : Worker.command(io.gradreg.cli.Main.class, train(LONG_EPOCHS, out, "--dist-timeout", String.valueOf(TIMEOUT)).toArray(String[]::new))) {
            srun.append(' ').append(Slurm.quote(c));
        }
        Path script = Files.writeString(tmp.resolve("lost.sbatch"), """
                #!/bin/bash
                #SBATCH --nodes=2
                #SBATCH --ntasks-per-node=1
                #SBATCH --cpus-per-task=1
                #SBATCH --time=10
                #SBATCH --requeue
                #SBATCH --open-mode=append
                #SBATCH --output=%s
                # Requeued, the job continues from rank 0's last checkpoint.
                cd %s
                resume=$([ -f %s/checkpoint.pt ] && echo --resume)
                %s $resume
                """.formatted(log, tmp, out, srun));
        String job = sh("sbatch", "--parsable", script.toString()).lines().reduce((a, b) -> b).orElseThrow().split(";")[0];
        String nodeScript = cluster.get("node_script");
        boolean node2Lost = false;
        try {
            // Lose node2 as soon as rank 0 has written a checkpoint: its link goes down, then every
            // process on it dies (slurmd, slurmstepd, rank 1), as when a machine loses power.
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (!(Files.isRegularFile(out.resolve("checkpoint.pt")) && Files.isRegularFile(out.resolve("metrics.jsonl")))) {
                assertTrue(System.nanoTime() < deadline, "no checkpoint within 3 minutes: " + (Files.exists(log) ? Files.readString(log) : ""));
                Thread.sleep(50);
            }
            long survivor = rankZero(out);
            long lost = System.nanoTime();
            sh(nodeScript, "lose", "node2");
            node2Lost = true;
            assertFalse(Files.isRegularFile(out.resolve("summary.json")), "the run had finished before node2 was lost");
            long said = 0;
            while (ProcessHandle.of(survivor).map(ProcessHandle::isAlive).orElse(false)) {
                assertTrue(System.nanoTime() - lost < TimeUnit.SECONDS.toNanos(5L * TIMEOUT), "rank 0 still runs " + 5 * TIMEOUT + " s after node2 was lost");
                if (said == 0 && Files.readString(log).contains("\ngradreg: ")) {
                    said = System.nanoTime();
                }
                Thread.sleep(50);
            }
            double survivorSeconds = (System.nanoTime() - lost) / 1e9;
            double saidSeconds = said == 0 ? survivorSeconds : (said - lost) / 1e9;

            // Slurm declares node2 down (SlurmdTimeout) and requeues the job; then node2 comes back.
            deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!sh("scontrol", "show", "job", job).contains("Restarts=1")) {
                assertTrue(System.nanoTime() < deadline, "the job was not requeued within 2 minutes:\n" + sh("scontrol", "show", "job", job));
                Thread.sleep(200);
            }
            String node2State = sh("sinfo", "-h", "-n", "node2", "-o", "%t");
            sh(nodeScript, "start", "node2");
            node2Lost = false;
            deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
            while (!sh("squeue", "-h", "-j", job, "-t", LIVE, "-o", "%t").isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "the requeued job did not finish within 4 minutes:\n" + Files.readString(log));
                Thread.sleep(200);
            }
            String output = Files.readString(log);
            String jobInfo = sh("scontrol", "show", "job", job);
            assertTrue(Files.isRegularFile(out.resolve("weights.safetensors")), "the requeued run wrote no weights:\n" + output + "\n" + jobInfo);
            boolean same = sha256(out.resolve("weights.safetensors")).equals(sha256(reference.resolve("weights.safetensors")));
            System.err.printf("SlurmClusterTest: node2 lost mid-run: rank 0 gave its error %.1f s later and its process ended %.1f s later"
                    + " (--dist-timeout %d), node2 was '%s' when the job was requeued; the resumed run's weights.safetensors %s the"
                    + " uninterrupted run's (sha256 %s)%n", saidSeconds, survivorSeconds, TIMEOUT, node2State, same ? "equals" : "DIFFERS FROM", sha256(out.resolve("weights.safetensors")));

            output.lines().filter(l -> l.matches("(gradreg: |srun: |slurmstepd|resuming ).*")).forEach(l -> System.err.println("  lost.out: " + l));
            // The survivor's one line, the step's non-zero exit, the requeue, the resumption.
            List<String> errors = output.lines().filter(l -> l.startsWith("gradreg: ")).toList();
            assertEquals(1, errors.size(), output);
            assertTrue(errors.get(0).startsWith("gradreg: data-parallel worker 0 lost contact with the others: ")
                    || errors.get(0).equals("gradreg: data-parallel worker 0: an all-reduce did not finish within " + TIMEOUT
                            + " s (a worker died or stalled); stopping"), errors.get(0));
            assertTrue(survivorSeconds <= TIMEOUT + 5, "rank 0 ended " + survivorSeconds + " s after node2 was lost");
            assertTrue(output.contains("srun: error: node1: task 0: Exited with exit code 2"), output);
            assertTrue(output.matches("(?s).*\nresuming " + java.util.regex.Pattern.quote(out.toString()) + " at epoch [1-9]\\d*, step \\d+ of \\d+\n.*"),
                    output);
            assertTrue(jobInfo.contains("JobState=COMPLETED") && jobInfo.contains("Restarts=1") && jobInfo.contains("ExitCode=0:0"), jobInfo);
            assertTrue(node2State.startsWith("down"), "node2 was '" + node2State + "' when the job was requeued");

            // Bit-identical to the uninterrupted run.
            assertTrue(same, "weights differ from the uninterrupted run's: max |dw| = " + maxDifference(reference, out));
            assertEquals(Files.readString(reference.resolve("summary.json")), Files.readString(out.resolve("summary.json")));
        } finally {
            if (node2Lost) {
                new ProcessBuilder(nodeScript, "start", "node2").inheritIO().start().waitFor(60, TimeUnit.SECONDS);
            }
            new ProcessBuilder("scancel", job).start().waitFor(30, TimeUnit.SECONDS);
            awaitBothNodesUp();
        }
    }

    /** The pid of rank 0's JVM: on node1 (in its network namespace), training into {@code out}. */
    private static long rankZero(Path out) throws Exception {
        for (String pid : sh("ip", "netns", "pids", "gradreg-node1").lines().toList()) {
            String[] argv = Files.readString(Path.of("/proc", pid, "cmdline")).split("\0");
            String cmdline = String.join(" ", argv);
            // The JVM itself, not the srun that started the step (whose arguments are the same).
            if (argv[0].endsWith("java") && cmdline.contains("io.gradreg.cli.Main train") && cmdline.contains(out.toString())) {
                return Long.parseLong(pid);
            }
        }
        throw new AssertionError("rank 0 is not running on node1");
    }

    private static void awaitBothNodesUp() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (unavailable() != null) {
            assertTrue(System.nanoTime() < deadline, "the nodes did not come back: " + unavailable());
            Thread.sleep(500);
        }
    }

    @Test
    void underCgroupsATaskOfOneCpuSeesOneCoreAndGradregUsesOneThread() throws Exception {
        String cgroups = cluster.getOrDefault("cgroups", "no: .ci/slurm-up.sh did not say");
        if (!cgroups.equals("yes")) {
            System.err.println("SKIPPED cgroup test: cgroups " + cgroups);
            Assumptions.abort("cgroups " + cgroups);
        }
        String probe = "nproc; grep Cpus_allowed_list /proc/self/status; "
                + "cat /sys/fs/cgroup/memory$(grep :memory: /proc/self/cgroup | cut -d: -f3 | sed 's,/task_[0-9]*$,,')/memory.limit_in_bytes";
        String one = sh("srun", "--nodes=1", "--ntasks=1", "--cpus-per-task=1", "--mem=700M", "bash", "-c", probe);
        String[] f = one.split("\n");
        assertEquals("1", f[0], one);
        assertTrue(f[1].matches("Cpus_allowed_list:\\s+\\d+"), one);
        assertEquals(String.valueOf(700L << 20), f[2], one);
        String both = sh("srun", "--nodes=1", "--ntasks=1", "--cpus-per-task=2", "--mem=700M", "bash", "-c", probe);
        assertEquals("2", both.split("\n")[0], both);

        // gradreg's own policy (no --threads, and SLURM_CPUS_PER_TASK hidden from it): one thread
        // per core it may use, which the cgroup makes one.
        Path out = tmp.resolve("cgroup-threads");
        List<String> cmd = new ArrayList<>(List.of("srun", "--nodes=1", "--ntasks=1", "--cpus-per-task=1", "--mem=1G", "--chdir=" + tmp,
                "env", "-u", "SLURM_CPUS_PER_TASK"));
        cmd.addAll(Worker.command(io.gradreg.cli.Main.class, train(SHORT_EPOCHS, out).toArray(String[]::new)));
        Live s = new Live(cmd, Map.of());
        assertEquals(0, s.await(5), s.output());
        int threads = Json.read(out.resolve("config.json")).path("threads").asInt();
        System.err.printf("SlurmClusterTest: cgroups: --cpus-per-task 1 gives nproc %s (%s), memory limit %s bytes for --mem 700M;"
                + " --cpus-per-task 2 gives nproc %s; gradreg chose %d thread(s)%n", f[0], f[1].replaceAll("\\s+", " "), f[2],
                both.split("\n")[0], threads);
        assertEquals(1, threads);
    }
}
