package io.gradreg.method;

import io.gradreg.engine.TensorList;

/**
 * Where training is when a step's direction is asked for: what a method may depend on besides the
 * batch. Methods stay stateless; anything that changes over training (a strength schedule, the
 * regularization component kept by {@link Every}) is a function of this record, and the trainer
 * owns and checkpoints the state in it.
 *
 * @param index the 0-based step count since the start of the run
 * @param total the run's total number of steps
 * @param lrFactor the learning-rate schedule's factor at this step (lr(t) / lr)
 * @param component the regularization component d − g of the last full step kept by {@link Every}
 *     with reuse, or null when there is none yet
 */
public record Step(long index, long total, double lrFactor, TensorList component) {
    /** A step with no kept component. */
    public Step(long index, long total, double lrFactor) {
        this(index, total, lrFactor, null);
    }
}
