package io.gradreg.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.openblas.global.openblas;
import org.bytedeco.pytorch.global.torch;

/**
 * libtorch start-up and thread policy, set here in code because the defaults oversubscribe a small
 * machine (docs/benchmarks.md, "Threads", has the measurements behind every choice below).
 *
 * <ul>
 *   <li>libtorch sends every float32 matrix product (Linear, and the GEMMs of its autograd) to
 *       OpenBLAS, whose pthread pool is separate from libtorch's OpenMP pool (convolutions go to
 *       oneDNN, elementwise kernels to ATen, both on the OpenMP pool). Both pools busy-wait after
 *       their work, so giving each one thread per core fights over the cores (5-10x slower).</li>
 *   <li>With {@code n} threads, one pool gets {@code n} and the other one, so only one pool ever
 *       spins. Which one depends on the model's kernels ({@link Kernels}): for an MLP, OpenBLAS
 *       ({@code n × 1}: its matrix products use every core); for a convolutional network,
 *       libtorch's pool ({@code 1 × n}: oneDNN's convolutions and ATen's max pooling, the largest
 *       kernel of LeNet-5's step, run there). Measured on 2 quiet cores: LeNet-5's SAM step 30 ms at
 *       1 × 2 against 50 ms at 2 × 1; the MLP's 4.7 ms at 2 × 1 against 6.7 ms at 1 × 2.</li>
 *   <li>Synchronising threads costs little on idle cores but a scheduler time slice on busy ones:
 *       measured under load, a two-thread step ran 1.6-10x slower than a one-thread step. So by
 *       default ({@link #start()}) the count is the number of cores other processes leave free
 *       when the engine starts (niced ones included: they still delay a partner thread). It is not
 *       changed mid-run: OpenBLAS's results differ in the last bits between 1 and 2 threads
 *       (measured), and a run, or a resumed run, must keep its arithmetic.</li>
 *   <li>{@link #start(int)} fixes the count (--threads, data-parallel workers, tiny models).</li>
 * </ul>
 */
public final class Engine {
    /** What dominates a model's step, which decides which pool gets the threads. */
    public enum Kernels {
        /** Matrix products (MLPs, the solvable models): OpenBLAS gets the threads, libtorch's pool one. */
        MATMUL,
        /** Convolutions and pooling (CNNs): libtorch's OpenMP pool gets the threads, OpenBLAS one. */
        CONVOLUTION
    }
    /** Others' busy cores from which one of ours counts as taken. */
    static final double TAKEN = 0.6;

    static {
        Natives.load(); // before libtorch's own loader runs: see Natives
    }

    private static int threads = -1;
    private static boolean auto;
    private static String custom;
    private static Kernels kernels = Kernels.MATMUL;

    private Engine() {}

    /** Cores of this machine (those the JVM may use). */
    public static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Starts the engine with one thread per core that other processes leave free, measured over
     * 0.1 s now (see the class comment); the count then stays fixed for the process's life, so a
     * run never changes its arithmetic midway. Idempotent.
     */
    public static synchronized void start() {
        if (auto && threads > 0) {
            return;
        }
        long[] before = sample();
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long[] after = sample();
        double others = before == null || after == null ? 0 : othersBusyCores(before, after, cores());
        apply(freeCores(others, cores()));
        auto = true;
    }

    /** Cores left for us when others keep {@code others} cores busy: all of them below {@link #TAKEN}, at least one. */
    static int freeCores(double others, int cores) {
        return others < TAKEN ? cores : Math.max(1, cores - (int) Math.round(others));
    }

