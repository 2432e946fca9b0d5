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
    void theThreadsGoToThePoolOfTheModelsKernels() {
        Engine.start(2);
        try {
            Engine.kernels(Engine.Kernels.CONVOLUTION);
            assertEquals(1, org.bytedeco.openblas.global.openblas.blas_get_num_threads());
            assertEquals(2, org.bytedeco.pytorch.global.torch.get_num_threads());
            assertEquals("OpenBLAS 1 x libtorch intra-op 2 threads (fixed, split for convolution kernels)", Engine.describeThreads());
            Engine.kernels(Engine.Kernels.MATMUL);
            assertEquals(2, org.bytedeco.openblas.global.openblas.blas_get_num_threads());
            assertEquals(1, org.bytedeco.pytorch.global.torch.get_num_threads());
            // a model declares its kind when it is built
            io.gradreg.nn.Models.build("lenet5", io.gradreg.nn.Models.Options.defaults(new long[] {1, 28, 28}, 10));
            assertEquals(Engine.Kernels.CONVOLUTION, Engine.kernels());
            io.gradreg.nn.Models.build("mlp:4-3-2", io.gradreg.nn.Models.Options.defaults(new long[] {4}, 2));
            assertEquals(Engine.Kernels.MATMUL, Engine.kernels());
        } finally {
            Engine.kernels(Engine.Kernels.MATMUL);
            Engine.start(1);
        }
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
