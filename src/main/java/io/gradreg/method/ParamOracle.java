package io.gradreg.method;

import io.gradreg.engine.TensorList;
import io.gradreg.nn.Net;

/**
 * What a parameter-space method needs of a batch: the whole batch's loss and gradient at θ, at θ
 * moved along a direction, and the exact slope of that gradient along the direction. An
 * {@link Oracle} answers for one batch in one pass; a {@link ShardedOracle} answers the same
 * questions for a batch split into shards (micro-batches or workers), exactly.
 */
public interface ParamOracle {
    Net net();

    TensorList params();

    /** Loss and gradient of the whole batch at the current parameters. */
    Oracle.Eval eval(boolean createGraph);

    /** The whole batch's gradient at θ + s v; θ is restored bit-exactly afterwards. */
    TensorList gradAt(TensorList v, double s);

    /** The line s → ∇L(θ + s v); {@code base} is this oracle's own {@link #eval} at θ. */
    Line paramLine(TensorList v, Oracle.Eval base);
}