    /**
     * Starts the engine with exactly {@code n} threads (a data-parallel worker and the tiny models use 1);
     * the count no longer follows the free cores. Calling it again with another count changes the pools' sizes.
     */
    public static synchronized void start(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + n);
        }
        auto = false;
        apply(n);
    }

    /**
     * Fixes OpenBLAS's and libtorch's pool sizes independently, for measuring the policy itself
     * ({@code gradreg bench --thread-configs}); training uses {@link #start()} or {@link #start(int)}.
     */
    public static synchronized void start(int blasThreads, int intraOpThreads) {
        if (blasThreads < 1 || intraOpThreads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + blasThreads + "x" + intraOpThreads);
        }
        auto = false;
        openblas.blas_set_num_threads(blasThreads);
        torch.set_num_threads(intraOpThreads);
        threads = -2; // not a policy count: the next start(n) or start() sets both pools again
        custom = blasThreads + "x" + intraOpThreads;
    }

    /** Whether the thread count came from the free cores ({@link #start()}) or was fixed ({@link #start(int)}). */
    public static synchronized boolean adaptive() {
        return auto;
    }

    /**
     * Gives the threads to the pool that runs {@code k}'s kernels (see the class comment); a model
     * declares its kind when it is built ({@code Models.build}). The count stays as it is; a fixed
     * {@code BxI} setting ({@link #start(int, int)}) is left alone.
     */
    public static synchronized void kernels(Kernels k) {
        if (k == kernels) {
            return;
        }
        kernels = k;
        if (threads > 0) {
            setPools(threads);
        }
    }

    /** The kind of kernels the threads are split for. */
    public static synchronized Kernels kernels() {
        return kernels;
    }

    private static void apply(int n) {
        if (threads == n) {
            return;
        }
        setPools(n);
        threads = n;
        custom = null;
    }

    private static void setPools(int n) {
        openblas.blas_set_num_threads(blasThreads(n));
        torch.set_num_threads(intraOpThreads(n));
    }

    private static int blasThreads(int n) {
        return kernels == Kernels.MATMUL ? n : 1;
    }

    private static int intraOpThreads(int n) {
        return kernels == Kernels.CONVOLUTION ? n : 1;
    }

    /** The thread count in force (the number of cores matrix products use), starting the engine first if needed. */
    public static synchronized int threads() {
        if (threads == -1) {
            start();
        }
        return Math.max(threads, 1);
    }

    /** A one-line description of the thread setting in force, for reports. */
    public static synchronized String describeThreads() {
        threads();
        if (custom != null) {
            String[] bi = custom.split("x");
            return "OpenBLAS " + bi[0] + " x libtorch intra-op " + bi[1] + " threads (fixed)";
        }
        return String.format("OpenBLAS %d x libtorch intra-op %d threads (%s%s)", blasThreads(threads), intraOpThreads(threads),
                auto ? "the free cores at start" : "fixed", threads > 1 ? ", split for " + kernels.name().toLowerCase() + " kernels" : "");
    }

    /** Seeds libtorch's global generator (parameter init, dropout, random projections). */
    public static void seed(long seed) {
        threads();
        torch.manual_seed(seed);
    }

    /**
     * {total jiffies, others' busy jiffies} from /proc, or null where /proc is missing (then the
     * count is the cores). Busy is everything but idle and iowait, niced time included: measured
     * here, two-thread steps ran ~10x slower than PyTorch's one-thread steps while only niced
     * background jobs (about one core's worth of non-niced time besides) loaded the machine. This
     * process's own user and system time is taken out.
     */
    static long[] sample() {
        try {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < cpu.length && i <= 8; i++) {
                total += Long.parseLong(cpu[i]);
            }
            // user nice system idle iowait irq softirq steal
            long busy = total - Long.parseLong(cpu[4]) - Long.parseLong(cpu[5]);
            String self = Files.readString(Path.of("/proc/self/stat"));
            String[] f = self.substring(self.lastIndexOf(')') + 2).trim().split("\\s+");
            // f[0] is field 3 (state) of proc(5): utime is field 14, stime field 15
            long own = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return new long[] {total, busy - own};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Cores other processes kept busy between two samples. */
    static double othersBusyCores(long[] before, long[] after, int cores) {
        long dt = after[0] - before[0];
        if (dt <= 0) {
            return 0;
        }
        return Math.max(0, (double) (after[1] - before[1]) / dt * cores);
    }
}
