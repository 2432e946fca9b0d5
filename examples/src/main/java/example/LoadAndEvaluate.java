package example;

import io.gradreg.analysis.FullBatch;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.method.Loss;
import io.gradreg.method.Plain;
import io.gradreg.nn.Models;
import io.gradreg.nn.Net;
import io.gradreg.nn.Weights;
import io.gradreg.train.TrainConfig;
import io.gradreg.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Save weights in safetensors (PyTorch state_dict names), load them into a fresh model, and evaluate. */
public final class LoadAndEvaluate {
    public static void main(String[] args) throws Exception {
        Engine.start();
        Dataset train = Synthetic.blobs(600, 20, 10, 1.0, 0, DType.FLOAT32);
        Dataset test = Synthetic.blobs(300, 20, 10, 1.0, 0, 99, DType.FLOAT32);   // same task, other samples
        Net net = Models.build("mlp:20-128-10", Models.Options.defaults(train.sampleShape(), 10));
        TrainConfig cfg = TrainConfig.builder().method(new Plain()).lr(0.1).epochs(5).batchSize(64).seed(1).build();
        new Trainer(net, Loss.CROSS_ENTROPY, cfg).fit(train, test, Trainer.Listener.NONE);

        Path file = Files.createTempDirectory("gradreg-example").resolve("weights.safetensors");
        Weights.save(net, file, Map.of("note", "example"));
        Net fresh = Models.build("mlp:20-128-10", Models.Options.defaults(train.sampleShape(), 10));
        Weights.load(fresh, file);
        FullBatch.LossAccuracy r = FullBatch.evaluate(fresh, Loss.CROSS_ENTROPY, test);
        System.out.printf("reloaded: test loss %.4f, accuracy %.4f%n", r.loss(), r.accuracy());
        if (!(r.accuracy() > 0.5)) {
            throw new IllegalStateException("the reloaded model does not score");
        }
    }
}
