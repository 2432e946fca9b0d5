package io.gradreg.method;

import io.gradreg.engine.TensorList;

/**
 * One way to turn a batch into an update direction (methods.md sections 1-4). A method sees the
 * batch only through the {@link Oracle}, which owns perturbation, randomness and batch-norm
 * statistics; it holds no state between steps.
 *
 * <p>A method that is not a {@link ParamSpaceMethod} must be sample-separable: its direction on a
 * batch is the size-weighted mean of its directions on any split of the batch (true of the
 * per-sample input penalties and the confidence penalty without batch norm). {@link Shards} relies
 * on it for gradient accumulation and data parallelism.
 *
 * <p>What changes over training (a {@link Scheduled} strength, the state kept between steps by
 * {@link Every} or {@link FriendlySam}) is a function of the {@link Step}: the trainer asks
 * {@link #at} for the method of each step, optax-style, and owns the kept state
 * ({@link #keepsState}, {@link #keptState}) instead of the method keeping hidden state.
 */
public interface Method {
    /** The update direction for the oracle's batch at the current parameters. */
    Update direction(Oracle oracle);

    /** A short description with hyperparameters, e.g. {@code gr(exact, gamma=0.1)}. */
    String describe();

    /** The method to run at {@code step}: itself, unless it changes over training. */
    default Method at(Step step) {
        return this;
    }

    /**
     * Whether step {@code t}'s update sets the state the trainer keeps for this method between steps
     * ({@link #keptState}); the trainer then asks for an update that carries the plain gradient g. A
     * method that keeps state sets it at step 0, so {@code keepsState(0)} says whether it keeps any.
     */
    default boolean keepsState(long t) {
        return false;
    }

    /**
     * The state to keep after {@code step}, from that step's update (before clipping, carrying the
     * whole batch's g) and the state kept before it ({@link Step#kept()}, null at first). Asked only
     * when {@link #keepsState} is true for the step; the trainer copies the result into storage of
     * its own, checkpoints it, and hands it back in the next {@link Step}s.
     */
    default TensorList keptState(Step step, Update u) {
        throw new IllegalStateException(describe() + " keeps no state between steps");
    }

    /**
     * The same method, with its {@link Update} carrying the plain gradient g (needed to keep state
     * built from it, such as d − g). Most methods compute g on the way and report it anyway; one that
     * fuses g into a single backward pass (the exact input penalties) pays a separate pass only when
     * asked.
     */
    default Method reportingGrad() {
        return this;
    }

    /**
     * The method whose direction a full step takes, without the wrappers that only change it over
     * training ({@link Scheduled}, {@link Every}): what checks of "which method is this" must ask.
     */
    default Method unwrapped() {
        return this;
    }
}
