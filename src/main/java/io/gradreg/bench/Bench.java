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

    /**
     * One timed cell: median step time, its ratio to plain on the same workload, the GFLOP/s estimate
     * and its fraction of the all-core peak, the thread setting in force at the end of the cell, and,
     * with a peer, PyTorch's best median on the same cell (NaN without), its thread setting and
     * gradreg's time over PyTorch's.
     */
    public record Timing(String model, int batch, String method, double medianMs, double ratioToPlain, double gflops, double peakFraction,
            String threads, double peerMs, String peerConfig, double ratioToPeer, double[] repeatsMs, double[] peerRepeatsMs,
            double[] ratiosToPeer) {
        /** The spread of gradreg's per-repeat ratios to the peer: [min, max] (NaN without a peer). */
        public double[] ratioSpread() {
            if (ratiosToPeer.length == 0) {
                return new double[] {Double.NaN, Double.NaN};
            }
            return new double[] {Arrays.stream(ratiosToPeer).min().getAsDouble(), Arrays.stream(ratiosToPeer).max().getAsDouble()};
        }

        /**
         * What the repeats let one claim about gradreg against the peer: "faster" or "slower" when every
         * repeat's ratio lies on that side of 1 (the spread is smaller than the difference), else "within
         * the spread"; "" without a peer.
         */
        public String verdict() {
            double[] r = ratioSpread();
            if (Double.isNaN(r[0])) {
                return "";
            }
            return r[1] < 1 ? "faster" : r[0] > 1 ? "slower" : "within the spread";
        }
    }

    /** The float32 matmul peak: best GFLOP/s over n×n products, with the OpenBLAS thread count and n that reached it. */
    public record Peak(double gflops, int threads, int n, Map<Integer, Double> byThreads) {}

    /** SGD learning rate of every timed step (the peer uses the same). */
    public static final double LR = 0.01;

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

    /**
     * The machine's float32 matmul peak: the best n×n product (n = 512, 1024, 2048) under every
     * OpenBLAS thread count from 1 to the cores (libtorch's GEMMs run in OpenBLAS), so the figure is
     * the best this build reaches, all cores included. The engine's thread policy is restored after.
     */
    public static Peak matmulPeak() {
        boolean adaptive = Engine.adaptive();
        int before = Engine.threads();
        Map<Integer, Double> byThreads = new LinkedHashMap<>();
        double best = 0;
        int bestThreads = 1;
        int bestN = 0;
        try {
            for (int t = 1; t <= Engine.cores(); t++) {
                Engine.start(t);
                double tBest = 0;
                for (int n : new int[] {512, 1024, 2048}) {
                    double g = matmulPeak(n);
                    tBest = Math.max(tBest, g);
                    if (g > best) {
                        best = g;
                        bestThreads = t;
                        bestN = n;
                    }
                }
                byThreads.put(t, tBest);
            }
        } finally {
            if (adaptive) {
                Engine.start();
            } else {
                Engine.start(before);
            }
        }
        return new Peak(best, bestThreads, bestN, byThreads);
    }

    /** Matrix-multiply speed in GFLOP/s: the best of a few float32 n×n products on all threads. */
    public static double matmulPeak(int n) {
        try (PointerScope scope = new PointerScope()) {
            Tensor a = torch.randn(n, n);
            Tensor b = torch.randn(n, n);
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 8; i++) {
                long t0 = System.nanoTime();
                // Each product's output is freed before the next, as PyTorch's reference counting does:
                // kept alive, every call got fresh pages (a 2048² output is 4096 of them).
                try (PointerScope call = new PointerScope()) {
                    torch.mm(a, b).sum().item_double();
                }
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
        Trainer t = new Trainer(net, Loss.CROSS_ENTROPY, TrainConfig.plain(LR, 1, w.batch()).withMethod(method));
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

    /**
     * Times every method on every workload; with a {@code peer}, PyTorch times each cell right after
     * gradreg, so both sides of a ratio see the same machine load. With {@code repeats} > 1 the whole
     * table is timed that many times in interleaved rounds, and each cell reports the median of its
     * rounds (and the rounds themselves, for their spread).
     */
    public static List<Timing> run(List<Workload> workloads, Map<String, Method> methods, int warmup, int steps, double peak,
            java.io.PrintWriter log, Peer peer, int repeats) throws java.io.IOException {
        Map<String, double[]> ms = new LinkedHashMap<>();
        Map<String, double[]> peerMs = new LinkedHashMap<>();
        Map<String, String> peerConfig = new LinkedHashMap<>();
        Map<String, String> threads = new LinkedHashMap<>();
        for (int r = 0; r < repeats; r++) {
            for (Workload w : workloads) {
                for (var m : methods.entrySet()) {
                    String key = w.model() + "|" + m.getKey();
                    ms.computeIfAbsent(key, k -> new double[repeats])[r] = medianStepMs(w, m.getValue(), warmup, steps);
                    threads.put(key, Engine.describeThreads());
                    var p = peer == null ? null : peer.time(w, m.getValue(), steps, warmup);
                    peerMs.computeIfAbsent(key, k -> new double[repeats])[r] = p == null ? Double.NaN : p.get("ms").asDouble();
                    if (p != null) {
                        peerConfig.put(key, p.get("config").asText());
                    }
                    log.printf("%s%-22s b%-4d %-19s %8.2f ms", repeats > 1 ? "round " + (r + 1) + "/" + repeats + "  " : "", w.model(), w.batch(),
                            m.getKey(), ms.get(key)[r]);
                    if (p != null) {
                        log.printf("  | PyTorch %8.2f ms (%s)  gradreg/PyTorch %5.2fx", peerMs.get(key)[r], peerConfig.get(key),
                                ms.get(key)[r] / peerMs.get(key)[r]);
                    }
                    log.println();
                    log.flush();
                }
            }
        }
        List<Timing> out = new ArrayList<>();
        for (Workload w : workloads) {
            double plain = median(ms.get(w.model() + "|plain"));
            for (String method : methods.keySet()) {
                String key = w.model() + "|" + method;
                double med = median(ms.get(key));
                double pm = peer == null ? Double.NaN : median(peerMs.get(key));
                double flops = w.plainStepFlops() * w.batch() * plainSteps(method);
                double gflops = flops / (med / 1e3) / 1e9;
                double[] ratios = new double[peer == null ? 0 : repeats];
                for (int r = 0; r < ratios.length; r++) {
                    ratios[r] = ms.get(key)[r] / peerMs.get(key)[r];
                }
                out.add(new Timing(w.model(), w.batch(), method, med, med / plain, gflops, gflops / peak, threads.get(key), pm,
                        peerConfig.getOrDefault(key, ""), peer == null ? Double.NaN : median(ratios), ms.get(key), peerMs.get(key), ratios));
            }
        }
        return out;
    }


    /**
     * Median step ms of {@code method} on {@code w} under each thread configuration "BxI" (OpenBLAS x libtorch
     * intra-op threads), timed in {@code rounds} interleaved rounds so load drifts hit every
     * configuration alike; each value is the median over rounds of the round's median. The engine's
     * policy is restored after.
     */
    public static Map<String, Double> threadConfigs(Workload w, Method method, List<String> configs, int rounds, int warmup, int steps) {
        Map<String, List<Double>> per = new LinkedHashMap<>();
        boolean adaptive = Engine.adaptive();
        int before = Engine.threads();
        try {
            for (int r = 0; r < rounds; r++) {
                for (String c : configs) {
                    String[] bi = c.split("x");
                    Engine.start(Integer.parseInt(bi[0]), Integer.parseInt(bi[1]));
                    per.computeIfAbsent(c, k -> new ArrayList<>()).add(medianStepMs(w, method, warmup, steps));
                }
            }
        } finally {
            if (adaptive) {
                Engine.start();
            } else {
                Engine.start(before);
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        per.forEach((c, v) -> out.put(c, median(v.stream().mapToDouble(Double::doubleValue).toArray())));
        return out;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** Resident native memory (bytes) before and after {@code steps} exact-GR steps on the first workload, after a warm-up. */
    public static long[] memory(Workload w, int steps) {
        Engine.seed(0);
        Net net = Models.build(w.model(), Models.Options.defaults(w.inputShape(), 10)).to(DType.FLOAT32);
        Dataset batch = randomBatch(w);
        Trainer t = new Trainer(net, Loss.CROSS_ENTROPY, TrainConfig.plain(LR, 1, w.batch())
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
