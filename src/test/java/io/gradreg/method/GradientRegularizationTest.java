package io.gradreg.method;

import static io.gradreg.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Net;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GradientRegularizationTest {
    static final double GAMMA = 0.3;

    /** O(theta) = L + gamma/2 ||grad L||^2, evaluated independently of the method under test. */
    static double objective(Net net, Loss loss, Dataset d) {
        Oracle.Eval e = eval(net, loss, d);
        double n = e.grad().norm();
        return e.loss() + GAMMA / 2 * n * n;
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void exactDirectionIsTheGradientOfTheRegularizedObjective(Loss loss) {
        Net net = mlp(1, Activation.TANH, 3, 5, 4);
        Dataset d = loss == Loss.CROSS_ENTROPY ? Synthetic.blobs(8, 3, 4, 1.0, 2, DType.FLOAT64)
                : Synthetic.gaussianRegression(8, 3, 4, 2, DType.FLOAT64);
        double[] dir = direction(new GradientRegularization(GAMMA, 0, SecondOrder.EXACT, false), net, loss, d, 0);
        double[] theta = net.params().toDoubles();
        double h = 1e-5;
        double[] fd = new double[theta.length];
        for (int j = 0; j < theta.length; j++) {
            double[] e = new double[theta.length];
            e[j] = 1;
            setParams(net, theta, h, e);
            double plus = objective(net, loss, d);
            setParams(net, theta, -h, e);
            double minus = objective(net, loss, d);
            fd[j] = (plus - minus) / (2 * h);
        }
        net.params().setFromDoubles(theta);
        assertTrue(maxAbs(dir) > 1e-3, "direction is not trivially zero");
        assertEquals(0, maxAbsDiff(dir, fd), 1e-8 * Math.max(1, maxAbs(dir)));
        // and it is not just the plain gradient: the H g term matters at this gamma
        double[] g = eval(net, loss, d).grad().toDoubles();
        assertTrue(maxAbsDiff(dir, g) > 1e-3);
    }

    @Test
    void finiteDifferencesConvergeToExactWithOrders112() {
        Net net = mlp(3, Activation.TANH, 4, 6, 3);
        Dataset d = Synthetic.blobs(10, 4, 3, 1.0, 4, DType.FLOAT64);
        double[] exact = direction(new GradientRegularization(GAMMA, 0, SecondOrder.EXACT, false), net, Loss.CROSS_ENTROPY, d, 0);
        double[] g = eval(net, Loss.CROSS_ENTROPY, d).grad().toDoubles();
        double[] hg = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            hg[i] = (exact[i] - g[i]) / GAMMA;
        }
        assertTrue(norm(hg) > 1e-2, "H g must be sizable for the orders to be measurable");
        SecondOrder[] kinds = {SecondOrder.FORWARD, SecondOrder.BACKWARD, SecondOrder.CENTRAL};
        double[] expectedOrder = {1, 1, 2};
        for (int k = 0; k < kinds.length; k++) {
            double e1 = err(net, d, kinds[k], 1e-2, exact);
            double e2 = err(net, d, kinds[k], 1e-3, exact);
            double order = Math.log10(e1 / e2);
            assertEquals(expectedOrder[k], order, 0.2, kinds[k] + " errors " + e1 + " -> " + e2);
        }
    }

    private static double err(Net net, Dataset d, SecondOrder so, double eps, double[] exact) {
        double[] dir = direction(new GradientRegularization(GAMMA, eps, so, false), net, Loss.CROSS_ENTROPY, d, 0);
        return maxAbsDiff(dir, exact);
    }

    @Test
    void formulasOfTheFiniteDifferenceVariantsHold() {
        Net net = mlp(5, Activation.SOFTPLUS, 3, 4, 2);
        Dataset d = Synthetic.gaussianRegression(6, 3, 2, 6, DType.FLOAT64);
        double eps = 0.05;
        Oracle.Eval e = eval(net, Loss.SQUARED_ERROR, d);
        double[] g = e.grad().toDoubles();
        Oracle o = new Oracle(net, Loss.SQUARED_ERROR, d.x(), d.y(), 0);
        double[] plus = o.gradAt(e.grad(), eps).toDoubles();
        double[] minus = o.gradAt(e.grad(), -eps).toDoubles();
        double[] fwd = direction(new GradientRegularization(GAMMA, eps, SecondOrder.FORWARD, false), net, Loss.SQUARED_ERROR, d, 0);
        double[] bwd = direction(new GradientRegularization(GAMMA, eps, SecondOrder.BACKWARD, false), net, Loss.SQUARED_ERROR, d, 0);
        double[] cen = direction(new GradientRegularization(GAMMA, eps, SecondOrder.CENTRAL, false), net, Loss.SQUARED_ERROR, d, 0);
        for (int i = 0; i < g.length; i++) {
            assertEquals((1 - GAMMA / eps) * g[i] + GAMMA / eps * plus[i], fwd[i], 1e-12);
            assertEquals(g[i] + GAMMA / eps * (g[i] - minus[i]), bwd[i], 1e-12);
            assertEquals(g[i] + GAMMA / (2 * eps) * (plus[i] - minus[i]), cen[i], 1e-12);
        }
        // forward with gamma = eps is an unnormalized SAM step: d = grad L(theta + eps g)
        double[] samLike = direction(new GradientRegularization(eps, eps, SecondOrder.FORWARD, false), net, Loss.SQUARED_ERROR, d, 0);
        assertArrayEquals(plus, samLike, 1e-12);
        // normalized: the step is eps / ||g||
        double gn = norm(g);
        double[] normalized = direction(new GradientRegularization(GAMMA, eps, SecondOrder.FORWARD, true), net, Loss.SQUARED_ERROR, d, 0);
        double[] manual = direction(new GradientRegularization(GAMMA, eps / gn, SecondOrder.FORWARD, false), net, Loss.SQUARED_ERROR, d, 0);
        assertArrayEquals(manual, normalized, 1e-12);
    }
}
