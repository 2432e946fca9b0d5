package io.gradreg.sweep;

import io.gradreg.GradregException;
import io.gradreg.train.RunDirectory;
import io.gradreg.train.RunFlags;
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
 * Runs a {@link SweepSpec}: every run is a {@link io.gradreg.train.Run} with one libtorch thread,
 * started by a {@link Launcher} (a worker process, or this JVM for seconds-long runs), {@code jobs} at
 * a time, so workers do not fight over cores. A run whose directory holds
 * summary.json is skipped; one with only a checkpoint continues with {@code --resume}. A run that
 * stopped on a non-finite loss (its directory holds {@code diverged.json}) stays failed: its
 * checkpoint may hold the state that led there, so it is never resumed, and only
 * {@code --retry-failed} starts it again, from scratch. Each worker's output goes to its run
 * directory's log.txt.
 */
public final class Sweep {
    /** What happened to one run. */
    public record Outcome(SweepSpec.Run run, Path dir, Status status, double seconds, String message) {}

    public enum Status {
        DONE, SKIPPED, FAILED,
        /** Stopped on a non-finite loss, now or in an earlier invocation (kept failed without --retry-failed). */
        DIVERGED
    }

    /** The marker a run leaves when it stops on a non-finite loss (written by {@code gradreg train}). */
    public static final String DIVERGED_MARKER = RunDirectory.DIVERGED;

    /** Where a run stands, read from its directory alone (for {@code --collect}, while or after an array runs). */
    public enum State {
        /** summary.json is there. */
        FINISHED,
        /** Stopped on a non-finite loss: diverged.json is there. */
        DIVERGED,
        /** Its log.txt ends with gradreg's one-line error. */
        FAILED,
        /** Started but not finished: running now, or stopped (interrupted, preempted, killed), resumable from a checkpoint if one exists. */
        UNFINISHED,
        /** No log.txt: never started. */
        NOT_STARTED
    }

    private Sweep() {}

    /**
     * Runs every run of {@code spec} not done yet through {@code launcher}, {@code jobs} at a time,
     * and returns the outcomes in spec order. In-process launchers need {@code jobs = 1}: libtorch's
     * generator is global, so two runs in one JVM would draw from each other's stream.
     */
    public static List<Outcome> run(SweepSpec spec, int jobs, Launcher launcher, PrintWriter log) {
        return run(spec, jobs, launcher, log, false);
    }

