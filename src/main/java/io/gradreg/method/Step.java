package io.gradreg.method;

import io.gradreg.engine.TensorList;

/**
 * Where training is when a step's direction is asked for: what a method may depend on besides the
 * batch. Methods stay stateless; anything that changes over training (a strength schedule, the state
 * a method keeps between steps) is a function of this record, and the trainer owns and checkpoints
 * the state in it.
 *
 * @param index the 0-based step count since the start of the run
 * @param total the run's total number of steps
 * @param lrFactor the learning-rate schedule's factor at this step (lr(t) / lr)
 * @param kept the state the trainer keeps for the method between steps ({@link Method#keptState}): the
 *     component d − g of {@link Every}'s reuse, LookSAM's g_v, FriendlySAM's moving average of g; null
 *     before the first step that sets it, and for methods that keep none
 */
public record Step(long index, long total, double lrFactor, TensorList kept) {
    /** A step with no kept state. */
    public Step(long index, long total, double lrFactor) {
        this(index, total, lrFactor, null);
    }
}
