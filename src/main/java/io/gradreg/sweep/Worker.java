package io.gradreg.sweep;

import java.util.ArrayList;
import java.util.List;

/** How to start another process of this build: this JVM's java binary and classpath, so workers run the same code. */
public final class Worker {
    private Worker() {}

    /** {@code java -cp CLASSPATH MAIN ARGS...}, as a mutable list to append to. */
    public static List<String> command(Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xss8m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }
}
