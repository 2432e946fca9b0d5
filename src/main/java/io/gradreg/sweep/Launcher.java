package io.gradreg.sweep;

import io.gradreg.train.Run;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How a sweep runs one training run ({@code gradreg train}'s arguments): in a worker process of
 * this build, or inside this JVM. Both start {@link Run}, the runner of {@code train/}.
 */
@FunctionalInterface
public interface Launcher {
    /** Runs the train arguments {@code args} with the output in {@code logFile}, and returns the exit code. */
    int run(List<String> args, Path logFile) throws IOException, InterruptedException;

    /** A worker process per run: this JVM's java binary and classpath, so workers run the same build. */
    static Launcher subprocess() {
        return (args, logFile) -> {
            List<String> cmd = Worker.command(Run.class, args.toArray(String[]::new));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
            return p.waitFor();
        };
    }

    /** In this JVM, one run at a time (output and error both to the log file). */
    static Launcher inProcess() {
        return (args, logFile) -> {
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(logFile), true)) {
                return Run.main(w, w, args.toArray(String[]::new));
            }
        };
    }
}
