package io.gradreg.method;

/**
 * One way to turn a batch into an update direction (methods.md sections 1-4). A method sees the
 * batch only through the {@link Oracle}, which owns perturbation, randomness and batch-norm
 * statistics; it holds no state between steps.
 *
 * <p>A method that is not a {@link ParamSpaceMethod} must be sample-separable: its direction on a
 * batch is the size-weighted mean of its directions on any split of the batch (true of the
 * per-sample input penalties and the confidence penalty without batch norm). {@link Shards} relies
 * on it for gradient accumulation and data parallelism.
 */
public interface Method {
    /** The update direction for the oracle's batch at the current parameters. */
    Update direction(Oracle oracle);

    /** A short description with hyperparameters, e.g. {@code gr(exact, gamma=0.1)}. */
    String describe();
}
