package io.gradreg.cli;

import io.gradreg.GradregException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code gradreg} command. Errors end in one line on stderr and a non-zero exit code. */
@Command(name = "gradreg", mixinStandardHelpOptions = true, version = "gradreg 0.1.0 (libtorch 2.10.0, JavaCPP 1.5.13)",
        description = "Gradient regularization for deep learning, on libtorch.",
        subcommands = {DemoCommand.class, TrainCommand.class, EvalCommand.class, AnalyzeCommand.class, DataCommand.class, SweepCommand.class,
                ReproduceCommand.class, BenchCommand.class, LaunchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit code for bad input or a failed run. */
    public static final int EXIT_USAGE = 2;
    /** Exit code for an internal error (a bug). */
    public static final int EXIT_INTERNAL = 1;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the command line with the given streams for picocli's output and errors. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter w = ex.getCommandLine().getErr();
            w.println("gradreg: " + ex.getMessage().lines().findFirst().orElse("bad arguments")
                    + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            PrintWriter w = c.getErr();
            if (ex instanceof GradregException) {
                w.println("gradreg: " + ex.getMessage());
                return EXIT_USAGE;
            }
            w.println("gradreg: internal error: " + ex + (System.getenv("GRADREG_DEBUG") == null ? " (set GRADREG_DEBUG=1 for the stack trace)" : ""));
            if (System.getenv("GRADREG_DEBUG") != null) {
                ex.printStackTrace(w);
            }
            return EXIT_INTERNAL;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
