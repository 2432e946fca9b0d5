package io.gradreg.sweep;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * How a sweep runs one gradreg command (e.g. {@code train ARGS}): in a worker process or inside
 * this JVM. The sweep engine sits below the command line, so the in-process launcher is handed to
 * it by the caller ({@code cli} passes its own entry point) instead of being called upward.
 */
@FunctionalInterface
public interface Launcher {
    /** Runs {@code args} with its output in {@code logFile} and returns the exit code. */
    int run(List<String> args, Path logFile) throws IOException, InterruptedException;

    /** A worker process per command: this JVM's java binary and classpath, so workers run the same build. */
    static Launcher subprocess() {
        return (args, logFile) -> {
            List<String> cmd = Worker.command(args.toArray(String[]::new));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
            return p.waitFor();
        };
    }

    /** In this JVM through {@code entry} (output and error both to the log file). */
    static Launcher inProcess(Entry entry) {
        return (args, logFile) -> {
            try (PrintWriter w = new PrintWriter(java.nio.file.Files.newBufferedWriter(logFile), true)) {
                return entry.run(w, w, args.toArray(String[]::new));
            }
        };
    }

    /** A command-line entry point: {@code io.gradreg.cli.Main::run}. */
    @FunctionalInterface
    interface Entry {
        int run(PrintWriter out, PrintWriter err, String... args);
    }
}
