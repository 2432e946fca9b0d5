package io.gradreg.method;

import static io.gradreg.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.engine.TensorList;
import io.gradreg.engine.Tensors;
import io.gradreg.method.InputPenalty.Kind;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Mlp;
import io.gradreg.nn.Net;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class StepMachineryTest {
    final Dataset data = Synthetic.blobs(16, 5, 3, 1.0, 31, DType.FLOAT64);

    static Net net(long seed, double dropout, boolean batchNorm, DType dtype) {
        Engine.seed(seed);
        return new Mlp(new int[] {5, 8, 8, 3}, Activation.RELU, dropout, batchNorm).to(dtype);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void parametersAreRestoredBitExactly(DType dtype) {
        Net n = net(1, 0, false, dtype);
        Dataset d = data.to(dtype);
        double[] before = n.params().toDoubles();
        Oracle o = new Oracle(n, Loss.CROSS_ENTROPY, d.x(), d.y(), 0);
        TensorList g = o.eval(false).grad();
        for (double s : new double[] {0.37, -1e-3, 1.3e-7}) {
            o.gradAt(g, s);
            assertArrayEquals(before, n.params().toDoubles(), 0.0, "after a step of " + s);
        }
        for (Method m : new Method[] {new Sam(0.05), new Asam(0.5, 0.01),
                new GradientRegularization(0.1, 0.01, SecondOrder.CENTRAL, true),
                new InputPenalty(Kind.SPECTREG, 0.1, SecondOrder.CENTRAL, 0.01, 0)}) {
            m.direction(new Oracle(n, Loss.CROSS_ENTROPY, d.x(), d.y(), 0));
            assertArrayEquals(before, n.params().toDoubles(), 0.0, m.describe());
        }
    }

    @Test
    void perturbedPassesLeaveBatchNormStatisticsUnchanged() {
        Net once = net(2, 0, true, DType.FLOAT64);
        Net many = net(2, 0, true, DType.FLOAT64);
        double[] initial = once.buffers_().toDoubles();
        // one plain forward pass at theta: the statistics every method must end with
        new Oracle(once, Loss.CROSS_ENTROPY, data.x(), data.y(), 0).forward(data.x());
        double[] expected = once.buffers_().toDoubles();
        assertTrue(maxAbsDiff(initial, expected) > 1e-3, "the first pass updates the statistics");
        for (Method m : new Method[] {new GradientRegularization(0.1, 0.05, SecondOrder.CENTRAL, false), new Sam(0.1),
                new InputPenalty(Kind.DOUBLEBACK, 0.1, SecondOrder.CENTRAL, 0.01, 0)}) {
            Net fresh = net(2, 0, true, DType.FLOAT64);
            m.direction(new Oracle(fresh, Loss.CROSS_ENTROPY, data.x(), data.y(), 0));
            assertArrayEquals(expected, fresh.buffers_().toDoubles(), 0.0, m.describe());
        }
        assertEquals(6, many.buffers_().size(), "3 buffers per batch-norm layer (mean, var, count), 2 layers");
        assertEquals(java.util.List.of("0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias",
                "4.weight", "4.bias", "6.weight", "6.bias"), many.paramNames());
    }

    @Test
    void dropoutMasksAreSharedWithinAStepAndChangeBetweenSteps() {
        Net n = net(3, 0.5, false, DType.FLOAT64);
        n.train(true);
        Oracle o = new Oracle(n, Loss.CROSS_ENTROPY, data.x(), data.y(), 42);
        double[] first = Tensors.toDoubles(o.forward(data.x()));
        double[] second = Tensors.toDoubles(o.forward(data.x()));
        assertArrayEquals(first, second, 0.0);
        Oracle.Eval e = o.eval(false);
        assertArrayEquals(e.grad().toDoubles(), o.gradAt(e.grad(), 0.0).toDoubles(), 0.0,
                "a zero perturbation reproduces the gradient exactly: same masks");
        double[] other = Tensors.toDoubles(new Oracle(n, Loss.CROSS_ENTROPY, data.x(), data.y(), 43).forward(data.x()));
        assertTrue(maxAbsDiff(first, other) > 1e-3, "another step draws other masks");
    }
}
