package io.gradreg;

import java.io.PrintWriter;

/** How every entry point (the command line, a sweep's worker process) reports a failure: one line and an exit code. */
public final class Errors {
    /** Exit code of bad input: a {@link GradregException}. */
    public static final int USAGE = 2;
    /** Exit code of a bug: anything else. */
    public static final int INTERNAL = 1;

    private Errors() {}

    /**
     * Prints one line for {@code ex} and returns the exit code: a {@link GradregException} (bad
     * input, whatever its cause) is its message and {@link #USAGE}; anything else is a bug,
     * {@link #INTERNAL}, reduced to the first line of its message (libtorch appends a C++ stack
     * trace) and the operation that failed. {@code GRADREG_DEBUG=1} adds the full trace.
     */
    public static int report(Throwable ex, PrintWriter w) {
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
            return USAGE;
        }
        String what = ex instanceof OutOfMemoryError ? "out of Java heap memory (raise it with JAVA_OPTS=-Xmx...)"
                : ex instanceof StackOverflowError ? "stack overflow" : ex.getClass().getSimpleName() + ": " + GradregException.firstLine(ex);
        w.println("gradreg: internal error in " + operation(ex) + ": " + what
                + (debug ? "" : " (set GRADREG_DEBUG=1 for the full trace)"));
        if (debug) {
            ex.printStackTrace(w);
        }
        w.flush();
        return INTERNAL;
    }

    /**
     * The operation that failed, from the stack: the first libtorch (JavaCPP) call, and the gradreg
     * method that made it, e.g. "Tensor.cross_entropy from Loss.value"; else the first gradreg frame.
     */
    public static String operation(Throwable ex) {
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

}
