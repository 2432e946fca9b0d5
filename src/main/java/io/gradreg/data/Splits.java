package io.gradreg.data;

import io.gradreg.GradregException;
import io.gradreg.engine.Tensors;
import java.util.Arrays;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;

/**
 * How a training file is cut into a held-out test set, a labeled training subset and unlabeled
 * samples: the protocol of seed 002's code (the last 10k of MNIST's training file as the test set,
 * 2000 training samples drawn with the seed from the rest), and the unlabeled inputs of
 * {@code train --unlabeled-size}.
 */
public final class Splits {
    private Splits() {}

    /** The data without its last samples ({@code pool}), and those last samples ({@code test}). */
    public record Holdout(Dataset pool, Dataset test) {}

    /** The labeled training subset and the unlabeled inputs (null when none), disjoint. */
    public record Draw(Dataset labeled, Tensor unlabeled) {}

    /** The last {@code n} samples of {@code d} become the test set; the subsets are drawn from the rest. */
    public static Holdout holdout(Dataset d, long n) {
        if (n < 1 || n >= d.size()) {
            throw new GradregException("--holdout must be between 1 and the number of training samples - 1 (" + (d.size() - 1) + "), got " + n);
        }
        long rest = d.size() - n;
        return new Holdout(d.slice(0, rest), d.slice(rest, d.size()));
    }

    /**
     * A labeled subset of {@code n} samples (all when {@code n} is 0), class-balanced or a plain
     * random draw (the first n of a permutation seeded with {@code seed}, as seed 002's code does),
     * and {@code unlabeled} further samples, drawn with {@code seed + 2} from the samples not
     * chosen, whose labels are dropped.
     */
    public static Draw draw(Dataset pool, long n, boolean balanced, long unlabeled, long seed) {
        if (n > pool.size()) {
            throw new GradregException("asked for " + n + " samples but the data has " + pool.size());
        }
        Dataset labeled;
        long[] chosen;
        if (balanced || n == 0 || n == pool.size()) {
            labeled = DataSources.balancedSubset(pool, n, seed);
            chosen = n == 0 || n == pool.size() ? null : DataSources.balancedIndices(pool, n, seed);
        } else {
            long[] order = Permutation.shuffled((int) pool.size(), new Random(seed));
            chosen = Arrays.copyOf(order, (int) n);
            labeled = pool.select(Tensors.fromLongs(chosen, chosen.length));
        }
        if (unlabeled <= 0) {
            return new Draw(labeled, null);
        }
        if (chosen == null) {
            throw new GradregException("--unlabeled-size needs --train-size: the unlabeled samples are drawn from the training samples left over");
        }
        long left = pool.size() - n;
        if (unlabeled > left) {
            throw new GradregException("asked for " + unlabeled + " unlabeled samples but only " + left + " are left besides the "
                    + n + " labeled ones");
        }
        boolean[] taken = new boolean[(int) pool.size()];
        for (long c : chosen) {
            taken[(int) c] = true;
        }
        long[] order = Permutation.shuffled((int) pool.size(), new Random(seed + 2));
        long[] u = new long[(int) unlabeled];
        int k = 0;
        for (int i = 0; i < order.length && k < u.length; i++) {
            if (!taken[(int) order[i]]) {
                u[k++] = order[i];
            }
        }
        return new Draw(labeled, pool.x().index_select(0, Tensors.fromLongs(u, u.length)));
    }

    /** A seeded random subset of {@code n} of the inputs {@code x} (all of them when n is 0). */
    public static Tensor inputs(Tensor x, long n, long seed) {
        if (n > x.size(0)) {
            throw new GradregException("asked for " + n + " unlabeled samples but the file has " + x.size(0));
        }
        if (n <= 0 || n == x.size(0)) {
            return x;
        }
        long[] order = Arrays.copyOf(Permutation.shuffled((int) x.size(0), new Random(seed + 2)), (int) n);
        return x.index_select(0, Tensors.fromLongs(order, order.length));
    }
}
