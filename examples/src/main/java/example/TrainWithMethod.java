package example;

import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.HostArrays;
import io.gradreg.io.Npz;
import io.gradreg.train.Run;
import io.gradreg.train.RunRecords;
import io.gradreg.train.RunSpec;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Train with a method from Java: a whole run, as `gradreg train` does it, written to a run directory. */
public final class TrainWithMethod {
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("gradreg-example");
        // A small 10-class task saved as .npz; any --data source works (mnist, cifar10:DIR, .npz, .csv, IDX).
        Dataset d = Synthetic.blobs(1200, 20, 10, 1.0, 0, DType.FLOAT32);
        Path data = dir.resolve("blobs.npz");
        Npz.write(data, Map.of("x", HostArrays.toHost(d.x()), "y", HostArrays.toHost(d.y())));

        RunSpec spec = RunSpec.builder()
                .data(data.toString()).holdout(200)            // the last 200 samples are the test set
                .model("mlp:20-256-10")
                .method("gr").secondOrder("forward").gamma(0.1).eps(0.01)
                .lr(0.1).epochs(10).batchSize(128).seed(0)
                .out(dir.resolve("run"))
                .build();
        RunRecords.Summary s = Run.execute(spec, new PrintWriter(System.out, true));
        System.out.printf("test accuracy %.4f (best %.4f at epoch %d)%n", s.finalTestAccuracy(), s.bestTestAccuracy(), s.bestEpoch());
        if (!(s.finalTestAccuracy() > 0.5)) {
            throw new IllegalStateException("the example did not learn: " + s);
        }
    }
}
