package io.gradreg.sweep;

import java.util.ArrayList;
import java.util.List;

/** How to start another gradreg process: this JVM's java binary and classpath, so workers run the same build. */
public final class Worker {
    private Worker() {}

    /** {@code java -cp CLASSPATH io.gradreg.cli.Main ARGS...}, as a mutable list to append to. */
    public static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xss8m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.gradreg.cli.Main");
        cmd.addAll(List.of(args));
        return cmd;
    }
}
