package io.gradreg.repro;

import io.gradreg.sweep.Launcher;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * One reproduction of a paper's claim: {@code gradreg reproduce NAME}. It writes its tables, data
 * and plots into {@link Context#out()} and returns a markdown report with a plain verdict.
 */
public interface Experiment {
    /** The name on the command line, e.g. {@code smoothness}. */
    String name();

    /** The paper (seed) and the claim under test, one sentence. */
    String claim();

    /** Runs the experiment; {@code --quick} shrinks it to seconds, with the same code path. */
    Report run(Context ctx);

    /**
     * Where and how to run. {@code jobs} bounds parallel worker processes; {@code inProcess} runs a
     * gradreg command inside this JVM, for {@code --quick} runs too short to pay a JVM start.
     */
    record Context(boolean quick, Path out, int jobs, PrintWriter log, Launcher inProcess, boolean retryFailed) {
        /** Diverged runs stay failed. */
        Context(boolean quick, Path out, int jobs, PrintWriter log, Launcher inProcess) {
            this(quick, out, jobs, log, inProcess, false);
        }
    }

    /**
     * The outcome: {@code verdict} is one of "reproduced", "partly reproduced", "not reproduced",
     * followed by a short reason; {@code markdown} holds the tables and plot links.
     */
    record Report(String verdict, String markdown) {}
}
