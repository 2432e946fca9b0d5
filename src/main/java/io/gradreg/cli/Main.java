package io.gradreg.cli;

import io.gradreg.Errors;
import io.gradreg.GradregException;
import io.gradreg.engine.Natives;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code gradreg} command. Errors end in one line on stderr and a non-zero exit code. */
@Command(name = "gradreg", mixinStandardHelpOptions = true, version = "gradreg 0.1.0 (libtorch 2.10.0, JavaCPP 1.5.13)",
        description = "Gradient regularization for deep learning, on libtorch.",
        subcommands = {DemoCommand.class, TrainCommand.class, EvalCommand.class, AnalyzeCommand.class, DataCommand.class, SweepCommand.class,
                ReproduceCommand.class, BenchCommand.class, LaunchCommand.class, Reference.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit code for bad input or a failed run. */
    public static final int EXIT_USAGE = Errors.USAGE;
    /** Exit code for an internal error (a bug). */
    public static final int EXIT_INTERNAL = Errors.INTERNAL;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** The command line, its train help in sections. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        TrainHelp.install(cl.getSubcommands().get("train"));
        return cl;
    }

    /** Runs the command line with the given streams for picocli's output and errors. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter w = ex.getCommandLine().getErr();
            w.println("gradreg: " + ex.getMessage().lines().findFirst().orElse("bad arguments")
                    + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> report(ex, c.getErr()));
        try {
            if (needsEngine(args)) {
                Natives.load(); // the bundled libtorch, before anything touches libtorch in another order
            }
            return cl.execute(args);
        } catch (GradregException e) {
            return report(e, err);
        } catch (VirtualMachineError e) { // picocli handles Exceptions only; these escape execute()
            return report(e, err);
        }
    }

    /** Whether the command line may touch libtorch (not a bare help or version request). */
    static boolean needsEngine(String... args) {
        return args.length > 0 && !args[0].equals("reference") && java.util.Arrays.stream(args).noneMatch(a -> a.equals("--help") || a.equals("-h") || a.equals("--version")
                || a.equals("-V") || a.equals("help"));
    }

    /** One line for {@code ex} and the exit code: see {@link Errors#report}. */
    static int report(Throwable ex, PrintWriter w) {
        return Errors.report(ex, w);
    }

    /** The operation that failed: see {@link Errors#operation}. */
    static String operation(Throwable ex) {
        return Errors.operation(ex);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
