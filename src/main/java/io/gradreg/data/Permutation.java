package io.gradreg.data;

import java.util.Random;

/** Seeded permutations of sample indices (batch order, subsets): Java's generator, so runs are reproducible. */
public final class Permutation {
    private Permutation() {}

    /** 0..n-1, shuffled by Fisher-Yates with {@code random}. */
    public static long[] shuffled(int n, Random random) {
        long[] idx = identity(n);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return idx;
    }

    /** 0..n-1 in order. */
    public static long[] identity(int n) {
        long[] idx = new long[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        return idx;
    }
}
