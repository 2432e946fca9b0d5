package io.gradreg.analysis;

import static io.gradreg.analysis.DenseMath.*;
import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Tensors;
import io.gradreg.method.Loss;
import io.gradreg.nn.Activation;
import io.gradreg.nn.DiagonalLinearNet;
import io.gradreg.nn.Net;
import io.gradreg.nn.TwoParam;
import java.util.Random;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;

/** Hessian-vector products, Lanczos and Hutchinson against Hessians known in closed form (float64). */
class HessianTest {
    /** Linear regression mlp:d-1 at random parameters, on n Gaussian samples. */
    record Linear(Net net, Dataset data, double[][] a) {}

    static Linear linear(int n, int d, long seed) {
        Net net = Fixtures.mlp(seed, Activation.RELU, d, 1);
        Dataset data = Synthetic.gaussianRegression(n, d, 1, seed + 1, DType.FLOAT64);
        return new Linear(net, data, linearRegressionHessian(Tensors.toDoubles(data.x()), n, d));
    }

    @Test
    void linearRegressionHvpIsXtXOverNAcrossChunks() {
        Linear m = linear(2300, 5, 1); // three chunks of Hessian.CHUNK
        Hessian h = new Hessian(m.net(), Loss.SQUARED_ERROR, m.data());
        assertEquals(6, h.dimension());
        for (int k = 0; k < 3; k++) {
            double[] v = Fixtures.gaussian(6, 10 + k);
            double[] hv = h.hvp(v);
            assertTrue(maxAbsDiff(hv, mul(m.a(), v)) < 1e-12 * norm(v) * 10, "H v differs by " + maxAbsDiff(hv, mul(m.a(), v)));
        }
        assertEquals(3, h.products());
    }

    @Test
    void lanczosFindsTheTopEigenvalueOfALinearModel() {
        Linear small = linear(200, 5, 2);
        Hessian.Eigen e = new Hessian(small.net(), Loss.SQUARED_ERROR, small.data()).topEigenvalue(50, 1e-10, 3);
        double ref = topEigenvalue(small.a());
        assertTrue(e.converged());
        assertTrue(e.iterations() <= 6, "a 6-dimensional Krylov space is exhausted after 6 products: " + e.iterations());
        assertEquals(ref, e.value(), 1e-12 * ref);

        // 41 parameters with a clustered Marchenko-Pastur spectrum: converged well before m products.
        Linear big = linear(300, 40, 4);
        Hessian h = new Hessian(big.net(), Loss.SQUARED_ERROR, big.data());
        Hessian.Eigen eb = h.topEigenvalue(100, 1e-8, 5);
        double refBig = topEigenvalue(big.a());
        assertTrue(eb.converged(), "residual " + eb.residual());
        assertTrue(eb.iterations() < 41, "iterations " + eb.iterations());
        assertEquals(eb.iterations(), h.products());
        assertEquals(refBig, eb.value(), 1e-8 * refBig);
        assertTrue(eb.residual() <= 1e-8 * eb.value());
        // the smallest Ritz value is never below the smallest eigenvalue (Cauchy interlacing)
        assertTrue(eb.smallest() >= -topEigenvalue(negate(big.a())) - 1e-12);
    }

    @Test
    void hutchinsonIsUnbiasedWithTheRightVarianceAndShrinkingError() {
        Linear m = linear(300, 5, 6);
        Hessian h = new Hessian(m.net(), Loss.SQUARED_ERROR, m.data());
        double exact = trace(m.a());
        Hessian.Trace few = h.trace(25, 7);
        Hessian.Trace many = h.trace(400, 8);
        assertEquals(400, many.samples());
        assertEquals(exact, many.mean(), 4 * many.stdError(), "trace " + exact + " vs " + many);
        assertEquals(exact, few.mean(), 4 * few.stdError(), "trace " + exact + " vs " + few);
        // the standard error falls like 1/sqrt(samples), and matches the theoretical variance
        assertTrue(many.stdError() < few.stdError() / 2, few + " vs " + many);
        double var = many.stdError() * many.stdError() * 400;
        assertEquals(hutchinsonVariance(m.a()), var, 0.3 * hutchinsonVariance(m.a()));
    }

