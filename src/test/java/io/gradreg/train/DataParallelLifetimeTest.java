package io.gradreg.train;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Regression test of the heap corruption hunted in issue 13 (see docs/design.md, "The heap crash
 * hunt"): c10d objects must outlive the garbage collector's deallocators. Runs {@link GroupChurn}
 * in a child JVM with glibc's checking malloc (libc_malloc_debug, MALLOC_CHECK_=3), which turns a
 * double free into an abort at once instead of a crash tests later.
 */
class DataParallelLifetimeTest {
    static final Path MALLOC_DEBUG = Path.of("/lib/x86_64-linux-gnu/libc_malloc_debug.so.0");

    @Test
    void groupsDroppedAndCollectedLeaveTheHeapIntact() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xss8m",
                "-cp", System.getProperty("java.class.path"), GroupChurn.class.getName(), "10"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (Files.exists(MALLOC_DEBUG)) { // glibc >= 2.34 honours MALLOC_CHECK_ only with this library preloaded
            pb.environment().put("LD_PRELOAD", MALLOC_DEBUG.toString());
        }
        pb.environment().put("MALLOC_CHECK_", "3");
        pb.environment().put("MALLOC_PERTURB_", "165");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("GroupChurn: 10 rounds ok"), out);
    }
}
