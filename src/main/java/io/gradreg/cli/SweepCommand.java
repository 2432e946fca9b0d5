package io.gradreg.cli;

import io.gradreg.GradregException;
import io.gradreg.io.RunLock;
import io.gradreg.sweep.Launcher;
import io.gradreg.sweep.Sweep;
import io.gradreg.sweep.SweepSpec;
import io.gradreg.sweep.SweepTable;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gradreg sweep SPEC.yaml}: a grid of train runs in parallel single-threaded workers, then a table. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a grid of train runs (methods x hyperparameters x seeds x train sizes) as parallel worker processes,",
                "then aggregate them into runs.csv, summary.csv and summary.md (mean +- std over seeds).",
                "Finished runs are skipped, so an interrupted sweep continues where it stopped."})
public final class SweepCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Parameters(index = "0", paramLabel = "SPEC.yaml", description = "the sweep: name, out, base, variants, grid (see docs/sweeps.md)")
    Path file;
    @Option(names = "--jobs", description = "worker processes at a time, one libtorch thread each (default: the number of cores)")
    Integer jobs;
    @Option(names = "--out", description = "output directory (default: the spec's out, or runs/sweeps/NAME)")
    Path out;
    @Option(names = "--dry-run", description = "list the runs and exit")
    boolean dryRun;

    @Override
    public Integer call() {
        PrintWriter log = spec.commandLine().getOut();
        SweepSpec s = SweepSpec.read(file);
        if (out != null) {
            s = new SweepSpec(s.name(), out, s.base(), s.variants(), s.grid());
        }
        s.requireFlags(new CommandLine(new TrainCommand()).getCommandSpec().optionsMap().keySet(), file.toString());
        List<SweepSpec.Run> runs = s.runs();
        int j = jobs == null ? Runtime.getRuntime().availableProcessors() : jobs;
        log.printf("sweep %s: %d runs, %d at a time, into %s%n", s.name(), runs.size(), j, s.out());
        if (dryRun) {
            runs.forEach(r -> log.println("  " + r.id() + ": gradreg train " + String.join(" ", r.args())));
            return 0;
        }
        List<Sweep.Outcome> outcomes;
        try (RunLock lock = RunLock.acquire(s.out(), "--out")) {
            outcomes = Sweep.run(s, j, Launcher.subprocess(), log);
        }
        String md = SweepTable.write(s.out(), SweepTable.rows(s));
        log.println();
        log.print(md);
        log.printf("%nwritten: %s (runs.csv, summary.csv, summary.md)%n", s.out());
        long failed = outcomes.stream().filter(o -> o.status() == Sweep.Status.FAILED).count();
        if (failed > 0) {
            throw new GradregException(failed + " of " + runs.size() + " runs failed; their log.txt says why; rerun to retry them");
        }
        return 0;
    }
}
