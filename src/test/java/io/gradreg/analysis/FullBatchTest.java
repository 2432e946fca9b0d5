package io.gradreg.analysis;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.method.Loss;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Net;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** Passes over a dataset free each chunk's tensors before the next chunk, and give the values of one pass over all of it. */
class FullBatchTest {
    /** A model that keeps a handle on every output it gives and notes, at each call, whether the earlier ones were freed. */
    static final class Recording extends Net {
        final Net inner;
        final List<Tensor> outputs = new ArrayList<>();
        final List<Boolean> earlierFreed = new ArrayList<>();

        Recording(Net inner) {
            super(inner.inputShape());
            this.inner = inner;
            register_module("inner", inner); // its parameters are this model's, for the gradient
        }

        @Override
        protected Tensor forwardShaped(Tensor x) {
            earlierFreed.add(outputs.stream().allMatch(t -> t.isNull()));
            Tensor out = inner.forward(x);
            outputs.add(out);
            return out;
        }
    }

    @Test
    void evaluateFreesEachChunkBeforeTheNext() {
        Net mlp = Fixtures.mlp(3, Activation.TANH, 6, 8, 3);
        long n = 2 * FullBatch.CHUNK + 5; // three chunks
        Dataset data = Synthetic.blobs((int) n, 6, 3, 1.0, 4, DType.FLOAT64);
        Recording r = new Recording(mlp);
        FullBatch.LossAccuracy la = FullBatch.evaluate(r, Loss.CROSS_ENTROPY, data);
        assertEquals(List.of(true, true, true), r.earlierFreed, "a chunk's output was still alive when the next chunk ran");
        assertTrue(r.outputs.stream().allMatch(t -> t.isNull()), "the last chunk's output outlived the call");
        // Chunking is only a memory matter: the mean loss is the one of a single pass over every sample (float64, to rounding).
        mlp.eval();
        double whole = Loss.CROSS_ENTROPY.mean(mlp.forward(data.x()), data.y()).item_double();
        assertEquals(whole, la.loss(), 1e-12 * Math.abs(whole));
    }

    @Test
    void gradientFreesEachChunkBeforeTheNext() {
        Net mlp = Fixtures.mlp(5, Activation.TANH, 6, 8, 3);
        Dataset data = Synthetic.blobs((int) (FullBatch.CHUNK + 7), 6, 3, 1.0, 6, DType.FLOAT64);
        Recording r = new Recording(mlp);
        FullBatch.gradient(r, Loss.CROSS_ENTROPY, data);
        assertEquals(List.of(true, true), r.earlierFreed, "a chunk's graph was still alive when the next chunk ran");
    }
}
