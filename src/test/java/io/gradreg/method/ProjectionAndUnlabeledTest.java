package io.gradreg.method;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Tensors;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Net;
import io.gradreg.train.OptimizerSpec;
import io.gradreg.train.Schedule;
import io.gradreg.train.TrainConfig;
import io.gradreg.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * SpectReg's projection drawn once per batch, and input penalties on unlabeled inputs: their
 * values against independent float64 computations, and the split batch equal to the unsplit one.
 */
class ProjectionAndUnlabeledTest {
    final Dataset batch = Synthetic.blobs(11, 5, 3, 1.0, 4, DType.FLOAT64);
    final Dataset other = Synthetic.blobs(11, 5, 3, 1.0, 9, DType.FLOAT64);

    static InputPenalty spectreg(InputPenalty.Projection p) {
        return new InputPenalty(InputPenalty.Kind.SPECTREG, 0.3, SecondOrder.EXACT, 0.01, 0, p);
    }

    @Test
    void batchProjectionSharesOneRAcrossTheBatch() {
        // A linear model f = W x + b has J_i = W for every sample, so with a shared r every sample's
        // ‖J_iᵀ r‖² is the same number ‖Wᵀ r‖², with r the batch seed's draw.
        Net net = Fixtures.mlp(5, Activation.TANH, 5, 3);
        long batchSeed = 1234;
        Update u = spectreg(InputPenalty.Projection.BATCH).direction(new Oracle(net, Loss.CROSS_ENTROPY, batch.x(), batch.y(), 77, batchSeed, null));
        torch.manual_seed(batchSeed ^ 0x5DEECE66DL);
        double[] r = Tensors.toDoubles(torch.randn_like(batch.x().narrow(0, 0, 1).narrow(1, 0, 3)));
        double[] w = Tensors.toDoubles(net.params().get(0)); // 3 × 5, row-major
        double expected = 0;
        for (int j = 0; j < 5; j++) {
            double s = 0;
            for (int k = 0; k < 3; k++) {
                s += w[k * 5 + j] * r[k];
            }
            expected += s * s;
        }
        assertEquals(expected, u.penalty(), 1e-12);
        // the same batch seed gives the same r whatever the shard's own seed
        Update again = spectreg(InputPenalty.Projection.BATCH).direction(new Oracle(net, Loss.CROSS_ENTROPY, batch.x(), batch.y(), 5, batchSeed, null));
        assertEquals(u.penalty(), again.penalty(), 0);
    }

    @Test
    void unlabeledInputsCarryThePenaltyAndTheLabeledOnesTheLoss() {
        // frobreg is deterministic: with unlabeled inputs its direction is ∇L(labeled) + λ∇R(unlabeled), which is
        // Plain(labeled) + [Frob(unlabeled) − Plain(unlabeled)] computed separately.
        Net net = Fixtures.mlp(6, Activation.TANH, 5, 7, 3);
        InputPenalty frob = new InputPenalty(InputPenalty.Kind.FROBREG, 0.3, SecondOrder.EXACT, 0.01, 0);
        double[] both = frob.direction(new Oracle(net, Loss.CROSS_ENTROPY, batch.x(), batch.y(), 0, 0, other.x())).direction().toDoubles();
        double[] gLab = Fixtures.direction(new Plain(), net, Loss.CROSS_ENTROPY, batch, 0);
        double[] fU = Fixtures.direction(frob, net, Loss.CROSS_ENTROPY, other, 0);
        double[] gU = Fixtures.direction(new Plain(), net, Loss.CROSS_ENTROPY, other, 0);
        double[] expected = new double[both.length];
        for (int i = 0; i < both.length; i++) {
            expected[i] = gLab[i] + fU[i] - gU[i];
        }
        assertTrue(Fixtures.maxAbsDiff(expected, both) < 1e-12, "max diff " + Fixtures.maxAbsDiff(expected, both));
        assertTrue(Fixtures.maxAbsDiff(gLab, both) > 1e-6, "the penalty changes the direction");
    }

    @Test
    void doublebackRefusesUnlabeledInputs() {
        Net net = Fixtures.mlp(6, Activation.TANH, 5, 7, 3);
        InputPenalty db = new InputPenalty(InputPenalty.Kind.DOUBLEBACK, 0.3, SecondOrder.EXACT, 0.01, 0);
        var e = assertThrows(io.gradreg.GradregException.class,
                () -> db.direction(new Oracle(net, Loss.CROSS_ENTROPY, batch.x(), batch.y(), 0, 0, other.x())));
        assertEquals("doubleback needs labels: unlabeled inputs work with spectreg, frobreg and jacreg", e.getMessage());
    }

    @Test
    void splitBatchWithUnlabeledInputsAndBatchProjectionEqualsTheUnsplitBatch() {
        Net net = Fixtures.mlp(6, Activation.TANH, 5, 7, 3);
        for (Tensor u : new Tensor[] {null, other.x()}) {
            for (SecondOrder so : new SecondOrder[] {SecondOrder.EXACT, SecondOrder.CENTRAL}) {
                InputPenalty m = new InputPenalty(InputPenalty.Kind.SPECTREG, 0.3, so, 0.01, 0, InputPenalty.Projection.BATCH);
                double[] whole = m.direction(new Oracle(net, Loss.CROSS_ENTROPY, batch.x(), batch.y(), 3, 99, u)).direction().toDoubles();
                List<Oracle> shards = new ArrayList<>();
                long from = 0;
                for (int s : new int[] {4, 2, 5}) {
                    Dataset part = batch.slice(from, from + s);
                    shards.add(new Oracle(net, Loss.CROSS_ENTROPY, part.x(), part.y(), 100 + from, 99, u == null ? null : u.narrow(0, from, s)));
                    from += s;
                }
                double[] split = Shards.direction(m, net, shards, batch.size(), Reducer.LOCAL).direction().toDoubles();
                assertTrue(Fixtures.maxAbsDiff(whole, split) < 1e-12, so + (u == null ? "" : " unlabeled") + ": " + Fixtures.maxAbsDiff(whole, split));
            }
        }
    }

    @Test
    void accumulationWithUnlabeledInputsGivesTheUnsplitStep() {
        double[][] after = new double[2][];
        for (int k = 0; k < 2; k++) {
            Net net = Fixtures.mlp(6, Activation.TANH, 5, 7, 3);
            InputPenalty m = new InputPenalty(InputPenalty.Kind.SPECTREG, 0.3, SecondOrder.EXACT, 0.01, 0, InputPenalty.Projection.BATCH);
            TrainConfig cfg = new TrainConfig(m, new OptimizerSpec(OptimizerSpec.Kind.SGD, 0.1, 0, false, 0), Schedule.CONSTANT, 0, 3, 11, true, 5,
                    k == 0 ? 1 : 3);
            Trainer t = new Trainer(net, Loss.CROSS_ENTROPY, cfg);
            t.fit(new Trainer.Data(batch, null, other.x(), null), Trainer.Listener.NONE);
            after[k] = net.params().toDoubles();
        }
        assertTrue(Fixtures.maxAbsDiff(after[0], after[1]) < 1e-12, "max diff " + Fixtures.maxAbsDiff(after[0], after[1]));
    }
}
