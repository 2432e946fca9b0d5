package io.gradreg.method;

/**
 * A method that sees the batch only through whole-batch loss and gradient evaluations (plain, GR,
 * SAM, ASAM, flooding). Given a {@link ShardedOracle} it computes the unsplit batch's direction
 * exactly: the perturbation uses the reduced gradient, and perturbed gradients are reduced again.
 */
public interface ParamSpaceMethod extends Method {
    /** The update direction for the oracle's (possibly sharded) batch. */
    Update direction(ParamOracle oracle);

    @Override
    default Update direction(Oracle oracle) {
        return direction((ParamOracle) oracle);
    }
}
