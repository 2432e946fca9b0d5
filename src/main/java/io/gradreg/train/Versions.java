package io.gradreg.train;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

/** Facts about the installation recorded with every run. */
public final class Versions {
    private Versions() {}

    /** The git commit of the working directory, or "unknown" outside a git checkout. */
    public static String gitCommit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 ? s : "unknown";
        } catch (Exception e) {
            return "unknown";
        }
    }

    /** $GRADREG_CACHE, or ~/.cache/gradreg. */
    public static Path cacheDir() {
        String env = System.getenv("GRADREG_CACHE");
        return env != null && !env.isBlank() ? Paths.get(env) : Paths.get(System.getProperty("user.home"), ".cache", "gradreg");
    }
}
