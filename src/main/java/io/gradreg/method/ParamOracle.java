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

    // Per-sample questions, for a data selection (ESAM). Rows are this worker's samples, shard
    // after shard; what is decided about them (the selection) is decided for the whole batch.

    /** The whole batch's seed, equal on every shard and worker of a step: what a method draws once per batch comes from it. */
    long batchSeed();

    /** {@link #eval eval(false)}, with the per-sample losses ℓ_i(θ) of this worker's rows in {@link Oracle.Eval#losses()}. */
    Oracle.Eval evalSamples();

    /** Per-sample losses ℓ_i(θ + s v) of this worker's rows, without a graph; θ is restored bit-exactly. */
    double[] lossesAt(TensorList v, double s);

    /**
     * Which of this worker's rows have a {@code score} among the k largest of the whole batch,
     * k = max(1, ⌊fraction · N⌋) with N the batch's rows over all shards and workers; rows tied
     * with the k-th largest score all join, so the choice never depends on how the batch is split.
     */
    boolean[] largest(double[] score, double fraction);

    /** The whole batch's gradient at θ + s v of the mean loss over the rows {@code keep} marks. */
    TensorList gradAt(TensorList v, double s, boolean[] keep);

    /**
     * {@code method}'s update on each group of {@code m} consecutive rows of this worker as a batch of
     * its own (its own gradient and ascent), weighted by the groups' sizes over the whole batch and
     * summed over workers (m-sharpness, {@link Grouped}). Groups are cut in this worker's rows from
     * its first, ⌊n/m⌋ of m and one of n mod m; a group spanning two shards is evaluated across
     * them, exactly. Every worker calls this, even one without rows.
     */
    Update eachGroup(int m, ParamSpaceMethod method);
}
