package io.gradreg.train;

/**
 * Metrics after an epoch, on the full training and test sets in evaluation mode.
 *
 * @param gradNorm ||g|| of the full training loss
 * @param rIG R_IG = ||g||^2 / m (seed 001), m the number of parameters
 * @param lambdaIG lambda = h m / 4, the implicit regularization strength of GD with rate h
 * @param penalty mean regularizer value over the epoch's steps (NaN when the method has none)
 * @param msPerStep mean wall time of a training step in the epoch
 */
public record EpochMetrics(int epoch, long step, double lr, double trainLoss, double trainAccuracy,
        double testLoss, double testAccuracy, double gradNorm, double rIG, double lambdaIG,
        double batchLoss, double penalty, double msPerStep) {}
