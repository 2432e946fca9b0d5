package io.gradreg.analysis;

import static io.gradreg.analysis.DenseMath.*;
import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.engine.Tensors;
import io.gradreg.method.Loss;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Mlp;
import io.gradreg.nn.Net;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Sharpness, R_IG and noise robustness against closed forms and brute force (float64). */
class LandscapeTest {
    static final int N = 200;
    static final int D = 3;

    static Dataset regression() {
        return Synthetic.gaussianRegression(N, D, 1, 31, DType.FLOAT64);
    }

    @Test
    void sharpnessOfAQuadraticIsTheExactBallMaximum() {
        Dataset data = regression();
        double[] x = Tensors.toDoubles(data.x());
        double[] y = Tensors.toDoubles(data.y());
        Net net = Fixtures.mlp(32, Activation.RELU, D, 1);
        double[] theta = net.params().toDoubles();
        double[][] a = linearRegressionHessian(x, N, D);
        double[] g = linearRegressionGradient(x, y, N, D, theta);
        double rho = 0.5;
        // L(θ + δ) − L(θ) = gᵀδ + ½ δᵀAδ exactly: the sharpness is a trust-region maximum
        double exact = ballMaximum(a, g, rho);
        Landscape.Sharpness s = Landscape.sharpness(net, Loss.SQUARED_ERROR, data, rho, 60, 0);
        assertEquals(exact, s.value(), 1e-10 * exact, "sharpness");
        assertEquals(linearRegressionLoss(x, y, N, D, theta), s.loss(), 1e-14);
        assertEquals(rho * norm(g), s.firstOrder(), 1e-14);
        // on a convex loss every step increases the loss and none exceeds the maximum
        for (int k = 1; k < s.losses().length; k++) {
            assertTrue(s.losses()[k] >= s.losses()[k - 1] - 1e-14, "step " + k);
        }
        Landscape.Sharpness few = Landscape.sharpness(net, Loss.SQUARED_ERROR, data, rho, 2, 0);
        assertTrue(few.value() <= exact + 1e-14 && few.value() >= rho * norm(g), few.toString());
        assertArrayEquals(theta, net.params().toDoubles(), 0.0);
    }

    @Test
    void sharpnessAtAMinimumIsHalfRhoSquaredTimesTheTopEigenvalue() {
        Dataset data = regression();
        double[] x = Tensors.toDoubles(data.x());
        double[] y = Tensors.toDoubles(data.y());
        double[][] a = linearRegressionHessian(x, N, D);
        // least squares: A θ* = [X 1]ᵀy / n, where g vanishes (to rounding)
        double[] rhs = linearRegressionGradient(x, y, N, D, new double[D + 1]);
        for (int i = 0; i < rhs.length; i++) {
            rhs[i] = -rhs[i];
        }
        double[] thetaStar = solve(a, rhs);
        Net net = Fixtures.mlp(33, Activation.RELU, D, 1);
        net.params().setFromDoubles(thetaStar);
        double rho = 0.1;
        Landscape.Sharpness s = Landscape.sharpness(net, Loss.SQUARED_ERROR, data, rho, 200, 1);
        assertEquals(0.5 * rho * rho * topEigenvalue(a), s.value(), 1e-9 * s.value());
        assertTrue(s.firstOrder() < 1e-15, "g = 0 at the minimum: " + s.firstOrder());
    }

    @Test
    void sharpnessOfTheTwoParameterModelMatchesABruteForceSearchOfTheDisk() {
        Dataset one = Dataset.regression(new double[] {1}, new long[] {1, 1}, new double[] {1}, new long[] {1, 1}, DType.FLOAT64);
        for (double[] ab : new double[][] {{0.8, 1.1}, {2.8, 3.5}}) {
            Net net = HessianTest.twoParam(ab[0], ab[1]);
            double rho = 0.2;
            Landscape.Sharpness s = Landscape.sharpness(net, Loss.SQUARED_ERROR, one, rho, 30, 0);
            double e0 = twoParamLoss(ab[0], ab[1]);
            double best = Double.NEGATIVE_INFINITY;
            int radii = 200;
            int angles = 20_000;
            for (int i = 0; i <= radii; i++) {
                for (int j = 0; j < angles; j++) {
                    double r = rho * i / radii;
                    double t = 2 * Math.PI * j / angles;
                    best = Math.max(best, twoParamLoss(ab[0] + r * Math.cos(t), ab[1] + r * Math.sin(t)) - e0);
                }
            }
            // the grid's spacing ρ·2π/20000 limits it to ~‖∇E‖ ρ (3e-4)² / 2 below the maximum
            assertEquals(best, s.value(), 1e-6 * best, "sharpness at " + ab[0] + ", " + ab[1]);
            assertTrue(s.value() >= best - 1e-12, "ascent reaches at least the grid's best");
            assertArrayEquals(ab, net.params().toDoubles(), 0.0);
        }
    }

    static double twoParamLoss(double a, double b) {
        return 0.5 * (1 - a * b) * (1 - a * b);
    }

