package io.gradreg.method;

import io.gradreg.engine.TensorList;
import io.gradreg.nn.Net;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;

/**
 * One step over a batch split into shards, for any method: gradient accumulation (shards in one
 * process) and data parallelism (shards on several workers, summed by a {@link Reducer}) are the
 * same computation. A {@link ParamSpaceMethod} runs once on a {@link ShardedOracle}; any other
 * method must be sample-separable (its direction on a batch is the size-weighted mean of its
 * directions on the parts, as for the per-sample input penalties and the confidence penalty),
 * and runs once per shard.
 */
public final class Shards {
    private Shards() {}

    /**
     * The whole batch's update. {@code totalSize} is the number of samples over all shards of all
     * workers (each shard's weight is its size over it). A worker may have no shard (a last batch
     * smaller than the number of workers): it then contributes zeros but still joins every sum.
     */
    public static Update direction(Method method, Net net, List<Oracle> shards, long totalSize, Reducer reducer) {
        return direction(method, net, shards, totalSize, reducer, false);
    }

    /**
     * As above; with {@code withGrad}, a sample-separable method's plain gradient g is also summed
     * over the shards and reduced (one more all-reduce), so the update carries the whole batch's g.
     * Every worker must pass the same {@code withGrad}. A parameter-space method's update carries
     * the reduced g anyway.
     */
    public static Update direction(Method method, Net net, List<Oracle> shards, long totalSize, Reducer reducer, boolean withGrad) {
        double[] w = new double[shards.size()];
        for (int k = 0; k < w.length; k++) {
            w[k] = (double) shards.get(k).batchSize() / totalSize;
        }
        if (method instanceof ParamSpaceMethod p) {
            return p.direction(new ShardedOracle(net, shards, w, reducer));
        }
        TensorList acc = net.params().zerosLike();
        TensorList grad = withGrad ? net.params().zerosLike() : null;
        double loss = 0;
        double penalty = 0;
        for (int k = 0; k < w.length; k++) {
            try (PointerScope scope = new PointerScope()) {
                Update u = (withGrad ? method.reportingGrad() : method).direction(shards.get(k));
                acc.addInPlace(u.direction().detach(), w[k]);
                if (withGrad) {
                    if (u.grad() == null) {
                        throw new IllegalStateException(method.describe() + " does not report its plain gradient");
                    }
                    grad.addInPlace(u.grad().detach(), w[k]);
                }
                loss += w[k] * u.loss();
                penalty += w[k] * u.penalty();
            }
        }
        Update u = new Update(reducer.sum(acc), reducer.sum(loss), reducer.sum(penalty));
        return withGrad ? u.withGrad(reducer.sum(grad)) : u;
    }
}
