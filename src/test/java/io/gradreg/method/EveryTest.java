package io.gradreg.method;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Net;
import io.gradreg.train.TrainConfig;
import io.gradreg.train.Trainer;
import org.junit.jupiter.api.Test;

/**
 * {@code --every K [--reuse]} against a float64 hand computation of the first steps, and exact
 * under gradient accumulation (to 1e-10, as every method).
 */
class EveryTest {
    final Dataset data = Synthetic.blobs(12, 5, 3, 1.0, 4, DType.FLOAT64);
    static final double LR = 0.1;

    /** Full-batch SGD without shuffling, so step t sees the same batch every time. */
    static TrainConfig cfg(Method m, long steps) {
        return new TrainConfig(m, io.gradreg.train.OptimizerSpec.sgd(LR), io.gradreg.train.Schedule.CONSTANT, 0, steps, 12, false, 0);
    }

    static double[] axpy(double[] x, double a, double[] y) {
        double[] r = x.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] += a * y[i];
        }
        return r;
    }

    @Test
    void stepsBetweenFullStepsArePlainOrPlainPlusTheKeptComponent() {
        for (Method base : new Method[] {new GradientRegularization(0.2, 0.03, SecondOrder.FORWARD, false), new Sam(0.1),
                new InputPenalty(InputPenalty.Kind.DOUBLEBACK, 0.3, SecondOrder.EXACT, 0.01, 0)}) {
            for (boolean reuse : new boolean[] {false, true}) {
                // by hand: theta1 = theta0 - h d0; theta2 = theta1 - h (g1 [+ d0 - g0]); theta3 = theta2 - h d(theta2)
                Net ref = Fixtures.mlp(2, Activation.TANH, 5, 7, 3);
                double[] t0 = ref.params().toDoubles();
                double[] d0 = Fixtures.direction(base, ref, Loss.CROSS_ENTROPY, data, 0);
                double[] g0 = Fixtures.eval(ref, Loss.CROSS_ENTROPY, data).grad().toDoubles();
                double[] t1 = axpy(t0, -LR, d0);
                ref.params().setFromDoubles(t1);
                double[] g1 = Fixtures.eval(ref, Loss.CROSS_ENTROPY, data).grad().toDoubles();
                double[] step1 = reuse ? axpy(axpy(g1, 1, d0), -1, g0) : g1;
                double[] t2 = axpy(t1, -LR, step1);
                ref.params().setFromDoubles(t2);
                double[] t3 = axpy(t2, -LR, Fixtures.direction(base, ref, Loss.CROSS_ENTROPY, data, 0));

                Net net = Fixtures.mlp(2, Activation.TANH, 5, 7, 3);
                Trainer t = new Trainer(net, Loss.CROSS_ENTROPY, cfg(new Every(base, 2, reuse), 3));
                t.fit(data, null, Trainer.Listener.NONE);
                String what = base.describe() + (reuse ? " reuse" : "");
                assertTrue(Fixtures.maxAbsDiff(t3, net.params().toDoubles()) < 1e-12, what);
                if (reuse) {
                    // step 2 was a full step: its component is d(theta2) - g(theta2)
                    ref.params().setFromDoubles(t2);
                    double[] c = axpy(Fixtures.direction(base, ref, Loss.CROSS_ENTROPY, data, 0), -1,
                            Fixtures.eval(ref, Loss.CROSS_ENTROPY, data).grad().toDoubles());
                    assertTrue(Fixtures.maxAbsDiff(c, t.kept().toDoubles()) < 1e-12, what);
                } else {
                    assertNull(t.kept(), what);
                }
            }
        }
    }

    @Test
    void accumulationGivesTheUnsplitRunForEveryAndReuse() {
        for (Method base : new Method[] {new GradientRegularization(0.1, 0, SecondOrder.EXACT, false), new Sam(0.05),
                new InputPenalty(InputPenalty.Kind.DOUBLEBACK, 0.1, SecondOrder.FORWARD, 0.01, 0),
                new Scheduled(new GradientRegularization(0.1, 0.01, SecondOrder.FORWARD, false), StrengthSchedule.parse("x", "warmup:4"))}) {
            for (boolean reuse : new boolean[] {false, true}) {
                Dataset d = Synthetic.blobs(40, 5, 3, 1.0, 2, DType.FLOAT64);
                Net a = Fixtures.mlp(5, Activation.TANH, 5, 7, 3);
                Net b = Fixtures.mlp(5, Activation.TANH, 5, 7, 3);
                TrainConfig c = TrainConfig.of(new Every(base, 3, reuse), 0.1, 2, 16, 1);
                new Trainer(a, Loss.CROSS_ENTROPY, c).fit(d, null, Trainer.Listener.NONE);
                new Trainer(b, Loss.CROSS_ENTROPY, c.withAccumulate(3)).fit(d, null, Trainer.Listener.NONE);
                assertArrayEquals(a.params().toDoubles(), b.params().toDoubles(), 1e-10, base.describe() + " reuse " + reuse);
            }
        }
    }

    @Test
    void shardsSumThePlainGradientOfASampleSeparableMethodWhenAsked() {
        Net net = Fixtures.mlp(3, Activation.TANH, 5, 7, 3);
        Method m = new InputPenalty(InputPenalty.Kind.SPECTREG, 0.3, SecondOrder.EXACT, 0.01, 0);
        double[] g = Fixtures.eval(net, Loss.CROSS_ENTROPY, data).grad().toDoubles();
        java.util.List<Oracle> shards = java.util.List.of(
                new Oracle(net, Loss.CROSS_ENTROPY, data.slice(0, 5).x(), data.slice(0, 5).y(), 0),
                new Oracle(net, Loss.CROSS_ENTROPY, data.slice(5, 12).x(), data.slice(5, 12).y(), 0));
        Update u = Shards.direction(m, net, shards, 12, Reducer.LOCAL, true);
        assertTrue(Fixtures.maxAbsDiff(g, u.grad().toDoubles()) < 1e-12);
        assertNull(Shards.direction(m, net, shards, 12, Reducer.LOCAL).grad());
    }

    @Test
    void everyKeepsComponentsOnlyOnFullStepsWithReuse() {
        Every e = new Every(new Sam(0.1), 5, true);
        assertTrue(e.keepsState(0));
        assertFalse(e.keepsState(4));
        assertTrue(e.keepsState(10));
        assertFalse(new Every(new Sam(0.1), 5, false).keepsState(0));
        assertEquals(new Sam(0.1), e.at(new Step(5, 100, 1)));
        assertEquals(new Plain().describe(), e.at(new Step(6, 100, 1)).describe(), "no component kept yet: plain");
        assertEquals("sam(rho=0.1) every 5 steps, reusing d - g between", e.describe());
    }

    @Test
    void unwrappedIsTheMethodUnderSchedulesAndEveryK() {
        Sam sam = new Sam(0.05);
        Method wrapped = new Every(new Scheduled(sam, StrengthSchedule.parse("--rho-schedule", "warmup:10")), 3, true);
        assertEquals(sam, wrapped.unwrapped());
        assertEquals(sam, sam.unwrapped());
    }
}
