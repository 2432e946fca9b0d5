package io.gradreg.cli;

import io.gradreg.GradregException;
import io.gradreg.engine.Engine;
import io.gradreg.bench.Bench;
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
    @Option(names = "--nproc", description = "instead: throughput of N single-threaded data-parallel workers vs one process with all threads")
    Integer nproc;
    @Option(names = "--out", defaultValue = "runs/bench", description = "directory for bench.md and bench.json (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (steps < 1 || warmup < 0 || memorySteps < 0) {
            throw new GradregException("--steps must be >= 1 and --warmup, --memory-steps >= 0");
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
        double peak = Bench.matmulPeak();
        log.printf("%d threads; float32 matmul peak (best n x n product, n = 512..2048) %.1f GFLOP/s%n", Engine.threads(), peak);
        List<Bench.Timing> timings = Bench.run(w, m, warmup, steps, peak, log);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("threads", Engine.threads());
        json.put("cores", Runtime.getRuntime().availableProcessors());
        json.put("matmul_peak_gflops", peak);
        json.put("steps", steps);
        json.put("warmup", warmup);
        json.put("timings", timings);
        StringBuilder md = new StringBuilder(String.format("Matmul peak (float32, best n×n product for n = 512…2048, %d threads): %.1f GFLOP/s.%n%n", Engine.threads(), peak));
        md.append("| model | batch | method | median ms/step | × plain | GFLOP/s (est.) | % of peak |\n|---|---|---|---|---|---|---|\n");
        for (Bench.Timing t : timings) {
            md.append(String.format("| %s | %d | %s | %.2f | %.2f | %.1f | %.0f%% |%n", t.model(), t.batch(), t.method(), t.medianMs(),
                    t.ratioToPlain(), t.gflops(), 100 * t.peakFraction()));
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
        List<String> single = io.gradreg.sweep.Worker.command(train.toArray(String[]::new));
        single.addAll(List.of("--threads", String.valueOf(cores), "--out", out.resolve("single").toString()));
        List<String> multi = io.gradreg.sweep.Worker.command("launch", "--nproc", String.valueOf(nproc), "--threads", "1", "--");
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
