package io.gradreg.method;

import io.gradreg.GradregException;
import io.gradreg.engine.TensorList;
import io.gradreg.nn.Net;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;

/**
 * A batch split into shards, answering as the unsplit batch would. Every quantity is the
 * size-weighted sum of the shards' values (then reduced over workers), so the mean loss and its
 * gradient are exact. Only one shard's graph is alive at a time: the exact slope H v recomputes
 * each shard's gradient with a graph, takes H_k v with the whole batch's v, and frees it, which
 * costs one more forward and backward per shard than an unsplit exact step but keeps memory at
 * one shard's.
 */
public final class ShardedOracle implements ParamOracle {
    private final Net net;
    private final List<Oracle> shards;
    private final double[] weights;
    private final Reducer reducer;

    /** @param weights each shard's size over the whole batch's size (across all workers) */
    public ShardedOracle(Net net, List<Oracle> shards, double[] weights, Reducer reducer) {
        this.net = net;
        this.shards = List.copyOf(shards);
        this.weights = weights.clone();
        this.reducer = reducer;
    }

    @Override
    public Net net() {
        return net;
    }

    @Override
    public TensorList params() {
        return net.params();
    }

    @Override
    public Oracle.Eval eval(boolean createGraph) {
        double[] loss = {0};
        TensorList g = weightedSum(k -> {
            Oracle.Eval e = shards.get(k).eval(false);
            loss[0] += weights[k] * e.loss();
            return e.grad();
        });
        return new Oracle.Eval(reducer.sum(loss[0]), g);
    }

    @Override
    public TensorList gradAt(TensorList v, double s) {
        return weightedSum(k -> shards.get(k).gradAt(v, s));
    }

    @Override
    public Line paramLine(TensorList v, Oracle.Eval base) {
        return new Line() {
            @Override
            public TensorList gradAt(double s) {
                return ShardedOracle.this.gradAt(v, s);
            }

            @Override
            public TensorList exactSlope() {
                return weightedSum(k -> {
                    Oracle shard = shards.get(k);
                    return shard.paramLine(v, shard.eval(true)).exactSlope();
                });
            }
        };
    }

    /**
     * Agreed over workers: a worker without a shard (a last batch smaller than the number of
     * workers) does not know it, so each worker adds its shards' seed, in two 32-bit halves that
     * sum exactly in float64, and the count of workers that had one.
     */
    @Override
    public long batchSeed() {
        long seed = shards.isEmpty() ? 0 : shards.get(0).batchSeed();
        double has = shards.isEmpty() ? 0 : 1;
        double count = reducer.sum(has);
        long hi = (long) (reducer.sum(has * (seed >>> 32)) / count);
        long lo = (long) (reducer.sum(has * (seed & 0xFFFFFFFFL)) / count);
        return hi << 32 | lo;
    }

    @Override
    public Oracle.Eval evalSamples() {
        double[] loss = {0};
        double[][] rows = new double[shards.size()][];
        TensorList g = weightedSum(k -> {
            Oracle.Eval e = shards.get(k).evalSamples();
            loss[0] += weights[k] * e.loss();
            rows[k] = e.losses();
            return e.grad();
        });
        return new Oracle.Eval(reducer.sum(loss[0]), g, concat(rows));
    }

    @Override
    public double[] lossesAt(TensorList v, double s) {
        double[][] rows = new double[shards.size()][];
        for (int k = 0; k < rows.length; k++) {
            try (PointerScope scope = new PointerScope()) {
                rows[k] = shards.get(k).lossesAt(v, s);
            }
        }
        return concat(rows);
    }

    @Override
    public boolean[] largest(double[] score, double fraction) {
        return RowSelection.largest(score, fraction, reducer::sum);
    }

    /**
     * Σ_k (c_k / c) · (shard k's mean over its kept rows), c_k its kept rows and c all kept rows
     * over workers. A shard without kept rows runs no pass, so across workers with batch norm this
     * is refused: synchronized statistics would wait for a worker that has nothing to forward.
     */
    @Override
    public TensorList gradAt(TensorList v, double s, boolean[] keep) {
        if (reducer != Reducer.LOCAL && net.hasBatchNorm()) {
            throw new GradregException("a data selection (esam with gamma < 1) does not work with batch norm across workers:"
                    + " a worker whose rows are all left out runs no second pass, and synchronized batch norm would wait for it");
        }
        double[] w = new double[shards.size()];
        boolean[][] parts = new boolean[w.length][];
        int from = 0;
        for (int k = 0; k < w.length; k++) {
            int n = (int) shards.get(k).batchSize();
            parts[k] = Arrays.copyOfRange(keep, from, from + n);
            w[k] = RowSelection.indices(parts[k]).length;
            from += n;
        }
        double total = reducer.sum(Arrays.stream(w).sum());
        for (int k = 0; k < w.length; k++) {
            w[k] /= total;
        }
        return weightedSum(w, k -> shards.get(k).gradAt(v, s, parts[k]));
    }

    /** Groups are cut in this worker's rows, shard after shard; the batch's size is agreed over workers by a sum. */
    @Override
    public Update eachGroup(int m, ParamSpaceMethod method) {
        long rows = 0;
        for (Oracle s : shards) {
            rows += s.batchSize();
        }
        return Groups.mean(method, m, rows, reducer.sum((double) rows), this::rows, reducer, params());
    }

    /**
     * This worker's rows [from, to) as a batch of their own: the one shard that holds them, or the
     * pieces of the shards they span, weighted by their sizes, with no sum over workers.
     */
    private ParamOracle rows(long from, long to) {
        List<Oracle> pieces = new java.util.ArrayList<>();
        List<Double> w = new java.util.ArrayList<>();
        long offset = 0;
        for (Oracle s : shards) {
            long n = s.batchSize();
            long a = Math.max(from, offset);
            long b = Math.min(to, offset + n);
            if (a < b) {
                pieces.add(b - a == n ? s : s.rows(a - offset, b - offset));
                w.add((double) (b - a) / (to - from));
            }
            offset += n;
        }
        return pieces.size() == 1 ? pieces.get(0)
                : new ShardedOracle(net, pieces, w.stream().mapToDouble(Double::doubleValue).toArray(), Reducer.LOCAL);
    }

    private static double[] concat(double[][] parts) {
        return Arrays.stream(parts).flatMapToDouble(Arrays::stream).toArray();
    }

    /** Σ_k w_k term(k), reduced over workers; each term's graph and temporaries die with its own scope. */
    private TensorList weightedSum(Function<Integer, TensorList> term) {
        return weightedSum(weights, term);
    }

    /** As above with weights {@code w}; a shard of weight 0 is not evaluated. */
    private TensorList weightedSum(double[] w, Function<Integer, TensorList> term) {
        TensorList acc = params().zerosLike();
        for (int k = 0; k < shards.size(); k++) {
            if (w[k] == 0) {
                continue;
            }
            try (PointerScope scope = new PointerScope()) {
                acc.addInPlace(term.apply(k).detach(), w[k]);
            }
        }
        return reducer.sum(acc);
    }
}
