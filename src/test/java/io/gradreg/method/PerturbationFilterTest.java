package io.gradreg.method;

import static io.gradreg.method.HandLinear.*;
import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.GradregException;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.engine.TensorList;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Mlp;
import io.gradreg.nn.Net;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Ascent on a subset of parameters (SAM-ON and its relatives) for SAM, ASAM and GR: the ascent
 * vector and its norm use the kept tensors only, the direction is every parameter's gradient.
 */
class PerturbationFilterTest {
    final HandLinear lin = new HandLinear(7, 3, 2, 12);
    final Net net = Fixtures.mlp(11, Activation.RELU, 3, 2); // 0.weight [2, 3], 0.bias [2]
    final double[] theta = net.params().toDoubles();
    final double[] g = lin.grad(theta);
    final int weights = lin.k * lin.d; // the first 6 entries are the weight matrix

    double[] direction(Method m) {
        return Fixtures.direction(m, net, Loss.SQUARED_ERROR, lin.data, 0);
    }

    /** g with the bias zeroed: what the weights filter keeps. */
    double[] weightsOnly(double[] v) {
        double[] p = v.clone();
        for (int i = weights; i < p.length; i++) {
            p[i] = 0;
        }
        return p;
    }

    @Test
    void samOnTheWeightsAscendsAlongTheWeightGradientAlone() {
        double rho = 0.4;
        double[] pg = weightsOnly(g);
        double[] expected = lin.grad(axpy(rho / norm(pg), pg, theta));
        double[] d = direction(new Sam(rho, PerturbationFilter.WEIGHTS));
        assertArrayEquals(expected, d, 1e-12);
        assertTrue(Fixtures.maxAbsDiff(d, direction(new Sam(rho))) > 1e-4, "the filter changes the step");
        assertNotEquals(0, d[weights], "the bias still gets its gradient");
        assertArrayEquals(theta, net.params().toDoubles(), 0.0, "parameters restored");
    }

    @Test
    void allIsTheUnfilteredSamBitForBit() {
        double rho = 0.4;
        Oracle o = new Oracle(net, Loss.SQUARED_ERROR, lin.data.x(), lin.data.y(), 0);
        TensorList g0 = o.eval(false).grad();
        double[] unfiltered = o.gradAt(g0, rho / g0.norm()).toDoubles(); // SAM's formula, evaluated directly
        assertArrayEquals(unfiltered, direction(new Sam(rho, PerturbationFilter.ALL)), 0.0);
        assertEquals(new Sam(rho), new Sam(rho, PerturbationFilter.ALL));
        assertEquals("sam(rho=0.4)", new Sam(rho).describe());
        assertEquals("sam(rho=0.4, perturb-only=norm)", new Sam(rho, PerturbationFilter.NORM).describe());
        assertEquals("asam(rho=0.4, eta=0.01, perturb-only=weights)", new Asam(rho, 0.01, PerturbationFilter.WEIGHTS).describe());
        assertEquals(new Sam(0.1, PerturbationFilter.NORM), new Sam(0.4, PerturbationFilter.NORM).withStrength(0.1));
    }

