package io.gradreg.cli;

import io.gradreg.GradregException;
import io.gradreg.engine.Engine;
import io.gradreg.bench.Bench;
import io.gradreg.bench.Peer;
import io.gradreg.io.AtomicFiles;
import io.gradreg.io.Json;
import io.gradreg.io.RunLock;
import io.gradreg.method.Method;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gradreg bench}: step times per method and model, matmul peak, and native memory over exact-GR steps. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Median training-step time per method (MLP 784-512-512-10 b128, LeNet-5 b128, MLP 784-1024-1024-10 b512, float32), "
                + "ratio to plain, GFLOP/s against the measured matmul peak, and native memory over exact-GR steps.")
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--steps", defaultValue = "30", description = "timed steps per cell, after the warm-up (default: ${DEFAULT-VALUE})")
    int steps;
    @Option(names = "--warmup", defaultValue = "5", description = "untimed steps per cell (default: ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--memory-steps", defaultValue = "1000", description = "exact-GR steps for the memory check, 0 to skip (default: ${DEFAULT-VALUE})")
    int memorySteps;
    @Option(names = "--models", split = ",", description = "only these workloads (model specs), e.g. mlp:784-512-512-10")
    List<String> models;
    @Option(names = "--methods", split = ",", description = "only these methods, e.g. plain,'gr forward' (plain is always timed first)")
    List<String> methods;
    @Option(names = "--peer", description = "also time the same steps in PyTorch (bench/torch_peer.py, needs a python3 that imports torch), "
            + "cell by cell right after gradreg's, and print gradreg ms, PyTorch ms and their ratio")
    boolean peer;
    @Option(names = "--repeat", defaultValue = "1",
            description = "time the whole table R times in interleaved rounds and report each cell's median and spread (default: ${DEFAULT-VALUE})")
    int repeat;
    @Option(names = "--thread-configs", split = ",", description = "instead: step ms per OpenBLAS x intra-op thread setting (plain, or the --methods), "
            + "e.g. 1x1,1x2,2x1,2x2, in interleaved rounds (--steps per round)")
    List<String> threadConfigs;
    @Option(names = "--rounds", defaultValue = "5", description = "rounds for --thread-configs (default: ${DEFAULT-VALUE})")
    int rounds;
    @Option(names = "--nproc", description = "instead: throughput of N single-threaded data-parallel workers vs one process with all threads")
    Integer nproc;
    @Option(names = "--out", defaultValue = "runs/bench", description = "directory for bench.md and bench.json (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (steps < 1 || warmup < 0 || memorySteps < 0) {
            throw new GradregException("--steps must be >= 1 and --warmup, --memory-steps >= 0");
        }
        if (repeat < 1) {
            throw new GradregException("--repeat must be >= 1, got " + repeat);
        }
        PrintWriter log = spec.commandLine().getOut();
        try (RunLock lock = RunLock.acquire(out, "--out")) {
            return bench(log);
        }
    }

    private int bench(PrintWriter log) throws Exception {
        if (nproc != null) {
            return scaling(log);
        }
        Engine.start();
        List<Bench.Workload> w = Bench.WORKLOADS.stream().filter(x -> models == null || models.contains(x.model())).toList();
        Map<String, Method> all = Bench.methods();
        Map<String, Method> m = new LinkedHashMap<>();
        m.put("plain", all.get("plain"));
        if (methods != null) {
            for (String name : methods) {
                if (!all.containsKey(name)) {
                    throw new GradregException("unknown bench method '" + name + "': expected one of " + String.join(", ", all.keySet()));
                }
                m.put(name, all.get(name));
            }
        } else {
            m.putAll(all);
        }
        if (w.isEmpty()) {
            throw new GradregException("no workload matches --models " + models);
        }
        if (threadConfigs != null) {
            // plain alone unless --methods asks for more: the thread policy is about the step's kernels
            return threads(log, w, methods == null ? Map.of("plain", all.get("plain")) : m);
        }
        Peer p = null;
        if (peer) {
            Peer.Found f = Peer.find();
            if (f.problem() != null) {
                log.println("--peer: " + f.problem() + "; timing gradreg alone");
            } else {
                p = Peer.start(f);
                log.println("peer: " + p.describe() + " via " + f.python() + " " + f.script());
                if (!p.hasOpenBlas()) {
                    log.println("peer warning: PyTorch is not using OpenBLAS (reference BLAS is ~10x slower): apt-get install libopenblas0-pthread");
                }
            }
        }
        try {
            return timeAll(log, w, m, p);
        } finally {
            if (p != null) {
                p.close();
            }
        }
    }

    private int timeAll(PrintWriter log, List<Bench.Workload> w, Map<String, Method> m, Peer p) throws Exception {
        Bench.Peak pk = Bench.matmulPeak();
        double peak = pk.gflops();
        log.printf("float32 matmul peak: %.1f GFLOP/s (best n x n product, n = 512..2048, reached with %d OpenBLAS threads at n = %d; per thread count %s)%n",
                peak, pk.threads(), pk.n(), fmt(pk.byThreads()));
        Map<String, Object> json = new LinkedHashMap<>();
        StringBuilder md = new StringBuilder(String.format(
                "Matmul peak (float32, best n×n product for n = 512…2048 over 1…%d OpenBLAS threads): %.1f GFLOP/s, with %d threads at n = %d (%s).%n",
                Engine.cores(), peak, pk.threads(), pk.n(), fmt(pk.byThreads())));
        if (p != null) {
            var pp = p.peak(2048);
            double all = pp.get("gflops_" + pp.get("cores").asInt() + "_threads").asDouble();
            log.printf("PyTorch/OpenBLAS float32 2048x2048: %.1f GFLOP/s on 1 thread, %.1f on %d; gradreg's peak is %.2fx the latter%n",
                    pp.get("gflops_1_thread").asDouble(), all, pp.get("cores").asInt(), peak / all);
            md.append(String.format("PyTorch/OpenBLAS float32 2048×2048 in the same run: %.1f GFLOP/s on 1 thread, %.1f on %d (gradreg's peak: %.2f× the latter).%n",
                    pp.get("gflops_1_thread").asDouble(), all, pp.get("cores").asInt(), peak / all));
            json.put("peer", Map.of("describe", p.describe(), "peak_2048", pp));
            String warning = Peer.slowBlasWarning(all, peak);
            if (warning != null) {
                log.println(warning);
                md.append(warning).append('\n');
            }
        }
        List<Bench.Timing> timings = Bench.run(w, m, warmup, steps, peak, log, p, repeat);
        json.put("threads", Engine.describeThreads());
        json.put("cores", Engine.cores());
        json.put("matmul_peak_gflops", peak);
        json.put("matmul_peak", pk);
        json.put("steps", steps);
        json.put("warmup", warmup);
        json.put("timings", timings);
        md.append(String.format("%nThreads: %s. Median of %d steps after %d warm-up steps%s.%n%n", Engine.describeThreads(), steps, warmup,
                repeat > 1 ? String.format("; each cell the median of %d interleaved rounds, [min, max] over the rounds", repeat) : ""));
        if (p != null) {
            md.append("| model | batch | method | gradreg ms | × plain | GFLOP/s (est.) | % of peak | PyTorch ms (best threads) | gradreg / PyTorch |"
                    + (repeat > 1 ? " ratio spread | claim |\n|---|---|---|---|---|---|---|---|---|---|---|\n" : "\n|---|---|---|---|---|---|---|---|---|\n"));
        } else {
            md.append("| model | batch | method | median ms/step | × plain | GFLOP/s (est.) | % of peak |\n|---|---|---|---|---|---|---|\n");
        }
        for (Bench.Timing t : timings) {
            md.append(String.format("| %s | %d | %s | %.2f | %.2f | %.1f | %.0f%% |", t.model(), t.batch(), t.method(), t.medianMs(),
                    t.ratioToPlain(), t.gflops(), 100 * t.peakFraction()));
            if (p != null) {
                md.append(Double.isNaN(t.peerMs()) ? " – | – |" : String.format(" %.2f (%s) | %.2f |", t.peerMs(), t.peerConfig(), t.ratioToPeer()));
                if (repeat > 1) {
                    md.append(String.format(" [%.2f, %.2f] | %s |", t.ratioSpread()[0], t.ratioSpread()[1], t.verdict()));
                }
            }
            md.append('\n');
        }
        if (memorySteps > 0) {
            long[] mem = Bench.memory(w.get(0), memorySteps);
            double growth = 100.0 * (mem[1] - mem[0]) / mem[0];
            log.printf("native memory (resident) over %d exact-GR steps on %s: %.1f MB -> %.1f MB (%+.2f%%)%n", memorySteps, w.get(0).model(),
                    mem[0] / 1e6, mem[1] / 1e6, growth);
            json.put("memory", Map.of("steps", memorySteps, "before_bytes", mem[0], "after_bytes", mem[1], "growth_percent", growth));
            md.append(String.format("%nResident memory over %d exact-GR steps (%s, batch %d): %.1f MB → %.1f MB (%+.2f%%).%n",
                    memorySteps, w.get(0).model(), w.get(0).batch(), mem[0] / 1e6, mem[1] / 1e6, growth));
        }
        Files.createDirectories(out);
        Json.writeFile(out.resolve("bench.json"), json);
        AtomicFiles.writeString(out.resolve("bench.md"), md.toString());
        log.printf("written: %s (bench.md, bench.json)%n", out);
        return 0;
    }

    private int threads(PrintWriter log, List<Bench.Workload> w, Map<String, Method> methods) throws Exception {
        for (String c : threadConfigs) {
            if (!c.matches("[1-9][0-9]*x[1-9][0-9]*")) {
                throw new GradregException("--thread-configs: expected BLASxINTRA such as 2x1, got '" + c + "'");
            }
        }
        if (rounds < 1) {
            throw new GradregException("--rounds must be >= 1");
        }
        StringBuilder md = new StringBuilder("| model | batch | method | " + String.join(" | ", threadConfigs) + " |\n|---|---|---|"
                + "---|".repeat(threadConfigs.size()) + "\n");
        for (Bench.Workload x : w) {
            for (Map.Entry<String, Method> e : methods.entrySet()) {
                Map<String, Double> ms = Bench.threadConfigs(x, e.getValue(), threadConfigs, rounds, warmup, steps);
                StringBuilder row = new StringBuilder("| " + x.model() + " | " + x.batch() + " | " + e.getKey() + " |");
                ms.forEach((c, v) -> row.append(String.format(" %.2f |", v)));
                log.println(row);
                log.flush();
                md.append(row).append('\n');
            }
        }
        md.append(String.format("%nStep ms (median over %d interleaved rounds of the median of %d steps), OpenBLAS x libtorch intra-op threads; "
                + "OMP_WAIT_POLICY=%s.%n", rounds, steps, System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)")));
        Files.createDirectories(out);
        AtomicFiles.writeString(out.resolve("threads.md"), md.toString());
        log.printf("written: %s%n", out.resolve("threads.md"));
        return 0;
    }

    private static String fmt(Map<Integer, Double> byThreads) {
        StringBuilder b = new StringBuilder();
        byThreads.forEach((t, g) -> b.append(b.length() == 0 ? "" : ", ").append(String.format("%d: %.1f", t, g)));
        return b.toString();
    }

    /**
     * Plain training of MLP 784-512-512-10 at batch 128 on random data: one process with every core
     * against {@code nproc} one-thread workers (gradreg launch), by the ms per step of the last epoch.
     */
    private int scaling(PrintWriter log) throws Exception {
        if (nproc < 2) {
            throw new GradregException("--nproc must be >= 2 to compare with one process");
        }
        Files.createDirectories(out);
        Path data = out.resolve("random-784.npz");
        java.util.Random r = new java.util.Random(0);
        int n = 128 * 10;
        float[] x = new float[n * 784];
        long[] y = new long[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        for (int i = 0; i < n; i++) {
            y[i] = i % 10;
        }
        io.gradreg.io.Npz.write(data, Map.of("x", io.gradreg.io.NdArray.ofFloats(x, n, 784), "y", io.gradreg.io.NdArray.ofLongs(y, n)));
        List<String> train = List.of("train", "--data", data.toString(), "--model", "mlp:784-512-512-10", "--batch-size", "128",
                "--epochs", "4", "--no-shuffle", "--overwrite");
        int cores = Runtime.getRuntime().availableProcessors();
        List<String> single = io.gradreg.sweep.Worker.command(Main.class, train.toArray(String[]::new));
        single.addAll(List.of("--threads", String.valueOf(cores), "--out", out.resolve("single").toString()));
        List<String> multi = io.gradreg.sweep.Worker.command(Main.class, "launch", "--nproc", String.valueOf(nproc), "--threads", "1", "--");
        multi.addAll(train);
        multi.addAll(List.of("--out", out.resolve("parallel").toString()));
        double a = lastEpochMs(single, out.resolve("single"));
        double b = lastEpochMs(multi, out.resolve("parallel"));
        String md = String.format("| setup | ms/step | samples/s |%n|---|---|---|%n| 1 process, %d threads | %.2f | %.0f |%n"
                + "| %d workers, 1 thread each (gradreg launch) | %.2f | %.0f |%n%nSpeed-up of the workers: %.2fx.%n",
                cores, a, 128e3 / a, nproc, b, 128e3 / b, a / b);
        log.print(md);
        log.flush();
        AtomicFiles.writeString(out.resolve("scaling.md"), md);
        return 0;
    }

    private static double lastEpochMs(List<String> cmd, Path run) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor() != 0) {
            throw new GradregException("benchmark run failed: " + String.join(" ", cmd));
        }
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(lines.size() - 1)).get("msPerStep").asDouble();
    }
}
