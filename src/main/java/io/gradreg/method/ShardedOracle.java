package io.gradreg.method;

import io.gradreg.engine.TensorList;
import io.gradreg.nn.Net;
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

    /** Σ_k w_k term(k), reduced over workers; each term's graph and temporaries die with its own scope. */
    private TensorList weightedSum(Function<Integer, TensorList> term) {
        TensorList acc = params().zerosLike();
        for (int k = 0; k < shards.size(); k++) {
            try (PointerScope scope = new PointerScope()) {
                acc.addInPlace(term.apply(k).detach(), weights[k]);
            }
        }
        return reducer.sum(acc);
    }
}
