package io.gradreg.train;

import io.gradreg.GradregException;

/** The loss became NaN or infinite; the step was refused, so the parameters are those of the step before. */
public final class NonFiniteLossException extends GradregException {
    private final long step;
    private final double loss;

    NonFiniteLossException(double loss, long step) {
        super("the loss became " + loss + " at step " + step + "; parameters are left at step " + (step - 1));
        this.step = step;
        this.loss = loss;
    }

    /** The non-finite loss (NaN or ±Infinity). */
    public double loss() {
        return loss;
    }

    /** The 1-based step whose loss was not finite. */
    public long step() {
        return step;
    }
}
