package io.gradreg.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * Sums tensors over the data-parallel workers, for {@linkplain BatchNorm#sync synchronized batch
 * norm}. {@code nn} cannot see the communication layer above it ({@code train/DataParallel}), so
 * that layer hands this down.
 */
public interface BatchSync {
    /** Replaces {@code t} (a plain tensor, no graph) by its sum over all workers. Every worker calls it in the same order. */
    void sumInPlace(Tensor t);
}
