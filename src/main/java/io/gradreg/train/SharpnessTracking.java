package io.gradreg.train;

import io.gradreg.GradregException;
import io.gradreg.analysis.FullBatch;
import io.gradreg.analysis.Hessian;
import io.gradreg.data.Dataset;
import io.gradreg.data.Permutation;
import io.gradreg.engine.Tensors;
import io.gradreg.method.Loss;
import io.gradreg.nn.Net;
import java.util.Arrays;
import java.util.Random;

/**
 * {@code train --track-sharpness N}: every N epochs, on a fixed seeded subset of the training set,
 * the top Hessian eigenvalue (Lanczos), the Hessian trace (Hutchinson) and R_IG = ‖∇L‖²/m, all of
 * the subset's mean loss in evaluation mode ({@link Hessian}). The subset, the Lanczos start
 * vector and the Hutchinson probes are the same at every measurement (common random numbers), so
 * the curve over epochs shows the landscape moving, not the estimator's noise. The measurement
 * reads θ and leaves it, the random generators and the batch-norm statistics untouched, so a run
 * with tracking trains bit-identically to one without.
 *
 * @param everyEpochs measure after every N-th epoch
 * @param subset samples in the subset (drawn with the run's seed; the whole set if it is not larger)
 * @param lanczos Lanczos iterations at most (one Hessian-vector product each; stops early at relative residual 1e-3)
 * @param hutchinson Rademacher probes of the trace (one product each, at least 2 for an error bar)
 */
public record SharpnessTracking(int everyEpochs, long subset, int lanczos, int hutchinson) {
    /** Defaults: a 64-sample subset, 6 Lanczos iterations, 2 Hutchinson probes (cost measured on small-mnist: see README). */
    public static final long DEFAULT_SUBSET = 64;
    public static final int DEFAULT_LANCZOS = 6;
    public static final int DEFAULT_HUTCHINSON = 2;
    /** Relative Ritz residual at which Lanczos stops early. */
    static final double TOL = 1e-3;

    public SharpnessTracking {
        if (everyEpochs < 1) {
            throw new GradregException("--track-sharpness must be >= 1 epoch, got " + everyEpochs);
        }
        if (subset < 1) {
            throw new GradregException("--sharpness-subset must be >= 1 sample, got " + subset);
        }
        if (lanczos < 1) {
            throw new GradregException("--sharpness-lanczos must be >= 1 iteration, got " + lanczos);
        }
        if (hutchinson < 2) {
            throw new GradregException("--sharpness-hutchinson must be >= 2 probes (for an error bar), got " + hutchinson);
        }
    }

    /**
     * One measurement: top eigenvalue, trace ± its standard error, R_IG on the subset, its wall time
     * and the CPU time of the whole process during it (all threads: robust to other jobs' load).
     */
    public record Result(double top, double trace, double traceSe, double rIG, double ms, double cpuMs, int products) {}


    /**
     * The fixed subset of {@code train} for a run with {@code seed}: {@code subset} samples drawn
     * uniformly without replacement (not class-balanced, so it exists for any label counts), in
     * their original order; the whole set when it is not larger.
     */
    public Dataset subsetOf(Dataset train, long seed) {
        if (subset >= train.size()) {
            return train;
        }
        long[] order = Permutation.shuffled((int) train.size(), new Random(seed ^ 0x5AB5L));
        long[] chosen = Arrays.copyOf(order, (int) subset);
        Arrays.sort(chosen);
        return train.select(Tensors.fromLongs(chosen, chosen.length));
    }

    /** Measures at {@code net}'s current parameters on {@code data} (the subset). */
    public Result measure(Net net, Loss loss, Dataset data, long seed) {
        long t0 = System.nanoTime();
        double cpu0 = CpuTime.processMs();
        Hessian h = new Hessian(net, loss, data);
        Hessian.Eigen top = h.topEigenvalue(lanczos, TOL, seed);
        Hessian.Trace tr = h.trace(hutchinson, seed + 1);
        double gn = FullBatch.norm(FullBatch.gradient(net, loss, data));
        double ms = (System.nanoTime() - t0) / 1e6;
        return new Result(top.value(), tr.mean(), tr.stdError(), gn * gn / net.numParams(), ms, CpuTime.processMs() - cpu0, (int) h.products());
    }
}
