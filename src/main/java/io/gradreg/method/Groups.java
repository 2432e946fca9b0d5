package io.gradreg.method;

import io.gradreg.engine.TensorList;
import java.util.function.BiFunction;
import org.bytedeco.javacpp.PointerScope;

/**
 * The arithmetic of m-sharpness ({@link Grouped}) shared by both oracles: a worker's rows cut into
 * consecutive groups of m (the last one shorter when m does not divide them), a method run on each
 * group as a batch of its own, and the size-weighted sum of their updates, reduced over workers.
 */
final class Groups {
    private Groups() {}

    /**
     * Σ_j (n_j / total) · (method's update on group j), summed over workers by {@code reducer}.
     *
     * @param rows this worker's rows
     * @param total the whole batch's rows, over all workers
     * @param group builds the oracle of this worker's rows [from, to) (answering for them alone)
     * @param like a list of the parameters' shapes (the accumulators' template)
     */
    static Update mean(ParamSpaceMethod method, int m, long rows, double total, BiFunction<Long, Long, ParamOracle> group,
            Reducer reducer, TensorList like) {
        TensorList d = like.zerosLike();
        TensorList g = like.zerosLike();
        double loss = 0;
        double penalty = 0;
        for (long from = 0; from < rows; from += m) {
            long to = Math.min(rows, from + m);
            double w = (to - from) / total;
            try (PointerScope scope = new PointerScope()) {
                Update u = method.direction(group.apply(from, to));
                if (u.grad() == null || u.outside() != null) {
                    throw new IllegalStateException(method.describe() + " cannot run per group");
                }
                d.addInPlace(u.direction().detach(), w);
                g.addInPlace(u.grad().detach(), w);
                loss += w * u.loss();
                penalty += w * u.penalty();
            }
        }
        return new Update(reducer.sum(d), reducer.sum(loss), reducer.sum(penalty)).withGrad(reducer.sum(g));
    }
}
