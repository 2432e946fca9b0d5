package io.gradreg.engine;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * glibc's malloc, set once for libtorch's way of allocating: every step frees and reallocates the
 * same few megabyte-sized activations.
 *
 * <p>Why (docs/benchmarks.md, "Where LeNet-5's step went"): a JVM runs Java's main thread in a
 * secondary thread, whose malloc arena gives freed memory back to the kernel as soon as the free top
 * of the heap passes the trim threshold, and serves blocks above the mmap threshold by mmap/munmap.
 * Both thresholds start at 128 KiB. So each step's activations came back as fresh pages and paid a page
 * fault per 4 KiB: LeNet-5's plain step took 11.1 ms against PyTorch's 6.3 on the same kernels
 * (325,000 minor faults in 40 rounds of the probe, 89,000 with the thresholds below).
 * CPython's main thread uses the main arena, whose thresholds grow on their own.
 *
 * <p>The thresholds: mmap only above 32 MiB (the top of glibc's own dynamic range on 64-bit), and keep
 * up to 64 MiB of free heap. A user's own {@code GLIBC_TUNABLES=glibc.malloc...} is left alone, and
 * {@code GRADREG_MALLOC=system} leaves malloc as the C library set it; off glibc (musl, other systems)
 * nothing is done. The values change where memory comes from, never which
 * kernels run: the bits are the same either way.
 */
public final class NativeHeap {
    static final int M_TRIM_THRESHOLD = -1;
    static final int M_MMAP_THRESHOLD = -3;
    /** Blocks at least this large are mmapped. */
    public static final int MMAP_THRESHOLD = 32 << 20;
    /** Free memory at the top of a heap kept for the next step before it is given back. */
    public static final int TRIM_THRESHOLD = 64 << 20;
    private static Boolean tuned;

    private NativeHeap() {}

    /**
     * Sets the two thresholds, once per process; returns whether they are set (false off glibc, when
     * the user's {@code GLIBC_TUNABLES} already sets malloc's, or under {@code GRADREG_MALLOC=system}).
     */
    public static synchronized boolean tune() {
        if (tuned == null) {
            tuned = !"system".equals(System.getenv("GRADREG_MALLOC")) && !userTuned(System.getenv("GLIBC_TUNABLES")) && mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                    && mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD);
        }
        return tuned;
    }

    /** Whether the user set malloc's own tunables (then theirs stand). */
    static boolean userTuned(String tunables) {
        return tunables != null && tunables.contains("glibc.malloc.");
    }

    /** {@code mallopt(param, value) == 1}; false where the C library has no mallopt or refuses. */
    static boolean mallopt(int param, int value) {
        if (!Platform.isLinux()) {
            return false;
        }
        try {
            Function f = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("mallopt");
            return f.invokeInt(new Object[] {param, value}) == 1;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }
}
