package io.gradreg.engine;

import io.gradreg.data.Dataset;
import io.gradreg.method.Loss;
import io.gradreg.nn.Models;
import io.gradreg.nn.Net;
import io.gradreg.train.TrainConfig;
import io.gradreg.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A child JVM of {@link NativeHeapTest}: LeNet-5's plain step on a batch of 128, as training runs it;
 * prints "tuned BOOLEAN faults F", F the process's minor page faults per step after 5 warm-up steps.
 */
public final class HeapChild {
    private HeapChild() {}

    public static void main(String[] args) throws Exception {
        Engine.start(1);
        Engine.seed(0);
        Net net = Models.build("lenet5", Models.Options.defaults(new long[] {1, 28, 28}, 10)).to(DType.FLOAT32);
        Tensor x = torch.rand(128, 1, 28, 28);
        Tensor y = torch.arange(new Scalar(128)).remainder(new Scalar(10));
        Dataset batch = new Dataset(x, y, 10);
        Trainer plain = new Trainer(net, Loss.CROSS_ENTROPY, TrainConfig.plain(0.01, 1, 128));
        int steps = 20;
        long before = 0;
        for (int s = 0; s < 5 + steps; s++) {
            if (s == 5) {
                before = minorFaults();
            }
            plain.step(batch, 1_000_000);
        }
        System.out.println("tuned " + NativeHeap.tune() + " faults " + (minorFaults() - before) / steps);
    }

    /** The process's minor page faults, all threads (field 10 of /proc/self/stat). */
    static long minorFaults() throws Exception {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[7]);
    }
}
