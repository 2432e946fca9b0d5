package io.gradreg.method;

import java.util.function.DoubleUnaryOperator;

/**
 * The k largest of a per-row score over a batch whose rows are spread over shards and workers,
 * with nothing but sums over workers: the k-th largest value is found bit by bit (64 rounds, each
 * a count of the rows at or above a candidate, summed), then every row at or above it is kept.
 * The result is the same however the batch is split, and one process pays only 64 local counts.
 */
final class RowSelection {
    private RowSelection() {}

    /**
     * @param score this worker's rows' scores
     * @param fraction the kept fraction of the whole batch, in (0, 1]
     * @param sum the sum over workers (the identity in one process)
     */
    static boolean[] largest(double[] score, double fraction, DoubleUnaryOperator sum) {
        double n = sum.applyAsDouble(score.length);
        // ⌊fraction·N⌋ with a margin for products such as 0.29·100 = 28.999999999999996.
        long k = Math.max(1, Math.min((long) n, (long) Math.floor(fraction * n + 1e-9)));
        long[] key = new long[score.length];
        for (int i = 0; i < key.length; i++) {
            key[i] = sortable(score[i]);
        }
        // The largest t (unsigned) with at least k keys >= t is the k-th largest key.
        long t = 0;
        for (int bit = 63; bit >= 0; bit--) {
            long candidate = t | (1L << bit);
            if (sum.applyAsDouble(countAtLeast(key, candidate)) >= k) {
                t = candidate;
            }
        }
        boolean[] keep = new boolean[key.length];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = Long.compareUnsigned(key[i], t) >= 0;
        }
        return keep;
    }

    /** The rows {@code keep} marks, in order. */
    static long[] indices(boolean[] keep) {
        int c = 0;
        for (boolean b : keep) {
            c += b ? 1 : 0;
        }
        long[] out = new long[c];
        for (int i = 0, j = 0; i < keep.length; i++) {
            if (keep[i]) {
                out[j++] = i;
            }
        }
        return out;
    }

    /** A key whose unsigned order is the order of the doubles (NaN above +∞). */
    static long sortable(double d) {
        long b = Double.doubleToLongBits(d == 0 ? 0.0 : d); // -0.0 ties with 0.0
        return b >= 0 ? b ^ Long.MIN_VALUE : ~b;
    }

    private static int countAtLeast(long[] key, long t) {
        int c = 0;
        for (long x : key) {
            c += Long.compareUnsigned(x, t) >= 0 ? 1 : 0;
        }
        return c;
    }
}
