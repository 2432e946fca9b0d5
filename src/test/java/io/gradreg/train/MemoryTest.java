package io.gradreg.train;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.Loss;
import io.gradreg.method.SecondOrder;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Mlp;
import io.gradreg.nn.Net;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/** Native memory stays flat over many steps of exact (double-backprop) GR: a bound, not a timing. */
class MemoryTest {
    @Test
    void exactGrStepsDoNotGrowNativeMemory() {
        Engine.seed(0);
        Net net = new Mlp(new int[] {256, 512, 512, 10}, Activation.RELU, 0, false).to(DType.FLOAT32);
        Dataset data = Synthetic.blobs(64, 256, 10, 1.0, 1, DType.FLOAT32);
        Trainer t = new Trainer(net, Loss.CROSS_ENTROPY, TrainConfig.plain(0.01, 1, 64)
                .withMethod(new GradientRegularization(0.1, 0, SecondOrder.EXACT, false)));
        for (int i = 0; i < 50; i++) {
            t.step(data, 1000);
        }
        System.gc();
        long before = Pointer.physicalBytes();
        for (int i = 0; i < 300; i++) {
            t.step(data, 1000);
        }
        System.gc();
        long growth = Pointer.physicalBytes() - before;
        // one leaked parameter-sized tensor per step would add 300 x 1.6 MB = 480 MB
        assertTrue(growth < 48L << 20, "resident memory grew by " + (growth >> 20) + " MB over 300 steps");
    }
}
