package io.gradreg.analysis;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.GradregException;
import io.gradreg.engine.Engine;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The dual Newton solver of min Σ w q(β/w) s.t. Xβ = y, against cases with known solutions. */
class DiagonalNetLimitTest {
    static double[] gaussian(Random r, int m) {
        double[] a = new double[m];
        for (int i = 0; i < m; i++) {
            a[i] = r.nextGaussian();
        }
        return a;
    }

    static double[] times(double[] x, int n, int d, double[] b) {
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                y[i] += x[i * d + j] * b[j];
            }
        }
        return y;
    }

    @Test
    void recoversTheMinimizerBuiltFromItsOptimalityConditions() {
        Engine.start(1);
        // Any β = 2w sinh(Xᵀν) with Xβ = y satisfies the KKT conditions of this convex problem, so it is the minimizer.
        Random r = new Random(4);
        int n = 8;
        int d = 20;
        double[] x = gaussian(r, n * d);
        double[] nu = gaussian(r, n);
        double[] w = new double[d];
        double[] beta = new double[d];
        for (int j = 0; j < d; j++) {
            w[j] = Math.exp(-4 + 4 * r.nextDouble()); // 0.018 .. 1: non-uniform scales, as GR produces
            double z = 0;
            for (int i = 0; i < n; i++) {
                z += x[i * d + j] * nu[i] * 0.5;
            }
            beta[j] = 2 * w[j] * Math.sinh(z);
        }
        double[] y = times(x, n, d, beta);
        DiagonalNetLimit.Solution s = DiagonalNetLimit.solve(x, n, d, y, w, 1e-12);
        assertTrue(s.residual() <= 1e-11, "residual " + s.residual());
        for (int j = 0; j < d; j++) {
            assertEquals(beta[j], s.beta()[j], 1e-9 * (1 + Math.abs(beta[j])), "coordinate " + j);
        }
    }

    @Test
    void largeScalesGiveTheMinimumNormInterpolator() {
        Engine.start(1);
        // q(z) = z²/4 + O(z⁴): for large w the objective is Σ β²/(4w), minimized by β = Xᵀ(XXᵀ)⁻¹y when w is uniform.
        Random r = new Random(9);
        int n = 6;
        int d = 15;
        double[] x = gaussian(r, n * d);
        double[] y = gaussian(r, n);
        double[] w = new double[d];
        java.util.Arrays.fill(w, 1e4);
        double[][] gram = new double[n][n];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                for (int j = 0; j < d; j++) {
                    gram[a][b] += x[a * d + j] * x[b * d + j];
                }
            }
        }
        double[] c = DenseMath.solve(gram, y);
        double[] minNorm = new double[d];
        for (int j = 0; j < d; j++) {
            for (int a = 0; a < n; a++) {
                minNorm[j] += x[a * d + j] * c[a];
            }
        }
        double[] beta = DiagonalNetLimit.solve(x, n, d, y, w, 1e-12).beta();
        for (int j = 0; j < d; j++) {
            assertEquals(minNorm[j], beta[j], 1e-6 * (1 + Math.abs(minNorm[j])));
        }
    }

    @Test
    void qIsTheHyperbolicEntropyWithDerivativeArcsinhOfHalfZ() {
        assertEquals(0, DiagonalNetLimit.q(0), 0);
        for (double z : new double[] {-3, -0.5, 0.1, 2, 40}) {
            double h = 1e-5;
            double numeric = (DiagonalNetLimit.q(z + h) - DiagonalNetLimit.q(z - h)) / (2 * h);
            assertEquals(Math.log(z / 2 + Math.sqrt(z * z / 4 + 1)), numeric, 1e-6 * (1 + Math.abs(z)));
            assertEquals(DiagonalNetLimit.q(z), DiagonalNetLimit.q(-z), 1e-12);
        }
    }

    @Test
    void rejectsANonPositiveScale() {
        GradregException e = assertThrows(GradregException.class,
                () -> DiagonalNetLimit.solve(new double[] {1, 0}, 1, 2, new double[] {1}, new double[] {1, 0}, 1e-9));
        assertEquals("implicit-bias problem: every weight α_i² must be positive and finite, got 0.0", e.getMessage());
    }
}
