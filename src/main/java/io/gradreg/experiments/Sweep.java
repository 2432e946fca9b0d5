package io.gradreg.experiments;

import io.gradreg.GradregException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a {@link SweepSpec}: every run is a {@code gradreg train} worker process with one libtorch
 * thread, {@code jobs} at a time, so workers do not fight over cores. A run whose directory holds
 * summary.json is skipped; one with only a checkpoint continues with {@code --resume}. Each
 * worker's output goes to its run directory's log.txt.
 */
public final class Sweep {
    /** What happened to one run. */
    public record Outcome(SweepSpec.Run run, Path dir, Status status, double seconds, String message) {}

    public enum Status { DONE, SKIPPED, FAILED }

    private Sweep() {}

    /** Runs every run of {@code spec} not done yet and returns the outcomes in spec order. */
    public static List<Outcome> run(SweepSpec spec, int jobs, PrintWriter log) {
        if (jobs < 1) {
            throw new GradregException("--jobs must be >= 1, got " + jobs);
        }
        List<SweepSpec.Run> runs = spec.runs();
        AtomicInteger finished = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(jobs);
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (SweepSpec.Run r : runs) {
                futures.add(pool.submit(() -> {
                    Outcome o = runOne(r, spec.out().resolve(r.id()));
                    synchronized (log) {
                        log.printf("[%d/%d] %-7s %s%s%n", finished.incrementAndGet(), runs.size(), o.status().name().toLowerCase(),
                                r.id(), o.message().isEmpty() ? "" : ": " + o.message());
                        log.flush();
                    }
                    return o;
                }));
            }
            List<Outcome> out = new ArrayList<>();
            for (Future<Outcome> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GradregException("sweep interrupted; finished runs are kept and skipped next time");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new GradregException("sweep failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Runs every run of {@code spec} not done yet inside this JVM, one after another (same skip and
     * resume rules, same train command, output to each run's log.txt). For sweeps of seconds-long
     * runs, e.g. {@code reproduce --quick}, where starting a JVM and libtorch per run would cost
     * more than the run itself; runs are sequential because libtorch's generator is global.
     */
    public static List<Outcome> runInProcess(SweepSpec spec, PrintWriter log) {
        List<SweepSpec.Run> runs = spec.runs();
        List<Outcome> out = new ArrayList<>();
        for (SweepSpec.Run r : runs) {
            Outcome o;
            try {
                o = runHere(r, spec.out().resolve(r.id()));
            } catch (IOException e) {
                throw new GradregException(spec.out().resolve(r.id()) + ": " + e.getMessage());
            }
            out.add(o);
            log.printf("[%d/%d] %-7s %s%s%n", out.size(), runs.size(), o.status().name().toLowerCase(), r.id(),
                    o.message().isEmpty() ? "" : ": " + o.message());
            log.flush();
        }
        return out;
    }

    private static Outcome runHere(SweepSpec.Run r, Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve("summary.json"))) {
            return new Outcome(r, dir, Status.SKIPPED, 0, "already done");
        }
        Files.createDirectories(dir);
        List<String> args = new ArrayList<>(List.of("train"));
        args.addAll(r.args());
        args.addAll(List.of("--out", dir.toString(), "--threads", "1"));
        if (Files.isRegularFile(dir.resolve("checkpoint.pt"))) {
            args.add("--resume");
        }
        long t0 = System.nanoTime();
        int code;
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(dir.resolve("log.txt")), true)) {
            code = io.gradreg.cli.Main.run(w, w, args.toArray(String[]::new));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (code == 0) {
            return new Outcome(r, dir, Status.DONE, seconds, String.format("%.1f s", seconds));
        }
        List<String> lines = Files.readAllLines(dir.resolve("log.txt"));
        String last = lines.stream().filter(l -> l.startsWith("gradreg: ")).reduce((a, b) -> b)
                .orElse(lines.isEmpty() ? "exit code " + code : lines.get(lines.size() - 1));
        return new Outcome(r, dir, Status.FAILED, seconds, last + " (see " + dir.resolve("log.txt") + ")");
    }

    private static Outcome runOne(SweepSpec.Run r, Path dir) throws IOException, InterruptedException {
        if (Files.isRegularFile(dir.resolve("summary.json"))) {
            return new Outcome(r, dir, Status.SKIPPED, 0, "already done");
        }
        Files.createDirectories(dir);
        List<String> cmd = Worker.command("train");
        cmd.addAll(r.args());
        cmd.addAll(List.of("--out", dir.toString(), "--threads", "1"));
        if (Files.isRegularFile(dir.resolve("checkpoint.pt"))) {
            cmd.add("--resume");
        }
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile()).start();
        int code = p.waitFor();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (code == 0) {
            return new Outcome(r, dir, Status.DONE, seconds, String.format("%.0f s", seconds));
        }
        List<String> lines = Files.readAllLines(dir.resolve("log.txt"));
        String last = lines.stream().filter(l -> l.startsWith("gradreg: ")).reduce((a, b) -> b)
                .orElse(lines.isEmpty() ? "exit code " + code : lines.get(lines.size() - 1));
        return new Outcome(r, dir, Status.FAILED, seconds, last + " (see " + dir.resolve("log.txt") + ")");
    }
}
