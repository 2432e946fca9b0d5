package io.gradreg.method;

import static io.gradreg.method.HandLinear.*;
import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Net;
import io.gradreg.train.OptimizerSpec;
import io.gradreg.train.Schedule;
import io.gradreg.train.TrainConfig;
import io.gradreg.train.Trainer;
import org.junit.jupiter.api.Test;

/**
 * WSAM (methods.md section 2b) on f = W x + b (float64): the combined direction and the decoupled
 * split against hand computations, two SGD-momentum steps of the decoupled rule (the sharpness term
 * outside the optimizer, as the authors' code applies it), γ = ½ as SAM, and clipping of the whole step.
 */
class WsamTest {
    static final double LR = 0.1;
    final HandLinear lin = new HandLinear(7, 3, 2, 12);
    final Net net = Fixtures.mlp(11, Activation.RELU, 3, 2);
    final double[] theta = net.params().toDoubles();

    static TrainConfig cfg(Method m, long steps, double momentum, double wd) {
        return new TrainConfig(m, new OptimizerSpec(OptimizerSpec.Kind.SGD, LR, momentum, false, wd), Schedule.CONSTANT, 0, steps, 7, false, 0);
    }

    double[] samGradient(double[] at, double rho) {
        double[] g = lin.grad(at);
        return lin.grad(axpy(rho / norm(g), g, at));
    }

    Update update(Method m) {
        return m.direction(new Oracle(net, Loss.SQUARED_ERROR, lin.data.x(), lin.data.y(), 0));
    }

    @Test
    void combinedIsTheWeightedSumAndDecoupledSplitsIt() {
        double rho = 0.3;
        double a = 0.8 / (1 - 0.8);
        double[] g = lin.grad(theta);
        double[] gs = samGradient(theta, rho);
        double[] combined = axpy(a, axpy(-1, g, gs), g); // (1 − a) g + a g_s
        Update c = update(new Wsam(rho, 0.8, false));
        assertArrayEquals(combined, c.direction().toDoubles(), 1e-12);
        assertNull(c.outside());
        Update d = update(new Wsam(rho, 0.8, true));
        assertArrayEquals(g, d.direction().toDoubles(), 1e-12, "the optimizer gets g");
        assertArrayEquals(scaled(a, axpy(-1, g, gs)), d.outside().toDoubles(), 1e-12, "a (g_s − g) is applied outside it");
        assertArrayEquals(g, d.grad().toDoubles(), 1e-12);
    }

    @Test
    void gammaOneHalfIsSam() {
        assertArrayEquals(update(new Sam(0.3)).direction().toDoubles(), update(new Wsam(0.3, 0.5, false)).direction().toDoubles(), 0.0,
                "combined, a = 1: bit for bit");
        // Decoupled under plain SGD, with or without weight decay: θ − lr (g + wd θ) − lr (g_s − g) = θ − lr (g_s + wd θ).
        for (double wd : new double[] {0, 0.01}) {
            Net a = Fixtures.mlp(11, Activation.RELU, 3, 2);
            Net b = Fixtures.mlp(11, Activation.RELU, 3, 2);
            new Trainer(a, Loss.SQUARED_ERROR, cfg(new Wsam(0.3, 0.5, true), 4, 0, wd)).fit(lin.data, null, Trainer.Listener.NONE);
            new Trainer(b, Loss.SQUARED_ERROR, cfg(new Sam(0.3), 4, 0, wd)).fit(lin.data, null, Trainer.Listener.NONE);
            assertArrayEquals(b.params().toDoubles(), a.params().toDoubles(), 1e-12, "decoupled, plain SGD, wd " + wd + ": up to rounding");
        }
        // Under momentum it is not SAM: the momentum buffer sees g only.
        Net a = Fixtures.mlp(11, Activation.RELU, 3, 2);
        Net b = Fixtures.mlp(11, Activation.RELU, 3, 2);
        new Trainer(a, Loss.SQUARED_ERROR, cfg(new Wsam(0.3, 0.5, true), 4, 0.9, 0)).fit(lin.data, null, Trainer.Listener.NONE);
        new Trainer(b, Loss.SQUARED_ERROR, cfg(new Sam(0.3), 4, 0.9, 0)).fit(lin.data, null, Trainer.Listener.NONE);
        assertTrue(Fixtures.maxAbsDiff(a.params().toDoubles(), b.params().toDoubles()) > 1e-6);
    }

