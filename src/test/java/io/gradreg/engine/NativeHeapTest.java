package io.gradreg.engine;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** glibc's malloc thresholds: taken by the real mallopt, and a training step no longer pays fresh pages. */
class NativeHeapTest {
    @Test
    void theUsersOwnMallocTunablesStand() {
        assertTrue(NativeHeap.userTuned("glibc.malloc.mmap_threshold=1048576"));
        assertTrue(NativeHeap.userTuned("glibc.cpu.hwcaps=-AVX2:glibc.malloc.trim_threshold=1"));
        assertFalse(NativeHeap.userTuned("glibc.cpu.hwcaps=-AVX2"));
        assertFalse(NativeHeap.userTuned(null));
    }

    @Test
    void glibcTakesBothThresholds() {
        Natives.load();
        assertNull(System.getenv("GLIBC_TUNABLES"), "the test JVM runs without GLIBC_TUNABLES");
        assertTrue(NativeHeap.tune(), "mallopt accepted both thresholds");
        assertTrue(NativeHeap.mallopt(NativeHeap.M_MMAP_THRESHOLD, NativeHeap.MMAP_THRESHOLD));
    }

    @Test
    void aLeNetStepReusesItsMemoryInsteadOfFaultingInFreshPages() throws Exception {
        // Measured here: 3-35 faults per step with the thresholds set. With glibc's defaults (GRADREG_MALLOC=system)
        // 3 to 3273, depending on the order in which frees happened to adapt glibc's thresholds; so only the tuned
        // side is asserted, and the untuned child must run and report itself untuned.
        long tuned = faultsPerStep(false);
        faultsPerStep(true);
        assertTrue(tuned < 200, tuned + " minor faults per LeNet-5 step with the thresholds set");
    }

    private static long faultsPerStep(boolean systemMalloc) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"), HeapChild.class.getName()))
                .redirectErrorStream(true);
        pb.environment().remove("GLIBC_TUNABLES");
        if (systemMalloc) {
            pb.environment().put("GRADREG_MALLOC", "system");
        } else {
            pb.environment().remove("GRADREG_MALLOC");
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        Matcher m = Pattern.compile("tuned (true|false) faults (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        assertEquals(!systemMalloc, Boolean.parseBoolean(m.group(1)), out);
        return Long.parseLong(m.group(2));
    }
}