    @Test
    void implicitRegularizerOfALinearModel() {
        Dataset data = regression();
        double[] x = Tensors.toDoubles(data.x());
        double[] y = Tensors.toDoubles(data.y());
        Net net = Fixtures.mlp(34, Activation.RELU, D, 1);
        double[] theta = net.params().toDoubles();
        double[] g = linearRegressionGradient(x, y, N, D, theta);
        Landscape.ImplicitRegularizer r = Landscape.implicitRegularizer(net, Loss.SQUARED_ERROR, data, 0.1);
        int m = D + 1;
        assertEquals(m, r.parameters());
        assertEquals(dot(g, g) / m, r.rIG(), 1e-14);
        assertEquals(0.1 * m / 4, r.lambda(), 1e-15);
        assertEquals(0.1 / 4 * dot(g, g), r.penalty(), 1e-14);
        assertEquals(dot(g, g) / m / linearRegressionLoss(x, y, N, D, theta), r.ratio(), 1e-12);
    }

    @Test
    void noiseOnALinearModelFollowsTheQuadraticExpansionDrawByDraw() {
        Dataset data = regression();
        double[] x = Tensors.toDoubles(data.x());
        double[] y = Tensors.toDoubles(data.y());
        Net net = Fixtures.mlp(35, Activation.RELU, D, 1);
        double[] theta = net.params().toDoubles();
        double[][] a = linearRegressionHessian(x, N, D);
        double[] g = linearRegressionGradient(x, y, N, D, theta);
        double l0 = linearRegressionLoss(x, y, N, D, theta);
        double[] sigmas = {0, 0.1, 0.3};
        int repeats = 50;
        List<Landscape.NoisePoint> pts = Landscape.noiseRobustness(net, Loss.SQUARED_ERROR, data, sigmas, repeats, 7, ProgressListener.NONE);
        for (int s = 0; s < sigmas.length; s++) {
            // the documented draws: Java's Random(seed), m Gaussians per repeat, the same for every σ
            Random r = new Random(7);
            double[] losses = new double[repeats];
            for (int k = 0; k < repeats; k++) {
                double[] xi = new double[D + 1];
                for (int i = 0; i < xi.length; i++) {
                    xi[i] = r.nextGaussian();
                }
                double sg = sigmas[s];
                losses[k] = l0 + sg * dot(g, xi) + 0.5 * sg * sg * dot(xi, mul(a, xi));
            }
            double[] ms = HostVectors.meanStd(losses);
            Landscape.NoisePoint p = pts.get(s);
            assertEquals(sigmas[s], p.sigma());
            assertEquals(ms[0], p.lossMean(), 1e-13, "mean loss at sigma " + sigmas[s]);
            assertEquals(ms[1], p.lossStd(), 1e-13, "loss std at sigma " + sigmas[s]);
            assertTrue(Double.isNaN(p.accuracyMean()), "no accuracy for regression");
            // and its expectation L + ½σ² tr A, within the sampling error
            double expected = l0 + 0.5 * sigmas[s] * sigmas[s] * trace(a);
            assertEquals(expected, p.lossMean(), 4 * p.lossStd() / Math.sqrt(repeats) + 1e-15);
        }
        assertEquals(l0, pts.get(0).lossMean(), 1e-15);
        assertEquals(0.0, pts.get(0).lossStd());
        assertArrayEquals(theta, net.params().toDoubles(), 0.0);
    }

    @Test
    void zeroNoiseGivesTheCleanAccuracyAndFloat32ParametersComeBackBitIdentical() {
        Engine.seed(36);
        Net net = new Mlp(new int[] {5, 16, 3}, Activation.RELU, 0, false).to(DType.FLOAT32);
        Dataset data = Synthetic.blobs(300, 5, 3, 1.0, 37, DType.FLOAT32);
        float[] before = floats(net);
        FullBatch.LossAccuracy clean = FullBatch.evaluate(net, Loss.CROSS_ENTROPY, data);
        List<Landscape.NoisePoint> pts = Landscape.noiseRobustness(net, Loss.CROSS_ENTROPY, data, new double[] {0, 0.05, 1.0}, 6, 3,
                ProgressListener.NONE);
        assertEquals(clean.accuracy(), pts.get(0).accuracyMean(), 0.0);
        assertEquals(0.0, pts.get(0).accuracyStd(), 0.0);
        assertEquals(clean.loss(), pts.get(0).lossMean(), 0.0);
        assertEquals(6, pts.get(2).repeats());
        assertTrue(pts.get(2).accuracyStd() > 0, "large noise changes the predictions: " + pts.get(2));
        assertTrue(pts.get(2).lossMean() > clean.loss(), "large noise raises the loss: " + pts.get(2));
        assertArrayEquals(before, floats(net), "θ bit-identical after the noise sweep");
        Landscape.sharpness(net, Loss.CROSS_ENTROPY, data, 0.3, 3, 0);
        assertArrayEquals(before, floats(net), "θ bit-identical after the ascent");
    }

    /** The parameters as float32 values: an exact copy of a float32 model's bits. */
    static float[] floats(Net net) {
        double[] d = net.params().toDoubles();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
