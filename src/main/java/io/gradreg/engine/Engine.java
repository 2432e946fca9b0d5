package io.gradreg.engine;

import org.bytedeco.openblas.global.openblas;
import org.bytedeco.pytorch.global.torch;

/**
 * libtorch start-up. Thread counts are set here, in code, because the defaults oversubscribe a
 * small machine: OpenBLAS's own pool and libtorch's OpenMP pool each take every core, and an MLP
 * step measured 5x slower (docs/engine-notes). OpenBLAS gets one thread; libtorch parallelises.
 */
public final class Engine {
    private static int threads = -1;

    private Engine() {}

    /** Starts the engine with one intra-op thread per core. Idempotent. */
    public static synchronized void start() {
        start(Runtime.getRuntime().availableProcessors());
    }

    /**
     * Starts the engine with {@code intraOpThreads} libtorch threads (a data-parallel worker uses 1).
     * Calling it again with another count changes libtorch's pool size.
     */
    public static synchronized void start(int intraOpThreads) {
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + intraOpThreads);
        }
        if (threads == intraOpThreads) {
            return;
        }
        openblas.blas_set_num_threads(1);
        torch.set_num_threads(intraOpThreads);
        threads = intraOpThreads;
    }

    /** The intra-op thread count in force, starting the engine first if needed. */
    public static synchronized int threads() {
        if (threads < 0) {
            start();
        }
        return threads;
    }

    /** Seeds libtorch's global generator (parameter init, dropout, random projections). */
    public static void seed(long seed) {
        threads();
        torch.manual_seed(seed);
    }
}
