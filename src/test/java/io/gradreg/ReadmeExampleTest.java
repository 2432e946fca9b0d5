package io.gradreg;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.Loss;
import io.gradreg.method.Method;
import io.gradreg.method.SecondOrder;
import io.gradreg.nn.Models;
import io.gradreg.nn.Net;
import io.gradreg.train.EpochMetrics;
import io.gradreg.train.TrainConfig;
import io.gradreg.train.Trainer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's Java example, verbatim, so the README stays true. */
class ReadmeExampleTest {
    @Test
    void readmeExampleTrains() {
        Engine.start();                                            // thread counts set in code
        Dataset train = Synthetic.blobs(1000, 20, 10, 1.0, 0, DType.FLOAT32);
        Net net = Models.build("mlp:20-256-10", Models.Options.defaults(train.sampleShape(), 10));
        Method gr = new GradientRegularization(0.1, 0.01, SecondOrder.FORWARD, false);  // F-GR
        List<EpochMetrics> history = new Trainer(net, Loss.CROSS_ENTROPY, TrainConfig.of(gr, 0.1, 10, 128, 0))
                .fit(train, null, Trainer.Listener.NONE);
        assertEquals(10, history.size());
        assertTrue(history.get(9).trainLoss() < 0.5 * Math.log(10), "loss " + history.get(9).trainLoss());
    }
}
