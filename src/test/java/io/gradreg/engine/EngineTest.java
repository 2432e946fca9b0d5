package io.gradreg.engine;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The thread policy's arithmetic and its switch between fixed and adaptive counts (no timing is asserted). */
class EngineTest {
    @Test
    void othersBusyCoresIsTheirShareOfTheIntervalTimesTheCores() {
        // 200 jiffies passed over 2 cores; others were busy 150 of them: 1.5 cores
        assertEquals(1.5, Engine.othersBusyCores(new long[] {1000, 400}, new long[] {1200, 550}, 2), 1e-12);
        assertEquals(0.0, Engine.othersBusyCores(new long[] {1000, 400}, new long[] {1000, 450}, 2), 0);
        assertEquals(0.0, Engine.othersBusyCores(new long[] {1000, 400}, new long[] {1100, 390}, 2), 0);
    }

    @Test
    void freeCoresLeaveOneCorePerBusyOtherAndAtLeastOne() {
        assertEquals(2, Engine.freeCores(0.0, 2));
        assertEquals(2, Engine.freeCores(0.5, 2));
        assertEquals(1, Engine.freeCores(0.9, 2));
        assertEquals(1, Engine.freeCores(1.4, 2));
        assertEquals(1, Engine.freeCores(7.0, 2));
        assertEquals(6, Engine.freeCores(2.2, 8));
    }

    @Test
    void theProcSampleTakesOwnTimeOut() {
        long[] s = Engine.sample();
        assertNotNull(s, "/proc/stat and /proc/self/stat are readable on Linux");
        assertTrue(s[0] > 0 && s[1] <= s[0], java.util.Arrays.toString(s));
    }

    @Test
    void aFixedCountStaysFixedAndStartRestoresAdaptation() {
        Engine.start(1);
        assertFalse(Engine.adaptive());
        assertEquals(1, Engine.threads());
        assertEquals("OpenBLAS 1 x libtorch intra-op 1 threads (fixed)", Engine.describeThreads());
        Engine.start();
        assertTrue(Engine.adaptive());
        assertTrue(Engine.threads() >= 1 && Engine.threads() <= Engine.cores());
    }
}
