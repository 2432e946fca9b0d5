package io.gradreg.method;

import static io.gradreg.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Tensors;
import io.gradreg.method.InputPenalty.Kind;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Net;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class InputPenaltyTest {
    static final int D = 3;
    static final int K = 4;
    static final int N = 5;
    static final double LAMBDA = 0.7;

    final Net net = mlp(21, Activation.TANH, D, 6, K);
    final Dataset data = Synthetic.blobs(N, D, K, 1.0, 22, DType.FLOAT64);

    /** Logits of one sample, by a forward pass on that sample alone. */
    double[] logits(double[] xi) {
        try (NoGradGuard g = new NoGradGuard()) {
            return Tensors.toDoubles(net.forward(Tensors.fromDoubles(xi, 1, D)));
        }
    }

    /** J_i [K][D], column by column by central differences on the single sample. */
    double[][] jacobian(double[] xi) {
        double h = 1e-6;
        double[][] j = new double[K][D];
        for (int c = 0; c < D; c++) {
            double[] p = xi.clone();
            double[] m = xi.clone();
            p[c] += h;
            m[c] -= h;
            double[] fp = logits(p);
            double[] fm = logits(m);
            for (int k = 0; k < K; k++) {
                j[k][c] = (fp[k] - fm[k]) / (2 * h);
            }
        }
        return j;
    }

    static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double s = 0;
        double[] p = new double[z.length];
        for (int k = 0; k < z.length; k++) {
            p[k] = Math.exp(z[k] - max);
            s += p[k];
        }
        for (int k = 0; k < z.length; k++) {
            p[k] /= s;
        }
        return p;
    }

    /** The penalty R of methods.md section 3, from per-sample Jacobians. */
    double referencePenalty(Kind kind) {
        double[] x = Tensors.toDoubles(data.x());
        long[] y = Tensors.toLongs(data.y());
        double r = 0;
        for (int i = 0; i < N; i++) {
            double[] xi = java.util.Arrays.copyOfRange(x, i * D, (i + 1) * D);
            double[][] j = jacobian(xi);
            double[] p = softmax(logits(xi));
            double[][] m = new double[K][D]; // the matrix whose squared norm is penalized
            for (int k = 0; k < K; k++) {
                for (int c = 0; c < D; c++) {
                    switch (kind) {
                        case FROBREG -> m[k][c] = j[k][c];
                        case JACREG -> {
                            double v = p[k] * j[k][c];
                            for (int q = 0; q < K; q++) {
                                v -= p[k] * p[q] * j[q][c];
                            }
                            m[k][c] = v;
                        }
                        case DOUBLEBACK -> m[0][c] += ((p[k] - (y[i] == k ? 1 : 0)) * j[k][c]); // J^T (p - e_y)
                        default -> throw new IllegalArgumentException();
                    }
                }
            }
            for (double[] row : m) {
                for (double v : row) {
                    r += v * v / N;
                }
            }
        }
        return r;
    }

    Update update(Kind kind, SecondOrder so, double delta, int projections, long seed) {
        return new InputPenalty(kind, LAMBDA, so, delta, projections)
                .direction(new Oracle(net, Loss.CROSS_ENTROPY, data.x(), data.y(), seed));
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"DOUBLEBACK", "FROBREG", "JACREG"})
    void penaltyEqualsPerSampleJacobiansBuiltColumnByColumn(Kind kind) {
        double expected = referencePenalty(kind);
        assertTrue(expected > 1e-4);
        assertEquals(expected, update(kind, SecondOrder.EXACT, 0, 0, 0).penalty(), 1e-7 * expected);
        assertEquals(expected, update(kind, SecondOrder.FORWARD, 1e-3, 0, 0).penalty(), 1e-7 * expected);
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"DOUBLEBACK", "FROBREG", "JACREG"})
    void exactDirectionIsTheGradientOfLossPlusLambdaR(Kind kind) {
        double[] dir = update(kind, SecondOrder.EXACT, 0, 0, 0).direction().toDoubles();
        double[] theta = net.params().toDoubles();
        double h = 1e-5;
        for (long s = 0; s < 3; s++) {
            double[] u = gaussian(theta.length, 100 + s);
            setParams(net, theta, h, u);
            Update plus = update(kind, SecondOrder.EXACT, 0, 0, 0);
            setParams(net, theta, -h, u);
            Update minus = update(kind, SecondOrder.EXACT, 0, 0, 0);
            net.params().setFromDoubles(theta);
            double fd = ((plus.loss() + LAMBDA * plus.penalty()) - (minus.loss() + LAMBDA * minus.penalty())) / (2 * h);
            assertEquals(fd, dot(dir, u), 1e-7 * Math.max(1, Math.abs(fd)), kind + " along direction " + s);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"DOUBLEBACK", "SPECTREG", "FROBREG", "JACREG"})
    void finiteDifferenceDirectionsApproachExact(Kind kind) {
        // the same oracle seed gives spectreg the same projections r_i in every variant
        double[] exact = update(kind, SecondOrder.EXACT, 0, 0, 5).direction().toDoubles();
        double[] g = eval(net, Loss.CROSS_ENTROPY, data).grad().toDoubles();
        double[] correction = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            correction[i] = exact[i] - g[i];
        }
        double scale = norm(correction);
        assertTrue(scale > 1e-4, "the penalty's gradient must be sizable");
        double fwd3 = fdErr(kind, SecondOrder.FORWARD, 1e-3, exact) / scale;
        double fwd4 = fdErr(kind, SecondOrder.FORWARD, 1e-4, exact) / scale;
        double bwd4 = fdErr(kind, SecondOrder.BACKWARD, 1e-4, exact) / scale;
        double cen3 = fdErr(kind, SecondOrder.CENTRAL, 1e-3, exact) / scale;
        assertTrue(fwd4 < 1e-3 && bwd4 < 1e-3, kind + ": forward " + fwd4 + ", backward " + bwd4);
        assertEquals(1.0, Math.log10(fwd3 / fwd4), 0.2, kind + ": forward is first order");
        assertTrue(cen3 < fwd3 / 20, kind + ": central " + cen3 + " vs forward " + fwd3);
    }

    double fdErr(Kind kind, SecondOrder so, double delta, double[] exact) {
        return norm(diff(update(kind, so, delta, 0, 5).direction().toDoubles(), exact));
    }

    static double[] diff(double[] a, double[] b) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }

    @Test
    void spectregAveragedOverDrawsApproachesFrobreg() {
        double frob = update(Kind.FROBREG, SecondOrder.EXACT, 0, 0, 0).penalty();
        int draws = 3000;
        double mean = 0;
        for (int s = 0; s < draws; s++) {
            mean += update(Kind.SPECTREG, SecondOrder.FORWARD, 1e-3, 0, 1000 + s).penalty() / draws;
        }
        assertEquals(frob, mean, 0.03 * frob);
    }

    @Test
    void projectionEstimatesAreUnbiased() {
        for (Kind kind : new Kind[] {Kind.FROBREG, Kind.JACREG}) {
            double exact = update(kind, SecondOrder.EXACT, 0, 0, 0).penalty();
            double mean = 0;
            int draws = 400;
            for (int s = 0; s < draws; s++) {
                mean += update(kind, SecondOrder.FORWARD, 1e-3, 8, 5000 + s).penalty() / draws;
            }
            assertEquals(exact, mean, 0.03 * exact, kind.toString());
        }
    }
}
