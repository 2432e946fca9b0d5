package io.gradreg.cli;

import io.gradreg.GradregException;
import io.gradreg.engine.Natives;
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
        return args.length > 0 && java.util.Arrays.stream(args).noneMatch(a -> a.equals("--help") || a.equals("-h") || a.equals("--version")
                || a.equals("-V") || a.equals("help"));
    }

    /**
     * Prints one line for {@code ex} and returns the exit code: a {@link GradregException} (bad
     * input, whatever its cause) is its message and {@link #EXIT_USAGE}; anything else is a bug,
     * {@link #EXIT_INTERNAL}, reduced to the first line of its message (libtorch appends a C++ stack
     * trace) and the operation that failed. {@code GRADREG_DEBUG=1} adds the full trace.
     */
    static int report(Throwable ex, PrintWriter w) {
        if (ex instanceof ExceptionInInitializerError e && e.getCause() instanceof GradregException g) {
            ex = g; // e.g. Natives refusing a foreign libtorch while a class initializes
        }
        boolean debug = System.getenv("GRADREG_DEBUG") != null;
        if (ex instanceof GradregException) {
            w.println("gradreg: " + GradregException.firstLine(ex));
            if (debug) {
                ex.printStackTrace(w);
            }
            w.flush();
            return EXIT_USAGE;
        }
        String what = ex instanceof OutOfMemoryError ? "out of Java heap memory (raise it with JAVA_OPTS=-Xmx...)"
                : ex instanceof StackOverflowError ? "stack overflow" : ex.getClass().getSimpleName() + ": " + GradregException.firstLine(ex);
        w.println("gradreg: internal error in " + operation(ex) + ": " + what
                + (debug ? "" : " (set GRADREG_DEBUG=1 for the full trace)"));
        if (debug) {
            ex.printStackTrace(w);
        }
        w.flush();
        return EXIT_INTERNAL;
    }

    /**
     * The operation that failed, from the stack: the first libtorch (JavaCPP) call, and the gradreg
     * method that made it, e.g. "Tensor.cross_entropy from Loss.value"; else the first gradreg frame.
     */
    static String operation(Throwable ex) {
        StackTraceElement[] st = ex.getStackTrace();
        String nativeOp = null;
        for (StackTraceElement f : st) {
            String cls = f.getClassName();
            if (cls.startsWith("org.bytedeco.") && nativeOp == null) {
                nativeOp = simple(cls) + "." + method(f);
            } else if (cls.startsWith("io.gradreg.")) {
                String own = simple(cls) + "." + method(f);
                return nativeOp == null ? own : nativeOp + " from " + own;
            }
        }
        return nativeOp != null ? nativeOp : st.length > 0 ? simple(st[0].getClassName()) + "." + method(st[0]) : "gradreg";
    }

    /** The frame's method, with a lambda named by the method that wrote it. */
    private static String method(StackTraceElement f) {
        String m = f.getMethodName();
        String[] parts = m.split("\\$");
        return m.startsWith("lambda$") && parts.length > 1 ? parts[1] : m;
    }

    private static String simple(String className) {
        String s = className.substring(className.lastIndexOf('.') + 1);
        int inner = s.indexOf('$');
        return inner > 0 ? s.substring(0, inner) : s;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
