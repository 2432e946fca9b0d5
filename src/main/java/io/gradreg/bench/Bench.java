package io.gradreg.bench;

import io.gradreg.data.Dataset;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.InputPenalty;
import io.gradreg.method.Loss;
import io.gradreg.method.Method;
import io.gradreg.method.Plain;
import io.gradreg.method.Sam;
import io.gradreg.method.SecondOrder;
import io.gradreg.nn.Models;
import io.gradreg.nn.Net;
import io.gradreg.train.TrainConfig;
import io.gradreg.train.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * {@code gradreg bench}: the median wall time of one training step (direction + SGD update) per
 * method and model, its ratio to plain, achieved GFLOP/s against this machine's measured
 * matrix-multiply peak, and native memory over many steps of exact GR.
 */
public final class Bench {
    /**
     * A model and batch size to time. {@code forwardFlops}: 2 × multiply-adds of one sample's forward
     * pass; {@code firstLayerFlops}: the first layer's share, whose input gradient backprop skips.
     */
    public record Workload(String model, int batch, long[] inputShape, double forwardFlops, double firstLayerFlops) {
        /** FLOPs of one plain step on one sample: forward, weight gradients, and input gradients of all layers but the first. */
        public double plainStepFlops() {
            return 3 * forwardFlops - firstLayerFlops;
        }
    }

    /** One timed cell: median step time, its ratio to plain on the same workload, and the GFLOP/s estimate. */
    public record Timing(String model, int batch, String method, double medianMs, double ratioToPlain, double gflops, double peakFraction) {}

    public static final List<Workload> WORKLOADS = List.of(
            new Workload("mlp:784-512-512-10", 128, new long[] {784}, 2.0 * (784 * 512 + 512 * 512 + 512 * 10), 2.0 * 784 * 512),
            new Workload("lenet5", 128, new long[] {1, 28, 28}, lenetFlops(), 2.0 * 6 * 28 * 28 * 25),
            new Workload("mlp:784-1024-1024-10", 512, new long[] {784}, 2.0 * (784 * 1024 + 1024 * 1024 + 1024 * 10), 2.0 * 784 * 1024));

    /** The methods of the issue, with their cost in plain-step equivalents (forward + backward passes). */
    public static Map<String, Method> methods() {
        Map<String, Method> m = new LinkedHashMap<>();
        m.put("plain", new Plain());
        m.put("gr exact", new GradientRegularization(0.1, 0, SecondOrder.EXACT, false));
        m.put("gr forward", new GradientRegularization(0.1, 0.01, SecondOrder.FORWARD, false));
        m.put("gr backward", new GradientRegularization(0.1, 0.01, SecondOrder.BACKWARD, false));
        m.put("gr central", new GradientRegularization(0.1, 0.01, SecondOrder.CENTRAL, false));
        m.put("sam", new Sam(0.05));
        m.put("doubleback exact", new InputPenalty(InputPenalty.Kind.DOUBLEBACK, 0.01, SecondOrder.EXACT, 0.01, 0));
        m.put("doubleback forward", new InputPenalty(InputPenalty.Kind.DOUBLEBACK, 0.01, SecondOrder.FORWARD, 0.01, 0));
        m.put("spectreg", new InputPenalty(InputPenalty.Kind.SPECTREG, 0.01, SecondOrder.EXACT, 0.01, 0));
        return m;
    }

    /**
     * Plain-step equivalents of each method, for the GFLOP/s estimate: finite differences cost one
     * extra step per evaluation, double backprop about one more step. An estimate, not a count.
     */
    static double plainSteps(String method) {
        return switch (method) {
            case "plain" -> 1;
            case "gr central" -> 3;
            default -> 2;
        };
    }

    private Bench() {}

    /** Matrix-multiply peak in GFLOP/s: the best float32 n×n product over n = 512 … 2048, on all threads. */
    public static double matmulPeak() {
        double best = 0;
        for (int n : new int[] {512, 1024, 2048}) {
            best = Math.max(best, matmulPeak(n));
        }
        return best;
    }

    /** Matrix-multiply speed in GFLOP/s: the best of a few float32 n×n products on all threads. */
    public static double matmulPeak(int n) {
        try (PointerScope scope = new PointerScope()) {
            Tensor a = torch.randn(n, n);
            Tensor b = torch.randn(n, n);
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 8; i++) {
                long t0 = System.nanoTime();
                torch.mm(a, b).sum().item_double();
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return 2.0 * n * n * n / best / 1e9;
        }
    }

