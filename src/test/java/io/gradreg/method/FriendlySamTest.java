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
 * FriendlySAM (methods.md section 2b) on f = W x + b (float64): three full-batch SGD steps against a
 * hand computation in the authors' code's order (ascent along g − σ m_prev, then the moving average),
 * the kept moving average, σ = 0 as SAM, and where the paper's order would differ.
 */
class FriendlySamTest {
    static final double LR = 0.1;
    final HandLinear lin = new HandLinear(7, 3, 2, 12);

    static TrainConfig cfg(Method m, long steps, double momentum) {
        return new TrainConfig(m, new OptimizerSpec(OptimizerSpec.Kind.SGD, LR, momentum, false, 0), Schedule.CONSTANT, 0, steps, 7, false, 0);
    }

    /** θ after {@code steps} F-SAM steps by hand; {@code paperOrder} updates m before the ascent. Returns θ then m. */
    double[][] byHand(double[] theta, int steps, double rho, double sigma, double lambda, boolean paperOrder) {
        double[] m = null;
        for (int t = 0; t < steps; t++) {
            double[] g = lin.grad(theta);
            double[] a = g;
            if (m == null) {
                m = g.clone();
            } else if (paperOrder) {
                m = axpy(1 - lambda, g, scaled(lambda, m));
                a = axpy(-sigma, m, g);
            } else {
                a = axpy(-sigma, m, g);
                m = axpy(1 - lambda, g, scaled(lambda, m));
            }
            theta = axpy(-LR, lin.grad(axpy(rho / norm(a), a, theta)), theta);
        }
        return new double[][] {theta, m};
    }

    static double[] scaled(double c, double[] v) {
        double[] r = v.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] *= c;
        }
        return r;
    }

    @Test
    void threeStepsAscendAlongTheGradientMinusSigmaTimesThePreviousAverage() {
        Net net = Fixtures.mlp(11, Activation.RELU, 3, 2);
        double[][] hand = byHand(net.params().toDoubles(), 3, 0.3, 0.8, 0.6, false);
        Trainer t = new Trainer(net, Loss.SQUARED_ERROR, cfg(new FriendlySam(0.3, 0.8, 0.6), 3, 0));
        t.fit(lin.data, null, Trainer.Listener.NONE);
        assertArrayEquals(hand[0], net.params().toDoubles(), 1e-12);
        assertArrayEquals(hand[1], t.kept().toDoubles(), 1e-12, "the moving average is kept by the trainer");
    }

    @Test
    void thePapersOrderDiffersExceptWithSigmaOne() {
        double[] theta = Fixtures.mlp(11, Activation.RELU, 3, 2).params().toDoubles();
        double[] code = byHand(theta, 3, 0.3, 0.8, 0.6, false)[0];
        double[] paper = byHand(theta, 3, 0.3, 0.8, 0.6, true)[0];
        assertTrue(Fixtures.maxAbsDiff(code, paper) > 1e-6, "sigma 0.8: the order matters");
        // With sigma = 1 the paper's ascent g − m_t = λ (g − m_{t-1}) points where the code's does.
        assertArrayEquals(byHand(theta, 3, 0.3, 1, 0.6, false)[0], byHand(theta, 3, 0.3, 1, 0.6, true)[0], 1e-12);
    }

    @Test
    void sigmaZeroIsSamBitForBit() {
        Net a = Fixtures.mlp(11, Activation.RELU, 3, 2);
        Net b = Fixtures.mlp(11, Activation.RELU, 3, 2);
        new Trainer(a, Loss.SQUARED_ERROR, cfg(new FriendlySam(0.3, 0, 0.6), 4, 0.9)).fit(lin.data, null, Trainer.Listener.NONE);
        new Trainer(b, Loss.SQUARED_ERROR, cfg(new Sam(0.3), 4, 0.9)).fit(lin.data, null, Trainer.Listener.NONE);
        assertArrayEquals(b.params().toDoubles(), a.params().toDoubles(), 0.0);
    }

    @Test
    void theMovingAverageIsStepStateAndTheStrengthIsRho() {
        FriendlySam f = new FriendlySam(0.1, 1, 0.6);
        assertTrue(f.keepsState(0) && f.keepsState(7));
        assertNull(f.m());
        assertEquals("rho", f.strengthName());
        assertEquals(new FriendlySam(0.05, 1, 0.6), f.withStrength(0.05));
        assertEquals("fsam(rho=0.1, sigma=1.0, lambda=0.6)", f.describe());
        Method scheduled = new Scheduled(f, StrengthSchedule.parse("--rho-schedule", "warmup:4"));
        assertTrue(scheduled.keepsState(3), "a schedule keeps the base's state");
        assertFalse(new Every(f, 3, false).keepsState(1), "between full steps the average is not updated");
        assertTrue(new Every(f, 3, false).keepsState(3));
        SamVariantsTest.assertRefused("fsam lambda must be in [0, 1], got 1.5", () -> new FriendlySam(0.1, 1, 1.5));
        SamVariantsTest.assertRefused("fsam sigma must be a finite number >= 0, got -1.0", () -> new FriendlySam(0.1, -1, 0.5));
        SamVariantsTest.assertRefused("--reuse keeps state between steps, and fsam(rho=0.1, sigma=1.0, lambda=0.6) keeps its own: a run keeps one;"
                + " use --every K without --reuse", () -> new Every(f, 2, true));
    }
}
