package io.gradreg.cli;

import io.gradreg.GradregException;
import io.gradreg.repro.Experiment;
import io.gradreg.repro.Experiments;
import io.gradreg.repro.Figures;
import io.gradreg.io.AtomicFiles;
import io.gradreg.io.RunLock;
import io.gradreg.sweep.Launcher;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gradreg reproduce NAME}: one paper claim, rerun. A full run writes docs/results/NAME/ and
 * rebuilds docs/results.md from every experiment's results.md (and docs/results/notices.md, when present); {@code --quick} writes elsewhere
 * (runs/reproduce-quick/NAME) so a smoke test never overwrites the recorded results.
 */
@Command(name = "reproduce", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Rerun a claim of the three papers and write its tables and plots.")
public final class ReproduceCommand implements Callable<Integer> {
    static final Path RESULTS = Paths.get("docs", "results");

    @Spec
    CommandSpec spec;
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "the experiment (see --list), or all")
    String name;
    @Option(names = "--quick", description = "a seconds-long version of the same experiment (for tests and smoke checks)")
    boolean quick;
    @Option(names = "--out", description = "output directory (default: docs/results/NAME, or runs/reproduce-quick/NAME with --quick)")
    Path out;
    @Option(names = "--jobs", description = "parallel worker processes for experiments made of many runs (default: the number of cores)")
    Integer jobs;
    @Option(names = "--retry-failed", description = "start runs that stopped on a non-finite loss again, from scratch (without it they stay failed)")
    boolean retryFailed;
    @Option(names = "--list", description = "list the experiments and their claims")
    boolean list;
    @Option(names = "--index", description = "only rebuild docs/results.md from docs/results/*/results.md")
    boolean index;
    @Option(names = "--replot", description = "only redraw the figures from the saved data in docs/results/NAME (or --out); no training")
    boolean replot;

    @Override
    public Integer call() throws IOException {
        PrintWriter log = spec.commandLine().getOut();
        if (index) {
            writeIndex();
            log.println("rebuilt docs/results.md");
            return 0;
        }
        if (list || name == null) {
            Experiments.all().values().forEach(e -> log.printf("%-15s %s%n", e.name(), e.claim()));
            if (name == null && !list) {
                throw new GradregException("give an experiment NAME (listed above) or all");
            }
            return 0;
        }
        List<Experiment> todo = name.equals("all") ? new ArrayList<>(Experiments.all().values()) : List.of(Experiments.get(name));
        if (out != null && todo.size() > 1) {
            throw new GradregException("--out needs a single experiment, not all");
        }
        if (replot) {
            for (Experiment e : todo) {
                Path dir = out != null ? out : RESULTS.resolve(e.name());
                if (todo.size() > 1 && !Figures.canReplot(e.name())) {
                    log.printf("%s: figures need the runs; left as they are%n", e.name());
                    continue;
                }
                Figures.replot(e.name(), dir);
                log.printf("%s: figures redrawn in %s%n", e.name(), dir);
            }
            return 0;
        }
        int j = jobs == null ? Runtime.getRuntime().availableProcessors() : jobs;
        for (Experiment e : todo) {
            Path dir = out != null ? out : quick ? Paths.get("runs", "reproduce-quick", e.name()) : RESULTS.resolve(e.name());
            try (RunLock lock = RunLock.acquire(dir, "--out")) {
                reproduce(e, dir, j, log);
            }
        }
        return 0;
    }

    /** Runs one experiment into {@code dir} (locked by the caller) and writes its results.md. */
    private void reproduce(Experiment e, Path dir, int j, PrintWriter log) throws IOException {
        log.printf("== %s%s: %s%n", e.name(), quick ? " (quick)" : "", e.claim());
        long t0 = System.nanoTime();
        Experiment.Report r = e.run(new Experiment.Context(quick, dir, j, log, Launcher.inProcess(), retryFailed));
        double minutes = (System.nanoTime() - t0) / 60e9;
        String command = "./gradreg reproduce " + e.name() + (quick ? " --quick" : "");
        AtomicFiles.writeString(dir.resolve("results.md"), String.format("## %s%n%n**Claim.** %s%n%n**Command.** `%s` "
                + "(this invocation: %.1f min on %d cores; runs finished by an earlier invocation are reused, not rerun)%n%n**Verdict: %s**%n%n%s",
                e.name(), e.claim(), command, minutes, Runtime.getRuntime().availableProcessors(), r.verdict(), r.markdown()));
        log.printf("%s: %s%nwritten to %s%n", e.name(), r.verdict(), dir);
        if (!quick && out == null) {
            writeIndex();
        }
    }

    /** docs/results.md: a verdict table, then every experiment's results.md with image links rebased. */
    static void writeIndex() throws IOException {
        StringBuilder table = new StringBuilder("| experiment | verdict |\n|---|---|\n");
        StringBuilder body = new StringBuilder();
        for (Experiment e : Experiments.all().values()) {
            Path md = RESULTS.resolve(e.name()).resolve("results.md");
            if (!Files.isRegularFile(md)) {
                table.append("| ").append(e.name()).append(" | not run yet: `./gradreg reproduce ").append(e.name()).append("` |\n");
                continue;
            }
            String text = Files.readString(md);
            String verdict = text.lines().filter(l -> l.startsWith("**Verdict: ")).findFirst().orElse("")
                    .replace("**Verdict: ", "").replace("**", "");
            table.append("| [").append(e.name()).append("](#").append(e.name()).append(") | ").append(verdict).append(" |\n");
            body.append(text.replaceAll("\\]\\(([^)#/][^)]*\\.(?:png|md))\\)", "](results/" + e.name() + "/$1)")).append("\n");
        }
        // Numbers taken back or rechecked (and why) stay in view above the table: docs/results/notices.md, written by hand.
        Path notices = RESULTS.resolve("notices.md");
        String taken = Files.isRegularFile(notices) ? Files.readString(notices).strip() + "\n\n" : "";
        AtomicFiles.writeString(Paths.get("docs", "results.md"), "# Results: the papers' claims, rerun\n\n"
                + "Every number below was produced by the command written beside it, on this repository's code. "
                + "A claim that did not reproduce is reported as such.\n\n" + taken + table + "\n" + body);
    }
}
