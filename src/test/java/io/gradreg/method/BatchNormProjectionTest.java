package io.gradreg.method;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.engine.DType;
import io.gradreg.nn.Models;
import io.gradreg.nn.Net;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * A documented property (methods.md §3): with batch norm in training mode right before a linear
 * output layer (seed 002's LeNet with {@code --batchnorm}), the batch sum of the logits is
 * N·(W β + b) whatever the inputs, so SpectReg with one projection per batch, whose input
 * gradient is that of Σ_i rᵀ f(x_i), is zero; with one projection per sample it is not.
 */
class BatchNormProjectionTest {
    private static double penalty(Net net, InputPenalty.Projection p, Tensor x, Tensor y) {
        InputPenalty s = new InputPenalty(InputPenalty.Kind.SPECTREG, 1.0, SecondOrder.EXACT, 0.01, 0, p);
        return s.direction(new Oracle(net, Loss.CROSS_ENTROPY, x, y, 3, 3, null)).penalty();
    }

    @Test
    void batchProjectionVanishesBeforeALinearOutputWithBatchNorm() {
        torch.manual_seed(7);
        Net bn = Models.build("lenet5:002", Models.Options.defaults(new long[] {1, 28, 28}, 10).withBatchNorm(true)).to(DType.FLOAT64);
        Tensor x = torch.randn(8, 1, 28, 28).to(torch.ScalarType.Double);
        Tensor y = torch.arange(new org.bytedeco.pytorch.Scalar(8)).remainder(new org.bytedeco.pytorch.Scalar(10));
        double perSample = penalty(bn, InputPenalty.Projection.SAMPLE, x, y);
        double perBatch = penalty(bn, InputPenalty.Projection.BATCH, x, y);
        assertTrue(perSample > 1e-6, "per-sample projections see the inputs: " + perSample);
        assertTrue(perBatch < 1e-20 * Math.max(1, perSample) + 1e-24, "one projection per batch: " + perBatch);
        // without batch norm the shared projection is not zero
        Net plain = Models.build("lenet5:002", Models.Options.defaults(new long[] {1, 28, 28}, 10)).to(DType.FLOAT64);
        assertTrue(penalty(plain, InputPenalty.Projection.BATCH, x, y) > 1e-6);
    }
}
