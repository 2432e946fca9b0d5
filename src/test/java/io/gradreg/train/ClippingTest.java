package io.gradreg.train;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.TensorList;
import io.gradreg.engine.Tensors;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.Loss;
import io.gradreg.method.SecondOrder;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Net;
import org.junit.jupiter.api.Test;

/** --clip-grad-norm: PyTorch's clip_grad_norm_ on the method's direction, against float64 by hand. */
class ClippingTest {
    static TensorList list(double[] a, double[] b) {
        return TensorList.of(Tensors.fromDoubles(a, 2, 2), Tensors.fromDoubles(b, b.length));
    }

    @Test
    void theTotalNormOverAllTensorsIsScaledToMaxNormOverNormPlusEps() {
        double[] a = {3, -1, 2, 0.5};
        double[] b = {-4, 1.5, 2};
        double norm = Math.sqrt(9 + 1 + 4 + 0.25 + 16 + 2.25 + 4); // 6.0208
        double c = 2.0;
        double coef = c / (norm + 1e-6);
        double[] got = Clipping.clipGradNorm(list(a, b), c).toDoubles();
        double[] want = {3 * coef, -coef, 2 * coef, 0.5 * coef, -4 * coef, 1.5 * coef, 2 * coef};
        assertArrayEquals(want, got, 1e-15);
        double clippedNorm = Fixtures.norm(got);
        assertEquals(c * norm / (norm + 1e-6), clippedNorm, 1e-14);

        TensorList small = list(a, b);
        assertSame(small, Clipping.clipGradNorm(small, 7.0), "norm 6.02 < 7: untouched, as coef clamps to 1");
        assertSame(small, Clipping.clipGradNorm(small, 0), "0 = off");
        // PyTorch clips when max/(norm+1e-6) < 1, so a norm just above max - 1e-6 is scaled too
        TensorList edge = list(a, b);
        double[] e = Clipping.clipGradNorm(edge, norm).toDoubles();
        assertEquals(3 * norm / (norm + 1e-6), e[0], 1e-15);
    }

    @Test
    void theTrainerClipsTheMethodsDirectionBeforeTheOptimizer() {
        Dataset data = Synthetic.blobs(12, 5, 3, 1.0, 4, DType.FLOAT64);
        var gr = new GradientRegularization(0.2, 0.03, SecondOrder.FORWARD, false);
        Net ref = Fixtures.mlp(2, Activation.TANH, 5, 7, 3);
        double[] t0 = ref.params().toDoubles();
        double[] d = Fixtures.direction(gr, ref, Loss.CROSS_ENTROPY, data, 0);
        double n = Fixtures.norm(d);
        double c = n / 3; // certainly clipped
        double lr = 0.1;
        double wd = 0.01;
        double[] want = new double[t0.length];
        for (int i = 0; i < want.length; i++) { // SGD's weight decay is added after clipping, as in PyTorch
            want[i] = t0[i] - lr * (d[i] * c / (n + 1e-6) + wd * t0[i]);
        }
        Net net = Fixtures.mlp(2, Activation.TANH, 5, 7, 3);
        TrainConfig cfg = new TrainConfig(gr, new OptimizerSpec(OptimizerSpec.Kind.SGD, lr, 0, false, wd), Schedule.CONSTANT, 0, 1,
                12, false, 0).withClipGradNorm(c);
        new Trainer(net, Loss.CROSS_ENTROPY, cfg).fit(data, null, Trainer.Listener.NONE);
        assertTrue(Fixtures.maxAbsDiff(want, net.params().toDoubles()) < 1e-14);
    }
}
