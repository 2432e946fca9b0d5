package io.gradreg.method;

import io.gradreg.engine.TensorList;

/**
 * Sums a worker's partial results over all workers: the identity in one process, an all-reduce
 * across processes. Shard weights are already applied, so a sum gives the whole batch's value.
 */
public interface Reducer {
    /** One process: nothing to reduce. */
    Reducer LOCAL = new Reducer() {
        @Override
        public TensorList sum(TensorList local) {
            return local;
        }

        @Override
        public double sum(double local) {
            return local;
        }
    };

    /** The sum over workers of {@code local} (may be computed in place). */
    TensorList sum(TensorList local);

    /** The sum over workers of {@code local}. */
    double sum(double local);
}
