package io.gradreg.cli;

import io.gradreg.GradregException;
import io.gradreg.io.RunLock;
import io.gradreg.sweep.Launcher;
import io.gradreg.sweep.Slurm;
import io.gradreg.sweep.Sweep;
import io.gradreg.sweep.SweepSpec;
import io.gradreg.sweep.SweepPlots;
import io.gradreg.sweep.SweepTable;
import io.gradreg.sweep.Worker;
import io.gradreg.train.RunFlags;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gradreg sweep SPEC.yaml}: a grid of train runs in parallel single-threaded workers, then a
 * table; or, with {@code --slurm}, the grid as a Slurm job array whose tasks run {@code --task N},
 * and {@code --collect} for the table of what has finished.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a grid of train runs in parallel worker processes and tabulate them.",
                "The grid crosses methods, hyperparameters, seeds and train sizes; the tables are runs.csv, summary.csv and",
                "summary.md (mean +- std over seeds).",
                "Finished runs are skipped, so an interrupted sweep continues where it stopped.",
                "On a Slurm cluster: --slurm submits the grid as a job array (one task per run), --collect makes the tables."})
public final class SweepCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Parameters(index = "0", paramLabel = "SPEC.yaml", description = "the sweep: name, out, base, variants, grid (see docs/sweeps.md)")
    Path file;
    @Option(names = "--jobs", description = "worker processes at a time, one libtorch thread each (default: the number of cores);"
            + " with --slurm: at most N array tasks at a time (default: no limit)")
    Integer jobs;
    @Option(names = "--out", description = "output directory (default: the spec's out, or runs/sweeps/NAME)")
    Path out;
    @Option(names = "--retry-failed", description = "start runs that stopped on a non-finite loss again, from scratch (without it they stay failed)")
    boolean retryFailed;
    @Option(names = "--dry-run", description = "list the runs and exit; with --slurm, print the sbatch script without submitting it")
    boolean dryRun;
    @Option(names = "--slurm", description = "submit the runs not finished yet as a Slurm job array (sbatch) and print the job id")
    boolean slurm;
    @Option(names = "--partition", description = "with --slurm: the partition (default: the cluster's)")
    String partition;
    @Option(names = "--time", description = "with --slurm: time limit per run, e.g. 2:00:00 (default: the partition's)")
    String time;
    @Option(names = "--cpus-per-task", defaultValue = "1", description = "with --slurm: CPUs per run, one libtorch thread each (default: ${DEFAULT-VALUE})")
    int cpusPerTask;
    @Option(names = "--mem", description = "with --slurm: memory per run, e.g. 4G (default: the cluster's)")
    String mem;
    @Option(names = "--sbatch-arg", paramLabel = "ARG", description = "with --slurm: one more sbatch option, e.g. --sbatch-arg=--account=abc (repeatable)")
    List<String> sbatchArgs = new ArrayList<>();
    @Option(names = "--task", paramLabel = "N", description = "run only run N (0-based, in --dry-run order) in this process: what each array task runs")
    Integer task;
    @Option(names = "--threads", description = "with --task: libtorch threads (default: $SLURM_CPUS_PER_TASK, else 1)")
    Integer threads;
    @Option(names = "--collect", description = "write the tables from the runs finished so far and say which are missing or failed")
    boolean collect;

    @Override
    public Integer call() {
        PrintWriter log = spec.commandLine().getOut();
        SweepSpec s = SweepSpec.read(file);
        if (out != null) {
            s = new SweepSpec(s.name(), out, s.runs());
        }
        if ((slurm ? 1 : 0) + (task != null ? 1 : 0) + (collect ? 1 : 0) > 1) {
            throw new GradregException("give at most one of --slurm, --task and --collect");
        }
        if (slurm) {
            return submit(s, log);
        }
        if (task != null) {
            return task(s, log);
        }
        if (collect) {
            return collect(s, log);
        }
        List<SweepSpec.Run> runs = s.runs();
        int j = jobs == null ? Runtime.getRuntime().availableProcessors() : jobs;
        log.printf("sweep %s: %d runs, %d at a time, into %s%n", s.name(), runs.size(), j, s.out());
        if (dryRun) {
            runs.forEach(r -> log.println("  " + r.id() + ": gradreg train " + String.join(" ", RunFlags.args(RunFlags.of(r.spec()).settings()))));
            return 0;
        }
        List<Sweep.Outcome> outcomes;
        try (RunLock lock = RunLock.acquire(s.out(), "--out")) {
            outcomes = Sweep.run(s, j, Launcher.subprocess(), log, retryFailed);
        }
        List<SweepTable.Row> rows = SweepTable.rows(s);
        String md = SweepTable.write(s, rows);
        String figure = SweepPlots.write(s.out(), SweepTable.groups(rows));
        log.println();
        log.print(md);
        log.printf("%nwritten: %s (runs.csv, summary.csv, summary.md%s)%n", s.out(), figure == null ? "" : ", " + figure);
        long failed = outcomes.stream().filter(o -> o.status() == Sweep.Status.FAILED).count();
        long diverged = outcomes.stream().filter(o -> o.status() == Sweep.Status.DIVERGED).count();
        if (failed + diverged > 0) {
            throw new GradregException((failed + diverged) + " of " + runs.size() + " runs failed (" + diverged + " stopped on a non-finite loss);"
                    + " their log.txt says why; rerun to retry the others" + (diverged > 0 ? ", --retry-failed to start the diverged ones again" : ""));
        }
        return 0;
    }

    /** --slurm: an array of the runs not finished yet, written to OUT/slurm/sweep.sbatch and submitted (or printed). */
    private int submit(SweepSpec s, PrintWriter log) {
        List<SweepSpec.Run> runs = s.runs();
        SweepSpec sp = s;
        if (retryFailed) {
            for (SweepSpec.Run r : runs) {
                Sweep.forgetDivergence(s.out().resolve(r.id())); // its task then starts from scratch
            }
        }
        List<Integer> todo = IntStream.range(0, runs.size())
                .filter(i -> Sweep.state(sp.out().resolve(runs.get(i).id())) != Sweep.State.FINISHED
                        && Sweep.state(sp.out().resolve(runs.get(i).id())) != Sweep.State.DIVERGED).boxed().toList();
        if (todo.isEmpty()) {
            log.printf("sweep %s: all %d runs have finished; nothing to submit. Tables: gradreg sweep %s --collect%n", s.name(), runs.size(), file);
            return 0;
        }
        if (jobs != null && jobs < 1) {
            throw new GradregException("--jobs must be >= 1, got " + jobs);
        }
        Slurm.Options o = new Slurm.Options(partition, time, cpusPerTask, mem, jobs == null ? 0 : jobs, sbatchArgs);
        String script = Slurm.script(s, file, todo, o, Worker.command(Main.class), Path.of(""));
        if (dryRun) {
            log.print(script);
            log.flush(); // print() does not flush an autoflush PrintWriter
            return 0;
        }
        Path scriptFile = s.out().resolve("slurm").resolve("sweep.sbatch");
        String id = Slurm.submit(script, scriptFile);
        log.printf("submitted job array %s: %d of %d runs (%d finished already); script %s, task output %s%n", id, todo.size(), runs.size(),
                runs.size() - todo.size(), scriptFile, s.out().resolve("slurm").resolve(id + "_*.out"));
        log.printf("when it has ended: gradreg sweep %s%s --collect%n", file, out == null ? "" : " --out " + out);
        log.println(id);
        return 0;
    }

    /** --task N: one run, in this JVM, so Slurm's SIGTERM reaches the training directly and it checkpoints. */
    private int task(SweepSpec s, PrintWriter log) {
        int t = threads != null ? threads : slurmCpus();
        if (task >= 0 && task < s.runs().size()) {
            // Said before the run starts: a task stopped by Slurm (requeue, time limit) may not get to say more.
            SweepSpec.Run r = s.runs().get(task);
            Path dir = s.out().resolve(r.id());
            if (!Files.isRegularFile(dir.resolve("summary.json"))) {
                log.printf("task %d of %d: %s %s with %d thread(s)%n", task, s.runs().size(),
                        Files.isRegularFile(dir.resolve("checkpoint.pt")) ? "resuming" : "starting", r.id(), t);
                log.flush();
            }
        }
        Sweep.Outcome o = Sweep.runTask(s, task, t, Launcher.inProcess(), retryFailed);
        log.printf("task %d of %d: %s %s%s%n", task, s.runs().size(), o.status().name().toLowerCase(), o.run().id(),
                o.message().isEmpty() ? "" : ": " + o.message());
        if (o.status() == Sweep.Status.FAILED || o.status() == Sweep.Status.DIVERGED) {
            throw new GradregException("run " + o.run().id() + " did not finish: " + o.message());
        }
        return 0;
    }

    private static int slurmCpus() {
        String c = System.getenv("SLURM_CPUS_PER_TASK");
        try {
            return c == null ? 1 : Integer.parseInt(c.trim());
        } catch (NumberFormatException e) {
            throw new GradregException("SLURM_CPUS_PER_TASK is not a number: '" + c + "'; give --threads");
        }
    }

    /** --collect: the tables from the finished runs, and a count of the others by state. */
    private int collect(SweepSpec s, PrintWriter log) {
        List<SweepSpec.Run> runs = s.runs();
        Map<Sweep.State, List<String>> by = new TreeMap<>();
        for (SweepSpec.Run r : runs) {
            by.computeIfAbsent(Sweep.state(s.out().resolve(r.id())), k -> new ArrayList<>()).add(r.id());
        }
        List<SweepTable.Row> rows = SweepTable.rows(s);
        String md = SweepTable.write(s, rows);
        String figure = SweepPlots.write(s.out(), SweepTable.groups(rows));
        log.print(md);
        int failed = by.getOrDefault(Sweep.State.FAILED, List.of()).size() + by.getOrDefault(Sweep.State.DIVERGED, List.of()).size();
        int missing = runs.size() - rows.size() - failed;
        log.printf("%ncollected %d of %d runs into %s (runs.csv, summary.csv, summary.md%s); %d missing, %d failed%n", rows.size(), runs.size(),
                s.out(), figure == null ? "" : ", " + figure, missing, failed);
        by.forEach((state, ids) -> {
            if (state != Sweep.State.FINISHED) {
                String what = switch (state) {
                    case FAILED -> "failed (see their log.txt)";
                    case DIVERGED -> "stopped on a non-finite loss (diverged.json; --retry-failed starts them again)";
                    case UNFINISHED -> "started, not finished (running, or stopped: resubmit to resume)";
                    default -> "not started";
                };
                log.printf("  %s: %s%n", what, String.join(" ", ids.size() > 20 ? ids.subList(0, 20) : ids) + (ids.size() > 20 ? " ..." : ""));
            }
        });
        if (failed > 0) {
            throw new GradregException(failed + " of " + runs.size() + " runs failed; their log.txt says why; resubmit to retry them");
        }
        return 0;
    }
}
