package io.gradreg.method;

import static io.gradreg.method.HandLinear.*;
import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.GradregException;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Net;
import org.junit.jupiter.api.Test;

/**
 * GSAM, Fisher SAM and GNP on f = W x + b (float64) against the formulas of methods.md section 2b
 * computed by hand, and the identities that tie them to SAM and to normalized forward GR.
 */
class SamVariantsTest {
    final HandLinear lin = new HandLinear(7, 3, 2, 12);
    final Net net = Fixtures.mlp(11, Activation.RELU, 3, 2);
    final double[] theta = net.params().toDoubles();
    final double[] g = lin.grad(theta);

    double[] direction(Method m) {
        return Fixtures.direction(m, net, Loss.SQUARED_ERROR, lin.data, 0);
    }

    @Test
    void gsamSubtractsAlphaTimesTheGradientPartOrthogonalToTheSamGradient() {
        double rho = 0.3;
        double alpha = 0.4;
        double[] gs = lin.grad(axpy(rho / norm(g), g, theta));
        double c = dot(g, gs) / dot(gs, gs); // g's coefficient along g_s
        double[] vertical = axpy(-c, gs, g);
        double[] expected = axpy(-alpha, vertical, gs);
        double[] d = direction(new Gsam(rho, alpha));
        assertArrayEquals(expected, d, 1e-12);
        // What is removed is orthogonal to g_s, and it is not nothing.
        assertEquals(0, dot(axpy(-1, gs, d), gs), 1e-14);
        assertTrue(norm(vertical) > 1e-3 * norm(g));
        assertArrayEquals(theta, net.params().toDoubles(), 0.0, "parameters restored");
    }

    @Test
    void gsamWithAlphaZeroIsSamExactly() {
        assertArrayEquals(direction(new Sam(0.3)), direction(new Gsam(0.3, 0)), 0.0);
    }

    @Test
    void fisherSamPreconditionsTheAscentByTheDiagonalEmpiricalFisher() {
        double rho = 0.2;
        double eta = 5.0;
        double[] v = new double[g.length];
        double q = 0;
        for (int i = 0; i < g.length; i++) {
            double f = 1 + eta * g[i] * g[i];
            v[i] = g[i] / f;
            q += g[i] * g[i] / f;
        }
        double[] expected = lin.grad(axpy(rho / Math.sqrt(q), v, theta));
        assertArrayEquals(expected, direction(new FisherSam(rho, eta)), 1e-12);
        // The preconditioner matters here: the step differs from SAM's.
        assertTrue(maxAbsDiff(expected, direction(new Sam(rho))) > 1e-4);
    }

    @Test
    void fisherSamWithEtaZeroIsSamExactly() {
        assertArrayEquals(direction(new Sam(0.2)), direction(new FisherSam(0.2, 0)), 0.0);
    }

    @Test
    void gnpInterpolatesBetweenTheGradientAndTheSamGradient() {
        double alpha = 0.7;
        double r = 0.15;
        double[] gr = lin.grad(axpy(r / norm(g), g, theta));
        double[] expected = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            expected[i] = (1 - alpha) * g[i] + alpha * gr[i];
        }
        assertArrayEquals(expected, direction(new Gnp(alpha, r)), 1e-12);
    }

    @Test
    void gnpWithAlphaOneIsSamWithRhoEqualToR() {
        assertArrayEquals(direction(new Sam(0.15)), direction(new Gnp(1, 0.15)), 0.0);
    }

    @Test
    void gnpIsNormalizedForwardGrOnlyWithGammaEqualToAlphaRTimesOneOverTheGradientNorm() {
        double alpha = 0.7;
        double r = 0.15;
        double[] gnp = direction(new Gnp(alpha, r));
        double matched = alpha * r / norm(g); // changes with ||g||, so with every step
        assertArrayEquals(gnp, direction(new GradientRegularization(matched, r, SecondOrder.FORWARD, true)), 1e-12);
        assertTrue(maxAbsDiff(gnp, direction(new GradientRegularization(alpha * r, r, SecondOrder.FORWARD, true))) > 1e-4,
                "with gamma = alpha r (no 1/||g||) the two differ");
    }

    @Test
    void strengthsAreScheduledAndTheOtherHyperparametersKept() {
        assertEquals(new Gsam(0.5, 0.2), new Gsam(1, 0.2).withStrength(0.5));
        assertEquals("rho", new Gsam(1, 0.2).strengthName());
        assertEquals(new FisherSam(0.5, 3), new FisherSam(1, 3).withStrength(0.5));
        assertEquals("rho", new FisherSam(1, 3).strengthName());
        assertEquals(new Gnp(0.25, 0.1), new Gnp(0.5, 0.1).withStrength(0.25));
        assertEquals("alpha", new Gnp(0.5, 0.1).strengthName());
        // A warm-up starts at strength 0: allowed, and it is plain training for GNP.
        assertArrayEquals(g, direction(new Gnp(0.5, 0.1).withStrength(0)), 1e-12);
        assertEquals("gsam(rho=0.05, alpha=0.1)", new Gsam(0.05, 0.1).describe());
        assertEquals("fishersam(rho=0.05, eta=1.0)", new FisherSam(0.05, 1).describe());
        assertEquals("gnp(alpha=0.8, r=0.1)", new Gnp(0.8, 0.1).describe());
    }

    @Test
    void badHyperparametersAreOneLineErrors() {
        assertRefused("gsam rho must be a finite number >= 0, got -0.1", () -> new Gsam(-0.1, 0.1));
        assertRefused("gsam alpha must be a finite number >= 0, got -1.0", () -> new Gsam(0.1, -1));
        assertRefused("fishersam eta must be a finite number >= 0, got NaN", () -> new FisherSam(0.1, Double.NaN));
        assertRefused("fishersam rho must be a finite number >= 0, got Infinity", () -> new FisherSam(Double.POSITIVE_INFINITY, 1));
        assertRefused("gnp alpha must be a finite number >= 0, got -0.5", () -> new Gnp(-0.5, 0.1));
        assertRefused("gnp r must be a finite number > 0, got 0.0", () -> new Gnp(0.5, 0));
    }

    static void assertRefused(String message, Runnable r) {
        GradregException e = assertThrows(GradregException.class, r::run);
        assertEquals(message, e.getMessage());
    }

    static double maxAbsDiff(double[] a, double[] b) {
        return Fixtures.maxAbsDiff(a, b);
    }
}