    @Test
    void decoupledStepsKeepTheSharpnessTermOutOfTheMomentum() {
        double rho = 0.2;
        double mu = 0.9;
        double a = 0.9 / (1 - 0.9);
        // torch.optim.SGD: buf = g at the first step, then buf = mu buf + g; θ −= lr buf; then θ −= lr a (g_s − g).
        double[] t = theta;
        double[] buf = null;
        for (int s = 0; s < 2; s++) {
            double[] g = lin.grad(t);
            double[] gs = samGradient(t, rho);
            buf = buf == null ? g : axpy(1, g, scaled(mu, buf));
            t = axpy(-LR * a, axpy(-1, g, gs), axpy(-LR, buf, t));
        }
        new Trainer(net, Loss.SQUARED_ERROR, cfg(new Wsam(rho, 0.9, true), 2, mu, 0)).fit(lin.data, null, Trainer.Listener.NONE);
        assertArrayEquals(t, net.params().toDoubles(), 1e-12);
        Net combined = Fixtures.mlp(11, Activation.RELU, 3, 2);
        new Trainer(combined, Loss.SQUARED_ERROR, cfg(new Wsam(rho, 0.9, false), 2, mu, 0)).fit(lin.data, null, Trainer.Listener.NONE);
        assertTrue(Fixtures.maxAbsDiff(t, combined.params().toDoubles()) > 1e-6, "the combined form differs under momentum");
    }

    @Test
    void clippingScalesTheWholeStepBothParts() {
        double rho = 0.2;
        double a = 0.9 / (1 - 0.9);
        double[] g = lin.grad(theta);
        double[] step = axpy(a, axpy(-1, g, samGradient(theta, rho)), g); // g + a (g_s − g)
        double c = 0.1;
        double coef = c / (norm(step) + 1e-6);
        assertTrue(coef < 1, "the clip is active");
        double[] expected = axpy(-LR * coef, step, theta);
        new Trainer(net, Loss.SQUARED_ERROR, cfg(new Wsam(rho, 0.9, true), 1, 0, 0).withClipGradNorm(c)).fit(lin.data, null,
                Trainer.Listener.NONE);
        assertArrayEquals(expected, net.params().toDoubles(), 1e-12);
    }

    @Test
    void strengthDescriptionAndRefusals() {
        assertEquals(new Wsam(0.05, 0.9, true), new Wsam(0.2, 0.9, true).withStrength(0.05));
        assertEquals("rho", new Wsam(0.2, 0.9, true).strengthName());
        assertEquals("wsam(rho=0.2, gamma=0.9, decoupled)", new Wsam(0.2, 0.9, true).describe());
        assertEquals("wsam(rho=0.2, gamma=0.9, combined)", new Wsam(0.2, 0.9, false).describe());
        assertEquals(9, new Wsam(0.2, 0.9, true).weight(), 1e-12);
        SamVariantsTest.assertRefused("wsam gamma must be in [0, 1) (the sharpness weight is gamma / (1 - gamma)), got 1.0",
                () -> new Wsam(0.1, 1, true));
        SamVariantsTest.assertRefused("--reuse needs the whole step in the direction, but decoupled wsam applies its sharpness term outside"
                + " the optimizer; use --wsam-form combined", () -> new Every(new Wsam(0.1, 0.9, true), 2, true));
        new Every(new Wsam(0.1, 0.9, false), 2, true); // combined: d − g is the whole regularization
    }

    static double[] scaled(double c, double[] v) {
        return FriendlySamTest.scaled(c, v);
    }
}