    @Test
    void asamOnTheWeightsScalesTheFilteredGradient() {
        double rho = 0.5;
        double eta = 0.01;
        double[] pg = weightsOnly(g);
        double[] t = new double[theta.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = i < weights ? Math.abs(theta[i]) + eta : 1.0;
        }
        double tn = 0;
        double[] step = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            tn += t[i] * pg[i] * t[i] * pg[i];
            step[i] = t[i] * t[i] * pg[i];
        }
        double[] expected = lin.grad(axpy(rho / Math.sqrt(tn), step, theta));
        assertArrayEquals(expected, direction(new Asam(rho, eta, PerturbationFilter.WEIGHTS)), 1e-12);
    }

    @Test
    void grOnTheWeightsAddsGammaTimesTheHessianTimesTheFilteredGradient() {
        double gamma = 0.2;
        // The loss is quadratic, so H v = grad(θ + v) − grad(θ) exactly, and every difference quotient is H Pg.
        double[] pg = weightsOnly(g);
        double[] hpg = axpy(-1, g, lin.grad(axpy(1, pg, theta)));
        double[] expected = axpy(gamma, hpg, g);
        for (SecondOrder so : SecondOrder.values()) {
            double[] d = direction(new GradientRegularization(gamma, 0.03, so, false, PerturbationFilter.WEIGHTS));
            assertArrayEquals(expected, d, 1e-10, so.toString());
        }
        double[] normalized = direction(new GradientRegularization(gamma, 0.03, SecondOrder.FORWARD, true, PerturbationFilter.WEIGHTS));
        assertArrayEquals(expected, normalized, 1e-10, "normalized: the step eps/||Pg|| changes nothing on a quadratic");
        double[] unfiltered = axpy(gamma, axpy(-1, g, lin.grad(axpy(1, g, theta))), g);
        assertTrue(Fixtures.maxAbsDiff(expected, unfiltered) > 1e-4, "the filter changes the step");
    }

    @Test
    void normalizedGrStepsEpsAlongTheFilteredGradientOnACurvedLoss() {
        // Cross-entropy on a tanh MLP: the difference quotient depends on the step, so the step's length is tested.
        Net mlp = Fixtures.mlp(3, Activation.TANH, 5, 7, 3); // 0.weight [7, 5], 0.bias, 2.weight [3, 7], 2.bias
        Dataset data = Synthetic.blobs(13, 5, 3, 1.0, 4, DType.FLOAT64);
        double gamma = 0.2;
        double eps = 0.05;
        double[] th = mlp.params().toDoubles();
        double[] grad = Fixtures.eval(mlp, Loss.CROSS_ENTROPY, data).grad().toDoubles();
        double[] pg = grad.clone();
        java.util.Arrays.fill(pg, 35, 42, 0); // 0.bias
        java.util.Arrays.fill(pg, 63, 66, 0); // 2.bias
        double h = eps / norm(pg);
        Fixtures.setParams(mlp, th, h, pg);
        double[] moved = Fixtures.eval(mlp, Loss.CROSS_ENTROPY, data).grad().toDoubles();
        mlp.params().setFromDoubles(th);
        double[] expected = axpy(gamma / h, axpy(-1, grad, moved), grad);
        double[] d = Fixtures.direction(new GradientRegularization(gamma, eps, SecondOrder.FORWARD, true, PerturbationFilter.WEIGHTS),
                mlp, Loss.CROSS_ENTROPY, data, 0);
        assertArrayEquals(expected, d, 1e-11);
    }

    @Test
    void normKeepsTheBatchNormParametersAndTheDirectionIsTheGradientAtTheMovedPoint() {
        Engine.seed(3);
        Net bn = new Mlp(new int[] {4, 6, 3}, Activation.TANH, 0, true).to(DType.FLOAT64); // 0.*, 1.* (BatchNorm1d), 3.*
        Dataset data = Synthetic.blobs(10, 4, 3, 1.0, 5, DType.FLOAT64);
        List<String> names = bn.paramNames();
        assertEquals(List.of("1.weight", "1.bias"), kept(bn, PerturbationFilter.NORM));
        assertEquals(List.of("0.weight", "0.bias", "3.weight", "3.bias"), kept(bn, PerturbationFilter.NO_NORM));
        assertEquals(List.of("0.weight", "3.weight"), kept(bn, PerturbationFilter.WEIGHTS));
        assertEquals(names, kept(bn, PerturbationFilter.ALL));

        double rho = 0.3;
        double[] th = bn.params().toDoubles();
        double[] grad = Fixtures.eval(bn, Loss.CROSS_ENTROPY, data).grad().toDoubles();
        // Zero every entry outside the batch-norm layer, by position: 0.weight (24), 0.bias (6), then 1.weight, 1.bias (6 each).
        double[] pg = new double[grad.length];
        for (int i = 30; i < 42; i++) {
            pg[i] = grad[i];
        }
        Fixtures.setParams(bn, th, rho / norm(pg), pg);
        double[] expected = Fixtures.eval(bn, Loss.CROSS_ENTROPY, data).grad().toDoubles();
        bn.params().setFromDoubles(th);
        double[] d = Fixtures.direction(new Sam(rho, PerturbationFilter.NORM), bn, Loss.CROSS_ENTROPY, data, 0);
        assertArrayEquals(expected, d, 1e-12);
        assertTrue(Fixtures.maxAbs(java.util.Arrays.copyOfRange(d, 0, 30)) > 0, "the update moves the layers that were not perturbed");
        // ASAM's T is 1 on normalization parameters, so restricted to them it is SAM restricted to them.
        assertArrayEquals(d, Fixtures.direction(new Asam(rho, 0.01, PerturbationFilter.NORM), bn, Loss.CROSS_ENTROPY, data, 0), 0.0);
    }

    List<String> kept(Net n, PerturbationFilter f) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.paramNames().size(); i++) {
            if (f.keeps(n, n.paramNames().get(i), n.params().get(i))) {
                out.add(n.paramNames().get(i));
            }
        }
        return out;
    }

    @Test
    void aFilterThatKeepsNothingIsRefused() {
        GradregException e = assertThrows(GradregException.class, () -> direction(new Sam(0.1, PerturbationFilter.NORM)));
        assertEquals("--perturb-only norm: the model has no such parameters (2 tensors, none kept)", e.getMessage());
        assertThrows(GradregException.class,
                () -> direction(new GradientRegularization(0.1, 0, SecondOrder.EXACT, false, PerturbationFilter.NORM)));
    }

    @Test
    void parsesTheCommandLineNames() {
        assertEquals(PerturbationFilter.NORM, PerturbationFilter.parse("norm"));
        assertEquals(PerturbationFilter.NO_NORM, PerturbationFilter.parse("No-Norm"));
        assertEquals(PerturbationFilter.WEIGHTS, PerturbationFilter.parse(" weights "));
        assertEquals(PerturbationFilter.ALL, PerturbationFilter.parse("all"));
        GradregException e = assertThrows(GradregException.class, () -> PerturbationFilter.parse("bn"));
        assertEquals("--perturb-only: unknown filter 'bn': expected all, norm, no-norm or weights", e.getMessage());
    }
}