    /** As {@link #run(SweepSpec, int, Launcher, PrintWriter)}; {@code retryFailed} starts diverged runs again from scratch. */
    public static List<Outcome> run(SweepSpec spec, int jobs, Launcher launcher, PrintWriter log, boolean retryFailed) {
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
                    Outcome o = runOne(r, spec.out().resolve(r.id()), 1, launcher, retryFailed);
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
     * Runs run number {@code index} (0-based, in spec order) alone with {@code threads} libtorch
     * threads: one task of a Slurm job array. Skipped when done, resumed from its checkpoint when
     * one exists, so a requeued or resubmitted task continues where it stopped.
     */
    public static Outcome runTask(SweepSpec spec, int index, int threads, Launcher launcher) {
        return runTask(spec, index, threads, launcher, false);
    }

    /** As {@link #runTask(SweepSpec, int, int, Launcher)}; {@code retryFailed} starts a diverged run again from scratch. */
    public static Outcome runTask(SweepSpec spec, int index, int threads, Launcher launcher, boolean retryFailed) {
        List<SweepSpec.Run> runs = spec.runs();
        if (index < 0 || index >= runs.size()) {
            throw new GradregException("--task must be in 0.." + (runs.size() - 1) + " (the sweep has " + runs.size() + " runs), got " + index);
        }
        if (threads < 1) {
            throw new GradregException("--threads must be >= 1, got " + threads);
        }
        SweepSpec.Run r = runs.get(index);
        try {
            return runOne(r, spec.out().resolve(r.id()), threads, launcher, retryFailed);
        } catch (IOException e) {
            throw new GradregException(spec.out().resolve(r.id()) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GradregException("sweep task interrupted; rerun it to continue from the checkpoint");
        }
    }

    /** The state of the run whose directory is {@code dir}. */
    public static State state(Path dir) {
        if (Files.isRegularFile(dir.resolve("summary.json"))) {
            return State.FINISHED;
        }
        if (Files.isRegularFile(dir.resolve(DIVERGED_MARKER))) {
            return State.DIVERGED;
        }
        Path log = dir.resolve("log.txt");
        if (!Files.isRegularFile(log)) {
            return State.NOT_STARTED;
        }
        try {
            List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
            return !lines.isEmpty() && lines.get(lines.size() - 1).startsWith("gradreg: ") ? State.FAILED : State.UNFINISHED;
        } catch (IOException | java.io.UncheckedIOException e) {
            return State.UNFINISHED; // being written right now
        }
    }

    /**
     * One run: skipped when done, resumed when a checkpoint exists, otherwise started; output to
     * its log.txt. {@code --world-size 1} is explicit so that a Slurm step's environment never
     * turns a sweep run into a data-parallel worker.
     */
    private static Outcome runOne(SweepSpec.Run r, Path dir, int threads, Launcher launcher, boolean retryFailed)
            throws IOException, InterruptedException {
        if (Files.isRegularFile(dir.resolve("summary.json"))) {
            return new Outcome(r, dir, Status.SKIPPED, 0, "already done");
        }
        boolean diverged = Files.isRegularFile(dir.resolve(DIVERGED_MARKER));
        if (diverged && !retryFailed) {
            return new Outcome(r, dir, Status.DIVERGED, 0, divergedMessage(dir) + "; kept as failed (--retry-failed starts it again from scratch)");
        }
        Files.createDirectories(dir);
        List<String> args = RunFlags.args(r.spec().withExecution(r.spec().execution().withOut(dir).withThreads(threads).alone()));
        if (Files.isRegularFile(dir.resolve("checkpoint.pt")) && !diverged) {
            args.add("--resume");
        } else {
            args.add("--overwrite"); // a failed start left no checkpoint, so nothing worth keeping
        }
        long t0 = System.nanoTime();
        int code = launcher.run(args, dir.resolve("log.txt"));
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (code == 0) {
            return new Outcome(r, dir, Status.DONE, seconds, String.format(seconds < 10 ? "%.1f s" : "%.0f s", seconds));
        }
        if (Files.isRegularFile(dir.resolve(DIVERGED_MARKER))) {
            return new Outcome(r, dir, Status.DIVERGED, seconds, divergedMessage(dir));
        }
        List<String> lines = Files.readAllLines(dir.resolve("log.txt"));
        String last = lines.stream().filter(l -> l.startsWith("gradreg: ")).reduce((a, b) -> b)
                .orElse(lines.isEmpty() ? "exit code " + code : lines.get(lines.size() - 1));
        return new Outcome(r, dir, Status.FAILED, seconds, last + " (see " + dir.resolve("log.txt") + ")");
    }

    /**
     * Clears a diverged run's marker and checkpoint, so that it starts again from scratch
     * ({@code --retry-failed} with {@code --slurm}); a run that did not diverge is left alone.
     */
    public static void forgetDivergence(Path dir) {
        if (Files.isRegularFile(dir.resolve(DIVERGED_MARKER))) {
            try {
                Files.deleteIfExists(dir.resolve("checkpoint.pt"));
                Files.delete(dir.resolve(DIVERGED_MARKER));
            } catch (IOException e) {
                throw new GradregException(dir + ": cannot clear the diverged run: " + e.getMessage());
            }
        }
    }

    /** "stopped on a non-finite loss at step N", from the run's diverged.json. */
    public static String divergedMessage(Path dir) {
        return RunDirectory.divergedMessage(dir);
    }
}
