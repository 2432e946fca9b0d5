package io.gradreg.method;

import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Tensors;

/**
 * f = W x + b with the squared error ½‖f − y‖², written out in plain Java doubles: per-sample
 * losses and the mean gradient over any set of rows, at θ = [W row-major, b] (the layout of a
 * one-layer {@code mlp}'s {@code 0.weight}, {@code 0.bias}). The tests of the SAM family compare
 * libtorch's directions with these.
 */
final class HandLinear {
    final int d;
    final int k;
    final int n;
    final Dataset data;
    final double[] x;
    final double[] y;

    HandLinear(int n, int d, int k, long seed) {
        this.n = n;
        this.d = d;
        this.k = k;
        this.data = Synthetic.gaussianRegression(n, d, k, seed, DType.FLOAT64);
        this.x = Tensors.toDoubles(data.x());
        this.y = Tensors.toDoubles(data.y());
    }

    /** Number of parameters, k·d + k. */
    int size() {
        return k * d + k;
    }

    /** The residual f_c(x_i) − y_ic. */
    private double residual(double[] theta, int i, int c) {
        double r = theta[k * d + c] - y[i * k + c];
        for (int j = 0; j < d; j++) {
            r += theta[c * d + j] * x[i * d + j];
        }
        return r;
    }

    /** ℓ_i(θ). */
    double loss(double[] theta, int i) {
        double l = 0;
        for (int c = 0; c < k; c++) {
            double r = residual(theta, i, c);
            l += 0.5 * r * r;
        }
        return l;
    }

    /** The gradient of the mean loss over {@code rows} at θ. */
    double[] grad(double[] theta, int[] rows) {
        double[] g = new double[size()];
        for (int i : rows) {
            for (int c = 0; c < k; c++) {
                double r = residual(theta, i, c) / rows.length;
                for (int j = 0; j < d; j++) {
                    g[c * d + j] += r * x[i * d + j];
                }
                g[k * d + c] += r;
            }
        }
        return g;
    }

    /** The gradient of the batch loss L at θ. */
    double[] grad(double[] theta) {
        return grad(theta, all());
    }

    int[] all() {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    static double[] axpy(double a, double[] u, double[] v) {
        double[] r = v.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] += a * u[i];
        }
        return r;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }
}
