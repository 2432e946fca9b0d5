package io.gradreg.data;

import io.gradreg.engine.DType;
import java.util.Random;

/** Synthetic tasks generated from a seed with Java's generator, so they never need a download. */
public final class Synthetic {
    private Synthetic() {}

    /**
     * Gaussian blobs: class means drawn N(0, spread^2 I), samples mean + N(0, I). Labels cycle
     * through the classes, so every class has n/classes samples (+1).
     */
    public static Dataset blobs(int n, int dim, int classes, double spread, long seed, DType dtype) {
        return blobs(n, dim, classes, spread, seed, seed + 1, dtype);
    }

    /** Blobs whose class means come from {@code taskSeed} and samples from {@code sampleSeed}: a test set shares the first, not the second. */
    public static Dataset blobs(int n, int dim, int classes, double spread, long taskSeed, long sampleSeed, DType dtype) {
        Random r = new Random(taskSeed);
        double[][] means = new double[classes][dim];
        for (double[] m : means) {
            for (int j = 0; j < dim; j++) {
                m[j] = spread * r.nextGaussian();
            }
        }
        Random s = new Random(sampleSeed);
        double[] x = new double[n * dim];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            int k = i % classes;
            y[i] = k;
            for (int j = 0; j < dim; j++) {
                x[i * dim + j] = means[k][j] + s.nextGaussian();
            }
        }
        return Dataset.classification(x, new long[] {n, dim}, y, dtype);
    }

    /** Inputs N(0, 1) [n, dim] and targets N(0, 1) [n, outputs], for regression tests. */
    public static Dataset gaussianRegression(int n, int dim, int outputs, long seed, DType dtype) {
        Random r = new Random(seed);
        double[] x = new double[n * dim];
        double[] y = new double[n * outputs];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = r.nextGaussian();
        }
        return Dataset.regression(x, new long[] {n, dim}, y, new long[] {n, outputs}, dtype);
    }

    /**
     * Sparse regression (seed 000's diagonal-network task): X ~ N(0, 1) [n, d], beta* with k
     * nonzero entries (the first k, each 1/sqrt(k), so norm 1), y = X beta*.
     * Returns the data; {@link #sparseBeta(int, int)} gives beta*.
     */
    public static Dataset sparseRegression(int n, int d, int k, long seed, DType dtype) {
        Random r = new Random(seed);
        double[] beta = sparseBeta(d, k);
        double[] x = new double[n * d];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                x[i * d + j] = r.nextGaussian();
                s += x[i * d + j] * beta[j];
            }
            y[i] = s;
        }
        return Dataset.regression(x, new long[] {n, d}, y, new long[] {n, 1}, dtype);
    }

    /** beta* of {@link #sparseRegression}: the first k coordinates equal 1/sqrt(k), the rest 0. */
    public static double[] sparseBeta(int d, int k) {
        double[] beta = new double[d];
        for (int j = 0; j < k; j++) {
            beta[j] = 1 / Math.sqrt(k);
        }
        return beta;
    }
}