    @Test
    void hutchinsonIsExactForADiagonalHessian() {
        // orthogonal, zero-mean columns scaled 1, 2, 3: H = diag(1, 4, 9, 1), so every z gives zᵀHz = 15
        double[] x = {1, 2, 3, -1, 2, -3, 1, -2, -3, -1, -2, 3};
        Dataset d = Dataset.regression(x, new long[] {4, 3}, new double[] {0.3, -1, 2, 0.5}, new long[] {4, 1}, DType.FLOAT64);
        Hessian h = new Hessian(Fixtures.mlp(9, Activation.RELU, 3, 1), Loss.SQUARED_ERROR, d);
        assertArrayEquals(new double[] {1, 4, 9, 1}, h.hvp(new double[] {1, 1, 1, 1}), 1e-15);
        Hessian.Trace t = h.trace(5, 10);
        assertEquals(15, t.mean(), 1e-13);
        assertEquals(0, t.stdError(), 1e-13);
    }

    @Test
    void twoParameterModelMatchesItsHandDerivedHessian() {
        Dataset one = Dataset.regression(new double[] {1}, new long[] {1, 1}, new double[] {1}, new long[] {1, 1}, DType.FLOAT64);
        for (double[] ab : new double[][] {{2.8, 3.5}, {0.5, 0.5}, {1, 1}}) {
            double a = ab[0];
            double b = ab[1];
            Net net = twoParam(a, b);
            Hessian h = new Hessian(net, Loss.SQUARED_ERROR, one);
            // E = ½(1 − ab)²: E_aa = b², E_bb = a², E_ab = 2ab − 1
            double[][] hand = {{b * b, 2 * a * b - 1}, {2 * a * b - 1, a * a}};
            double[] v = {0.3, -1.7};
            assertArrayEquals(mul(hand, v), h.hvp(v), 1e-13);
            double top = (a * a + b * b) / 2 + Math.hypot((a * a - b * b) / 2, 2 * a * b - 1);
            Hessian.Eigen e = h.topEigenvalue(10, 1e-12, 1);
            assertEquals(top, e.value(), 1e-12 * top);
            assertTrue(e.converged() && e.iterations() <= 2);
            Hessian.Trace t = h.trace(200, 2);
            assertEquals(a * a + b * b, t.mean(), 4 * t.stdError() + 1e-12);
        }
        // at (0.5, 0.5) the Hessian [[.25, -.5], [-.5, .25]] is indefinite: eigenvalues 0.75 and -0.25
        Hessian.Eigen e = new Hessian(twoParam(0.5, 0.5), Loss.SQUARED_ERROR, one).topEigenvalue(10, 1e-12, 3);
        assertEquals(0.75, e.value(), 1e-14);
        assertEquals(-0.25, e.smallest(), 1e-14);
    }

