package io.gradreg.analysis;

import io.gradreg.data.Dataset;
import io.gradreg.engine.TensorList;
import io.gradreg.method.Loss;
import io.gradreg.method.Oracle;
import io.gradreg.nn.Net;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Loss, accuracy and gradient over a whole dataset, in chunks, with the model in evaluation mode
 * (no dropout, batch-norm running statistics): the deterministic quantities that training
 * metrics, R_IG and the analysis tools report.
 */
public final class FullBatch {
    /**
     * Chunk size for passes over a dataset: a training batch's size, so that a chunk's activations
     * come from the heap that training steps already reuse. With 1000, the CNN's 100 MB activations
     * were each above glibc's largest mmap threshold (32 MiB, see engine/NativeHeap): fresh pages
     * for every chunk, and one evaluation of 12k MNIST samples took 12 s instead of 2.7 s.
     */
    public static final long CHUNK = 128;

    private FullBatch() {}

    /** Mean loss and accuracy (NaN for regression). */
    public record LossAccuracy(double loss, double accuracy) {}

    public static LossAccuracy evaluate(Net net, Loss loss, Dataset data) {
        boolean wasTraining = net.is_training();
        net.eval();
        double[] lossSum = {0};
        long[] correct = {0};
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            forEachChunk(data, CHUNK, c -> {
                Tensor out = net.forward(c.x());
                lossSum[0] += loss.perSample(out, c.y()).sum().item_double();
                if (data.isClassification()) {
                    correct[0] += out.argmax(new org.bytedeco.pytorch.LongOptional(1), false).eq(c.y()).sum().item_long();
                }
            });
        } finally {
            net.train(wasTraining);
        }
        return new LossAccuracy(lossSum[0] / data.size(), data.isClassification() ? (double) correct[0] / data.size() : Double.NaN);
    }

    /**
     * The gradient of the mean loss over the whole dataset, as float64 values in parameter order.
     * Returned as host values so it outlives the caller's native-memory scope.
     */
    public static double[] gradient(Net net, Loss loss, Dataset data) {
        boolean wasTraining = net.is_training();
        net.eval();
        double[] total = new double[(int) net.numParams()];
        try (PointerScope scope = new PointerScope()) {
            TensorList params = net.params();
            forEachChunk(data, CHUNK, c -> {
                Tensor sum = loss.perSample(net.forward(c.x()), c.y()).sum();
                HostVectors.axpy(1.0, Oracle.grad(sum, params, false, false).toDoubles(), total);
            });
        } finally {
            net.train(wasTraining);
        }
        for (int i = 0; i < total.length; i++) {
            total[i] /= data.size();
        }
        return total;
    }

    /**
     * {@code body} on each run of {@code size} consecutive samples of {@code data}, each in a native
     * scope of its own: the layers' outputs are Java-held tensors, and one scope around the whole
     * pass kept every chunk's activations (or graph) alive to its end, GBs on a 10k test set.
     */
    static void forEachChunk(Dataset data, long size, Consumer<Dataset> body) {
        for (long from = 0; from < data.size(); from += size) {
            try (PointerScope chunk = new PointerScope()) {
                body.accept(data.slice(from, Math.min(data.size(), from + size)));
            }
        }
    }

    /** Euclidean norm of a host vector. */
    public static double norm(double[] v) {
        double s = 0;
        for (double a : v) {
            s += a * a;
        }
        return Math.sqrt(s);
    }
}
