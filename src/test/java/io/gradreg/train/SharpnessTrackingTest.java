package io.gradreg.train;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.analysis.FullBatch;
import io.gradreg.analysis.Hessian;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.method.Loss;
import io.gradreg.method.Sam;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Net;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --track-sharpness: the measured values, their schedule, and that training is unchanged by them. */
class SharpnessTrackingTest {
    @TempDir
    Path tmp;
    final Dataset train = Synthetic.blobs(60, 5, 3, 1.0, 4, DType.FLOAT64);
    final SharpnessTracking every2 = new SharpnessTracking(2, 24, 6, 3);

    static TrainConfig cfg() {
        return TrainConfig.of(new Sam(0.05), 0.1, 4, 16, 7);
    }

    @Test
    void everyNthEpochCarriesTheSubsetsEigenvalueTraceAndRigAndTrainingIsUnchanged() {
        Net plainNet = Fixtures.mlp(1, Activation.TANH, 5, 8, 3);
        new Trainer(plainNet, Loss.CROSS_ENTROPY, cfg()).fit(train, null, Trainer.Listener.NONE);

        Net net = Fixtures.mlp(1, Activation.TANH, 5, 8, 3);
        List<EpochMetrics> h = new Trainer(net, Loss.CROSS_ENTROPY, cfg().withSharpness(every2)).fit(train, null, Trainer.Listener.NONE);
        assertArrayEquals(plainNet.params().toDoubles(), net.params().toDoubles(), 0.0, "tracking must not change training");
        assertEquals(List.of(false, true, false, true), h.stream().map(EpochMetrics::hasSharpness).toList());

        // the last measurement, recomputed independently at the final weights on the same subset
        Dataset subset = every2.subsetOf(train, 7);
        assertEquals(24, subset.size());
        Hessian hess = new Hessian(net, Loss.CROSS_ENTROPY, subset);
        EpochMetrics last = h.get(3);
        assertEquals(hess.topEigenvalue(6, 1e-3, 7).value(), last.hessianTop(), 0.0);
        Hessian.Trace tr = hess.trace(3, 8);
        assertEquals(tr.mean(), last.hessianTrace(), 0.0);
        assertEquals(tr.stdError(), last.hessianTraceSe(), 0.0);
        double gn = FullBatch.norm(FullBatch.gradient(net, Loss.CROSS_ENTROPY, subset));
        assertEquals(gn * gn / net.numParams(), last.subsetRIG(), 1e-15);
        assertTrue(last.sharpnessMs() > 0);
        assertTrue(last.hessianTop() > 0, "cross-entropy is convex in the logits: the top curvature is positive here");
    }

    @Test
    void theValuesSurviveACheckpoint() {
        Trainer t = new Trainer(Fixtures.mlp(1, Activation.TANH, 5, 8, 3), Loss.CROSS_ENTROPY, cfg().withSharpness(every2));
        List<EpochMetrics> h = t.fit(train, null, Trainer.Listener.NONE);
        Path file = tmp.resolve("c.pt");
        Checkpoint.save(t, file);
        Trainer.Position p = Checkpoint.load(new Trainer(Fixtures.mlp(2, Activation.TANH, 5, 8, 3), Loss.CROSS_ENTROPY, cfg()), file);
        assertEquals(h, p.history(), "every field, the sharpness ones included (records compare NaN equal to NaN)");
        assertTrue(p.history().get(1).hasSharpness());
        assertSame(train, new SharpnessTracking(1, 60, 2, 2).subsetOf(train, 7), "not larger than the set: the whole set");
    }
}