    /** Median ms of {@code steps} training steps after {@code warmup} untimed ones. */
    public static double medianStepMs(Workload w, Method method, int warmup, int steps) {
        Engine.seed(0);
        Net net = Models.build(w.model(), Models.Options.defaults(w.inputShape(), 10)).to(DType.FLOAT32);
        Dataset batch = randomBatch(w);
        Trainer t = new Trainer(net, Loss.CROSS_ENTROPY, TrainConfig.plain(0.01, 1, w.batch()).withMethod(method));
        double[] ms = new double[steps];
        for (int i = 0; i < warmup + steps; i++) {
            long t0 = System.nanoTime();
            try (PointerScope scope = new PointerScope()) {
                t.step(batch, 1_000_000);
            }
            if (i >= warmup) {
                ms[i - warmup] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Arrays.sort(ms);
        return steps % 2 == 1 ? ms[steps / 2] : (ms[steps / 2 - 1] + ms[steps / 2]) / 2;
    }

    /** Times every method on every workload. */
    public static List<Timing> run(List<Workload> workloads, Map<String, Method> methods, int warmup, int steps, double peak,
            java.io.PrintWriter log) {
        List<Timing> out = new ArrayList<>();
        for (Workload w : workloads) {
            double plain = Double.NaN;
            for (var m : methods.entrySet()) {
                double ms = medianStepMs(w, m.getValue(), warmup, steps);
                if (m.getKey().equals("plain")) {
                    plain = ms;
                }
                double flops = w.plainStepFlops() * w.batch() * plainSteps(m.getKey());
                double gflops = flops / (ms / 1e3) / 1e9;
                Timing t = new Timing(w.model(), w.batch(), m.getKey(), ms, ms / plain, gflops, gflops / peak);
                out.add(t);
                log.printf("%-22s b%-4d %-19s %8.2f ms  %5.2fx plain  %6.1f GFLOP/s  %4.0f%% of peak%n", w.model(), w.batch(), m.getKey(),
                        ms, t.ratioToPlain(), gflops, 100 * t.peakFraction());
                log.flush();
            }
        }
        return out;
    }

    /** Resident native memory (bytes) before and after {@code steps} exact-GR steps on the first workload, after a warm-up. */
    public static long[] memory(Workload w, int steps) {
        Engine.seed(0);
        Net net = Models.build(w.model(), Models.Options.defaults(w.inputShape(), 10)).to(DType.FLOAT32);
        Dataset batch = randomBatch(w);
        Trainer t = new Trainer(net, Loss.CROSS_ENTROPY, TrainConfig.plain(0.01, 1, w.batch())
                .withMethod(new GradientRegularization(0.1, 0, SecondOrder.EXACT, false)));
        for (int i = 0; i < 50; i++) {
            t.step(batch, 1_000_000);
        }
        System.gc();
        long before = Pointer.physicalBytes();
        for (int i = 0; i < steps; i++) {
            t.step(batch, 1_000_000);
        }
        System.gc();
        return new long[] {before, Pointer.physicalBytes()};
    }

    private static Dataset randomBatch(Workload w) {
        Random r = new Random(1);
        long per = 1;
        for (long d : w.inputShape()) {
            per *= d;
        }
        double[] x = new double[(int) (w.batch() * per)];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextDouble();
        }
        long[] labels = new long[w.batch()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 10;
        }
        long[] shape = new long[w.inputShape().length + 1];
        shape[0] = w.batch();
        System.arraycopy(w.inputShape(), 0, shape, 1, w.inputShape().length);
        return Dataset.classification(x, shape, labels, DType.FLOAT32);
    }

    /** LeNet-5 on 28×28 (conv1 5×5 pad 2 → 6×28×28, pool, conv2 5×5 → 16×10×10, pool, fc 400-120-84-10), ×2 for multiply-add. */
    private static double lenetFlops() {
        double conv1 = 6 * 28 * 28 * 25.0;
        double conv2 = 16 * 10 * 10 * 6 * 25.0;
        double fc = 400 * 120 + 120 * 84 + 84 * 10;
        return 2 * (conv1 + conv2 + fc);
    }
}