    @Test
    void diagonalLinearNetworkMatchesItsHandDerivedHessian() {
        int n = 50;
        int d = 4;
        Dataset data = Synthetic.gaussianRegression(n, d, 1, 11, DType.FLOAT64);
        double[] x = Tensors.toDoubles(data.x());
        double[] y = Tensors.toDoubles(data.y());
        Net net = new DiagonalLinearNet(d, 0.1).to(DType.FLOAT64);
        double[] uv = Fixtures.gaussian(2 * d, 12);
        net.params().setFromDoubles(uv);
        // β = u² − v², r = Xβ − y, C = XᵀX/n, c = Xᵀr/n. With s = (u, −v):
        // H = 4 diag(s) [C C; C C] diag(s) + 2 diag(c, −c)
        double[] beta = new double[d];
        for (int j = 0; j < d; j++) {
            beta[j] = uv[j] * uv[j] - uv[d + j] * uv[d + j];
        }
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                r[i] += x[i * d + j] * beta[j];
            }
            r[i] -= y[i];
        }
        double[][] hand = new double[2 * d][2 * d];
        for (int p = 0; p < 2 * d; p++) {
            for (int q = 0; q < 2 * d; q++) {
                double cpq = 0;
                for (int i = 0; i < n; i++) {
                    cpq += x[i * d + p % d] * x[i * d + q % d] / n;
                }
                double sp = p < d ? uv[p] : -uv[p];
                double sq = q < d ? uv[q] : -uv[q];
                hand[p][q] = 4 * sp * sq * cpq;
            }
            double cp = 0;
            for (int i = 0; i < n; i++) {
                cp += x[i * d + p % d] * r[i] / n;
            }
            hand[p][p] += p < d ? 2 * cp : -2 * cp;
        }
        Hessian h = new Hessian(net, Loss.SQUARED_ERROR, data);
        for (int k = 0; k < 3; k++) {
            double[] v = Fixtures.gaussian(2 * d, 20 + k);
            assertTrue(maxAbsDiff(mul(hand, v), h.hvp(v)) < 1e-12 * norm(mul(hand, v)), "H v");
        }
        Hessian.Eigen e = h.topEigenvalue(30, 1e-12, 4);
        double ref = topEigenvalue(hand);
        assertTrue(e.converged());
        assertEquals(ref, e.value(), 1e-10 * Math.abs(ref));
        assertEquals(-topEigenvalue(negate(hand)), e.smallest(), 1e-9 * Math.abs(ref));
    }

    @Test
    void hvpOfACrossEntropyMlpMatchesFiniteDifferencesAndIsSymmetric() {
        Net net = Fixtures.mlp(13, Activation.TANH, 4, 8, 3);
        Dataset data = Synthetic.blobs(1500, 4, 3, 1.0, 14, DType.FLOAT64); // two chunks
        Hessian h = new Hessian(net, Loss.CROSS_ENTROPY, data);
        int m = h.dimension();
        double[] theta = net.params().toDoubles();
        double[] u = Fixtures.gaussian(m, 15);
        double[] v = Fixtures.gaussian(m, 16);
        double[] hv = h.hvp(v);
        double eps = 1e-4;
        Fixtures.setParams(net, theta, eps, v);
        double[] gPlus = FullBatch.gradient(net, Loss.CROSS_ENTROPY, data);
        Fixtures.setParams(net, theta, -eps, v);
        double[] gMinus = FullBatch.gradient(net, Loss.CROSS_ENTROPY, data);
        net.params().setFromDoubles(theta);
        double[] fd = new double[m];
        for (int i = 0; i < m; i++) {
            fd[i] = (gPlus[i] - gMinus[i]) / (2 * eps);
        }
        assertTrue(Fixtures.relErr(hv, fd) < 1e-7, "relative error " + Fixtures.relErr(hv, fd));
        assertEquals(dot(u, hv), dot(v, h.hvp(u)), 1e-12 * norm(u) * norm(hv));
        assertArrayEquals(theta, net.params().toDoubles(), 0.0);
    }

    /** A scope that counts the native objects attached to it, i.e. those no inner scope took. */
    static final class CountingScope extends PointerScope {
        int attached;

        @Override
        public PointerScope attach(Pointer p) {
            attached++;
            return super.attach(p);
        }
    }

    @Test
    void everyEstimatorFreesWhatItAllocates() {
        // Memory stays flat because each product runs in its own scope: anything created outside one
        // would land in the caller's scope (here, the counting one) and live until the caller's ends.
        Net net = Fixtures.mlp(17, Activation.TANH, 6, 8, 3);
        Dataset data = Synthetic.blobs(40, 6, 3, 1.0, 18, DType.FLOAT64);
        Hessian h = new Hessian(net, Loss.CROSS_ENTROPY, data);
        try (CountingScope scope = new CountingScope()) {
            h.hvp(Fixtures.gaussian(h.dimension(), 19));
            h.topEigenvalue(5, 1e-3, 1);
            h.trace(3, 2);
            Landscape.sharpness(net, Loss.CROSS_ENTROPY, data, 0.1, 2, 3);
            Landscape.noiseRobustness(net, Loss.CROSS_ENTROPY, data, new double[] {0, 0.1}, 2, 4, ProgressListener.NONE);
            Landscape.implicitRegularizer(net, Loss.CROSS_ENTROPY, data, 0.1);
            assertEquals(0, scope.attached, "native objects left to the caller's scope");
        }
    }

    @Test
    void jacobiDecomposesASymmetricMatrix() {
        int n = 30;
        Random r = new Random(21);
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                a[i][j] = a[j][i] = r.nextGaussian();
            }
        }
        SymmetricEigen.Result e = SymmetricEigen.of(a);
        double[][] v = e.vectors();
        for (int j = 0; j < n; j++) {
            if (j > 0) {
                assertTrue(e.values()[j] <= e.values()[j - 1], "decreasing order");
            }
            double[] col = new double[n];
            for (int i = 0; i < n; i++) {
                col[i] = v[i][j];
            }
            double[] av = mul(a, col);
            for (int i = 0; i < n; i++) {
                assertEquals(e.values()[j] * col[i], av[i], 1e-12);
            }
            for (int k = 0; k < n; k++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += v[i][j] * v[i][k];
                }
                assertEquals(j == k ? 1 : 0, s, 1e-13);
            }
        }
        assertEquals(topEigenvalue(a), e.values()[0], 1e-11);
    }

    /** TwoParam in float64 at exactly (a, b): the constructor rounds its start through float32. */
    static Net twoParam(double a, double b) {
        Net net = new TwoParam(a, b).to(DType.FLOAT64);
        net.params().setFromDoubles(new double[] {a, b});
        return net;
    }

    static double[][] negate(double[][] a) {
        double[][] r = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i].clone();
            for (int j = 0; j < r[i].length; j++) {
                r[i][j] = -r[i][j];
            }
        }
        return r;
    }
}
