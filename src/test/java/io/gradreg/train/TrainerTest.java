package io.gradreg.train;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.GradregException;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.InputPenalty;
import io.gradreg.method.Loss;
import io.gradreg.method.Method;
import io.gradreg.method.Plain;
import io.gradreg.method.Sam;
import io.gradreg.method.SecondOrder;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Mlp;
import io.gradreg.nn.Net;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerTest {
    final Dataset train = Synthetic.blobs(512, 8, 4, 1.0, 1, DType.FLOAT32);
    final Dataset test = Synthetic.blobs(256, 8, 4, 1.0, 1, 99, DType.FLOAT32);

    static Net net() {
        Engine.seed(7);
        return new Mlp(new int[] {8, 32, 4}, Activation.RELU, 0, false).to(DType.FLOAT32);
    }

    @Test
    void smallRunsLearnWellBelowChance() {
        double chance = Math.log(4);
        for (Method m : new Method[] {new Plain(), new GradientRegularization(0.05, 0.01, SecondOrder.FORWARD, false),
                new Sam(0.05), new InputPenalty(InputPenalty.Kind.SPECTREG, 0.01, SecondOrder.EXACT, 0, 0)}) {
            List<EpochMetrics> h = new Trainer(net(), Loss.CROSS_ENTROPY, TrainConfig.of(m, 0.1, 15, 32, 3)).fit(train, test, Trainer.Listener.NONE);
            EpochMetrics last = h.get(h.size() - 1);
            assertEquals(15, h.size());
            assertTrue(last.trainLoss() < 0.25 * chance, m.describe() + ": train loss " + last.trainLoss());
            assertTrue(last.testAccuracy() > 0.9, m.describe() + ": test accuracy " + last.testAccuracy());
            assertTrue(h.get(0).trainLoss() > last.trainLoss());
            assertEquals(last.gradNorm() * last.gradNorm() / (8 * 32 + 32 + 32 * 4 + 4), last.rIG(), 1e-9 * last.rIG() + 1e-15);
            assertEquals(0.1 * (8 * 32 + 32 + 32 * 4 + 4) / 4.0, last.lambdaIG(), 1e-9);
        }
    }

    @Test
    void stepsModeStopsAtTheStepCountAndSchedulesDecay() {
        Trainer t = new Trainer(net(), Loss.CROSS_ENTROPY, TrainConfig.plain(0.1, 1, 100).withSteps(7).withSchedule(Schedule.COSINE));
        List<EpochMetrics> h = t.fit(train, null, Trainer.Listener.NONE);
        assertEquals(7, t.stepCount());
        assertEquals(2, h.size(), "6 steps in the first epoch (512 / 100 rounded up), 1 in the second");
        assertEquals(0.1, t.learningRate(0, 7), 1e-15);
        assertEquals(0.05, t.learningRate(3, 6), 1e-15);
        assertTrue(Double.isNaN(h.get(1).testAccuracy()));
    }

    @Test
    void sameSeedGivesBitIdenticalRuns() {
        TrainConfig cfg = TrainConfig.of(new GradientRegularization(0.05, 0.01, SecondOrder.FORWARD, false), 0.1, 2, 32, 9);
        Net a = net();
        Net b = net();
        new Trainer(a, Loss.CROSS_ENTROPY, cfg).fit(train, null, Trainer.Listener.NONE);
        new Trainer(b, Loss.CROSS_ENTROPY, cfg).fit(train, null, Trainer.Listener.NONE);
        assertArrayEquals(a.params().toDoubles(), b.params().toDoubles(), 0.0);
    }

    @Test
    void aNonFiniteLossStopsTheRunAndNamesTheStep() {
        Trainer t = new Trainer(net(), Loss.CROSS_ENTROPY, TrainConfig.plain(1e30, 3, 64));
        GradregException e = assertThrows(GradregException.class, () -> t.fit(train, null, Trainer.Listener.NONE));
        assertTrue(e.getMessage().matches("the loss became (NaN|Infinity) at step \\d+; parameters are left at step \\d+"), e.getMessage());
    }

    @Test
    void invalidSettingsAreRejectedWithAMessage() {
        assertEquals("learning rate must be a positive number, got -0.1",
                assertThrows(GradregException.class, () -> OptimizerSpec.sgd(-0.1)).getMessage());
        assertEquals("give either a number of epochs or a number of steps (one positive)",
                assertThrows(GradregException.class, () -> new TrainConfig(new Plain(), OptimizerSpec.sgd(0.1), Schedule.CONSTANT, 0, 0, 8, true, 0)).getMessage());
    }
}
