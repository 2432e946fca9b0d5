package io.gradreg.train;

/**
 * Metrics after an epoch, on the full training and test sets in evaluation mode.
 *
 * @param gradNorm ||g|| of the full training loss
 * @param rIG R_IG = ||g||^2 / m (seed 001), m the number of parameters
 * @param lambdaIG lambda = h m / 4, the implicit regularization strength of GD with rate h
 * @param penalty mean regularizer value over the epoch's steps (NaN when the method has none)
 * @param msPerStep mean wall time of a training step in the epoch
 * @param hessianTop top Hessian eigenvalue on the sharpness subset ({@link SharpnessTracking}; NaN when not measured)
 * @param hessianTrace Hutchinson's estimate of the Hessian trace on the sharpness subset (NaN when not measured)
 * @param hessianTraceSe the standard error of {@code hessianTrace}
 * @param subsetRIG R_IG = ||g||^2 / m on the sharpness subset (NaN when not measured)
 * @param sharpnessMs wall time of the sharpness measurement after this epoch (NaN when not measured)
 * @param sharpnessCpuMs CPU time of the process (all its threads) spent on that measurement (NaN when not measured)
 */
public record EpochMetrics(int epoch, long step, double lr, double trainLoss, double trainAccuracy,
        double testLoss, double testAccuracy, double gradNorm, double rIG, double lambdaIG,
        double batchLoss, double penalty, double msPerStep, double hessianTop, double hessianTrace,
        double hessianTraceSe, double subsetRIG, double sharpnessMs, double sharpnessCpuMs) {

    /** An epoch without a sharpness measurement. */
    public EpochMetrics(int epoch, long step, double lr, double trainLoss, double trainAccuracy, double testLoss,
            double testAccuracy, double gradNorm, double rIG, double lambdaIG, double batchLoss, double penalty, double msPerStep) {
        this(epoch, step, lr, trainLoss, trainAccuracy, testLoss, testAccuracy, gradNorm, rIG, lambdaIG, batchLoss, penalty, msPerStep,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }

    /** These metrics with a sharpness measurement attached. */
    public EpochMetrics withSharpness(SharpnessTracking.Result s) {
        return new EpochMetrics(epoch, step, lr, trainLoss, trainAccuracy, testLoss, testAccuracy, gradNorm, rIG, lambdaIG, batchLoss,
                penalty, msPerStep, s.top(), s.trace(), s.traceSe(), s.rIG(), s.ms(), s.cpuMs());
    }

    /** Whether the sharpness was measured after this epoch. */
    public boolean hasSharpness() {
        return !Double.isNaN(sharpnessMs);
    }
}
