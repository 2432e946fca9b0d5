package io.gradreg.method;

import static io.gradreg.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Tensors;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Net;
import org.junit.jupiter.api.Test;

/**
 * SAM, ASAM, flooding and the confidence penalty on a linear model f = W x + b, whose gradients
 * are written out by hand here in plain Java doubles.
 */
class NeighboursTest {
    static final int D = 3;
    static final int K = 2;
    static final int N = 7;

    final Net net = mlp(11, Activation.RELU, D, K); // a single Linear layer: 0.weight [K, D], 0.bias [K]
    final Dataset reg = Synthetic.gaussianRegression(N, D, K, 12, DType.FLOAT64);
    final double[] x = Tensors.toDoubles(reg.x());
    final double[] y = Tensors.toDoubles(reg.y());

    /** Gradient of (1/N) sum 1/2 ||W x_i + b - y_i||^2 at theta = [W row-major, b]. */
    double[] mseGrad(double[] theta) {
        double[] g = new double[K * D + K];
        for (int i = 0; i < N; i++) {
            for (int k = 0; k < K; k++) {
                double r = theta[K * D + k] - y[i * K + k];
                for (int j = 0; j < D; j++) {
                    r += theta[k * D + j] * x[i * D + j];
                }
                for (int j = 0; j < D; j++) {
                    g[k * D + j] += r * x[i * D + j] / N;
                }
                g[K * D + k] += r / N;
            }
        }
        return g;
    }

    double mseLoss(double[] theta) {
        double l = 0;
        for (int i = 0; i < N; i++) {
            for (int k = 0; k < K; k++) {
                double r = theta[K * D + k] - y[i * K + k];
                for (int j = 0; j < D; j++) {
                    r += theta[k * D + j] * x[i * D + j];
                }
                l += 0.5 * r * r / N;
            }
        }
        return l;
    }

    @Test
    void samIsTheGradientAtTheNormalizedAscentPoint() {
        double rho = 0.2;
        double[] theta = net.params().toDoubles();
        double[] g = mseGrad(theta);
        double gn = norm(g);
        double[] moved = theta.clone();
        for (int i = 0; i < moved.length; i++) {
            moved[i] += rho * g[i] / gn;
        }
        double[] expected = mseGrad(moved);
        assertArrayEquals(expected, direction(new Sam(rho), net, Loss.SQUARED_ERROR, reg, 0), 1e-12);
        assertArrayEquals(theta, net.params().toDoubles(), 0.0, "parameters restored");
    }

    @Test
    void asamScalesTheAscentByParameterMagnitudeButNotTheBias() {
        double rho = 0.5;
        double eta = 0.01;
        double[] theta = net.params().toDoubles();
        double[] g = mseGrad(theta);
        double[] t = new double[theta.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = i < K * D ? Math.abs(theta[i]) + eta : 1.0; // biases use T = 1
        }
        double tgNorm = 0;
        for (int i = 0; i < t.length; i++) {
            tgNorm += t[i] * g[i] * t[i] * g[i];
        }
        tgNorm = Math.sqrt(tgNorm);
        double[] moved = theta.clone();
        for (int i = 0; i < moved.length; i++) {
            moved[i] += rho * t[i] * t[i] * g[i] / tgNorm;
        }
        assertArrayEquals(mseGrad(moved), direction(new Asam(rho, eta), net, Loss.SQUARED_ERROR, reg, 0), 1e-12);
    }

    @Test
    void floodingDescendsAboveTheLevelAndAscendsBelowIt() {
        double[] theta = net.params().toDoubles();
        double l = mseLoss(theta);
        double[] g = mseGrad(theta);
        assertArrayEquals(g, direction(new Flooding(l / 2), net, Loss.SQUARED_ERROR, reg, 0), 1e-12);
        double[] neg = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            neg[i] = -g[i];
        }
        assertArrayEquals(neg, direction(new Flooding(l * 2), net, Loss.SQUARED_ERROR, reg, 0), 1e-12);
    }

    @Test
    void confidencePenaltyMatchesTheHandDerivedSoftmaxGradient() {
        double beta = 0.4;
        Net lin = mlp(13, Activation.RELU, D, 3);
        Dataset c = Synthetic.blobs(N, D, 3, 1.0, 14, DType.FLOAT64);
        double[] cx = Tensors.toDoubles(c.x());
        long[] cy = Tensors.toLongs(c.y());
        double[] theta = lin.params().toDoubles();
        int k3 = 3;
        double[] expected = new double[k3 * D + k3];
        double entropyMean = 0;
        for (int i = 0; i < N; i++) {
            double[] z = new double[k3];
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < k3; k++) {
                z[k] = theta[k3 * D + k];
                for (int j = 0; j < D; j++) {
                    z[k] += theta[k * D + j] * cx[i * D + j];
                }
                max = Math.max(max, z[k]);
            }
            double s = 0;
            for (int k = 0; k < k3; k++) {
                s += Math.exp(z[k] - max);
            }
            double[] p = new double[k3];
            double h = 0;
            for (int k = 0; k < k3; k++) {
                p[k] = Math.exp(z[k] - max) / s;
                h -= p[k] * Math.log(p[k]);
            }
            entropyMean += h / N;
            for (int k = 0; k < k3; k++) {
                // d/dz [CE - beta H] = p - onehot + beta p (log p + H)
                double dz = (p[k] - (cy[i] == k ? 1 : 0) + beta * p[k] * (Math.log(p[k]) + h)) / N;
                for (int j = 0; j < D; j++) {
                    expected[k * D + j] += dz * cx[i * D + j];
                }
                expected[k3 * D + k] += dz;
            }
        }
        Update u = new ConfidencePenalty(beta).direction(new Oracle(lin, Loss.CROSS_ENTROPY, c.x(), c.y(), 0));
        assertArrayEquals(expected, u.direction().toDoubles(), 1e-12);
        assertEquals(entropyMean, u.penalty(), 1e-12);
    }
}
