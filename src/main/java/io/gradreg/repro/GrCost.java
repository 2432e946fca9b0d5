package io.gradreg.repro;

import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.io.AtomicFiles;
import io.gradreg.io.Json;
import io.gradreg.io.LinePlot;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.Loss;
import io.gradreg.method.Method;
import io.gradreg.method.Plain;
import io.gradreg.method.SecondOrder;
import io.gradreg.nn.Models;
import io.gradreg.nn.Net;
import io.gradreg.stats.Stats;
import io.gradreg.train.TrainConfig;
import io.gradreg.train.Trainer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Seed 000's cost model: for an L-layer MLP a DB (double backprop) step costs about 9L matrix
 * products, an F-GR step 6L and a plain step 3L, so DB / F-GR ≈ 1.5 at every depth and F-GR /
 * plain ≈ 2. Times one step of each on equal-width MLPs of depth 2..8 (every layer W×W, W
 * classes, so every layer costs the same), in-process, one libtorch thread, methods interleaved
 * round by round so that a change in the machine's load hits them alike; ratios only. Kept apart
 * from {@link GrCompute}'s training grid so that it can be rerun alone, in minutes, on a quiet
 * machine.
 */
public final class GrCost implements Experiment {
    static final List<String> METHODS = List.of("plain", "exact", "forward", "backward");

    @Override
    public String name() {
        return "gr-cost";
    }

    @Override
    public String claim() {
        return "seed 000: an F-GR step costs about 6L matrix products against 9L for DB (double backprop) on an L-layer MLP, "
                + "so DB / F-GR ≈ 1.5 and F-GR / plain ≈ 2 at every depth";
    }

    @Override
    public Report run(Context ctx) {
        boolean q = ctx.quick();
        int width = q ? 16 : 256;
        int batch = q ? 16 : 256;
        int[] depths = q ? new int[] {2, 3} : new int[] {2, 3, 4, 5, 6, 7, 8};
        int rounds = q ? 2 : 7;
        int warmup = q ? 1 : 3;
        int steps = q ? 2 : 10;
        Map<String, Map<String, Double>> byDepth = new LinkedHashMap<>();
        double[] db = new double[depths.length];
        double[] fwd = new double[depths.length];
        double[] dbPlain = new double[depths.length];
        long t0 = System.nanoTime();
        for (int i = 0; i < depths.length; i++) {
            StringBuilder spec = new StringBuilder("mlp:").append(width);
            for (int l = 0; l < depths[i]; l++) {
                spec.append('-').append(width);
            }
            Map<String, Double> ms = benchmark(spec.toString(), width, width, batch, rounds, warmup, steps, ctx);
            byDepth.put(String.valueOf(depths[i]), ms);
            db[i] = ms.get("exact") / ms.get("forward");
            fwd[i] = ms.get("forward") / ms.get("plain");
            dbPlain[i] = ms.get("exact") / ms.get("plain");
        }
        // The training task's model too (unequal widths), as the earlier report had it.
        Map<String, Double> task = benchmark(q ? "mlp:20-32-32-4" : "mlp:784-256-256-10", q ? 20 : 784, q ? 4 : 10, q ? 32 : 128, rounds, warmup, steps,
                ctx);
        double minutes = (System.nanoTime() - t0) / 60e9;

        double[] xs = new double[depths.length];
        for (int i = 0; i < depths.length; i++) {
            xs[i] = depths[i];
        }
        LinePlot p = LinePlot.titled("Step-time ratios against depth (MLP " + width + " wide, batch " + batch + ")").xLabel("depth L (linear layers)")
                .yLabel("ratio of ms per step");
        p.series("DB / F-GR measured", xs, db).series("DB / F-GR predicted 9L/6L", xs, constant(xs.length, 1.5));
        p.series("F-GR / plain measured", xs, fwd).series("F-GR / plain predicted 6L/3L", xs, constant(xs.length, 2.0));
        p.series("DB / plain measured", xs, dbPlain).series("DB / plain predicted 9L/3L", xs, constant(xs.length, 3.0));
        p.write(ctx.out().resolve("cost-depth.png"));

        StringBuilder md = new StringBuilder(String.format("Equal-width MLPs %d-%d-…-%d (L linear layers of %d×%d, %d classes, ReLU), cross-entropy, "
                + "batch %d of random blobs, float32, one libtorch thread, in-process; γ = 0.1, ε = 0.01 (the cost does not depend on them). "
                + "Each of %d rounds times %d steps of every method in turn (after %d untimed warm-up steps), the methods interleaved; the table "
                + "gives the median ms per step over rounds and the ratios. **The machine (2 cores) was shared with ~8 other jobs when this ran: "
                + "absolute times are noisy and only the ratios, measured side by side, mean anything.** Rerun alone: `./gradreg reproduce gr-cost` "
                + "(%.1f min here).%n%n", width, width, width, width, width, width, batch, rounds, steps, warmup, minutes));
        md.append("| L | plain (ms) | F-GR (ms) | B-GR (ms) | DB (ms) | DB / F-GR (predicted 1.5) | F-GR / plain (predicted 2) | DB / plain (predicted 3) |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < depths.length; i++) {
            Map<String, Double> ms = byDepth.get(String.valueOf(depths[i]));
            md.append(String.format("| %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |%n", depths[i], ms.get("plain"), ms.get("forward"),
                    ms.get("backward"), ms.get("exact"), db[i], fwd[i], dbPlain[i]));
        }
        md.append(String.format("%nThe training task's model (%s): plain %.2f ms, F-GR %.2f× plain, B-GR %.2f×, DB %.2f×; DB / F-GR %.2f.%n%n",
                q ? "mlp:20-32-32-4, batch 32" : "mlp:784-256-256-10, batch 128", task.get("plain"), task.get("forward") / task.get("plain"),
                task.get("backward") / task.get("plain"), task.get("exact") / task.get("plain"), task.get("exact") / task.get("forward")));
        md.append("![cost against depth](cost-depth.png)\n\nFiles: cost.json (ms per step per depth and method).\n");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("width", width);
        json.put("batch", batch);
        json.put("ms_per_step_by_depth", byDepth);
        json.put("task_model_ms_per_step", task);
        json.put("minutes", minutes);
        Json.writeFile(ctx.out().resolve("cost.json"), json);
        AtomicFiles.writeString(ctx.out().resolve("table.md"), md.toString());

        // Noise gauge: B-GR and F-GR do the same work (two gradients), so their ratio should be 1 at every depth.
        double[] gauge = new double[depths.length];
        for (int i = 0; i < depths.length; i++) {
            Map<String, Double> ms = byDepth.get(String.valueOf(depths[i]));
            gauge[i] = ms.get("backward") / ms.get("forward");
        }
        boolean quiet = within(gauge, 1.0, 0.1);
        md.append(String.format("%nNoise gauge: B-GR / F-GR, which do the same work, ranges %.2f–%.2f over the depths (1 on a quiet machine); %s%n",
                min(gauge), max(gauge), quiet ? "the timings are usable." : "more than ±10% off: these timings are too noisy to test the cost model."));
        double meanDb = mean(db);
        double meanF = mean(fwd);
        boolean dbOk = within(db, 1.5, 0.25);
        boolean fOk = within(fwd, 2.0, 0.25);
        String head = dbOk && fOk ? "reproduced" : dbOk || fOk ? "partly reproduced" : "not reproduced";
        String noise = quiet ? "" : String.format(" — but the noise gauge B-GR / F-GR (equal work) spans %.2f–%.2f, so the machine was too loaded to "
                + "judge: rerun `./gradreg reproduce gr-cost` alone", min(gauge), max(gauge));
        String verdict = String.format("%s: measured ratios, DB / F-GR %.2f–%.2f over depths %d–%d (mean %.2f; 9L/6L predicts 1.5), "
                + "F-GR / plain %.2f–%.2f (mean %.2f; predicted 2), DB / plain mean %.2f (predicted 3); \"within\" = every depth within ±25%%",
                head, min(db), max(db), depths[0], depths[depths.length - 1], meanDb, min(fwd), max(fwd), meanF, mean(dbPlain)) + noise;
        return new Report(verdict, md.toString());
    }

    static double[] constant(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    static boolean within(double[] v, double target, double rel) {
        for (double x : v) {
            if (Math.abs(x / target - 1) > rel) {
                return false;
            }
        }
        return true;
    }

    static double mean(double[] v) {
        return java.util.Arrays.stream(v).average().orElse(Double.NaN);
    }

    static double min(double[] v) {
        return java.util.Arrays.stream(v).min().orElse(Double.NaN);
    }

    static double max(double[] v) {
        return java.util.Arrays.stream(v).max().orElse(Double.NaN);
    }

    /**
     * Milliseconds per training step of plain, exact, forward and backward GR (γ 0.1, ε 0.01) on
     * {@code model}, one thread, random data: {@code rounds} rounds, each timing {@code steps}
     * steps of every method in turn after {@code warmup} untimed ones; the median over rounds.
     */
    static Map<String, Double> benchmark(String model, int dim, int classes, int batch, int rounds, int warmup, int steps, Context ctx) {
        Engine.start(1);
        Dataset data = Synthetic.blobs(batch, dim, classes, 1.0, 3, DType.FLOAT32);
        Map<String, Method> methods = new LinkedHashMap<>();
        methods.put("plain", new Plain());
        methods.put("exact", new GradientRegularization(0.1, 0.01, SecondOrder.EXACT, false));
        methods.put("forward", new GradientRegularization(0.1, 0.01, SecondOrder.FORWARD, false));
        methods.put("backward", new GradientRegularization(0.1, 0.01, SecondOrder.BACKWARD, false));
        Map<String, Trainer> trainers = new LinkedHashMap<>();
        methods.forEach((k, m) -> {
            Engine.seed(0);
            Net net = Models.build(model, Models.Options.defaults(new long[] {dim}, classes));
            trainers.put(k, new Trainer(net, Loss.CROSS_ENTROPY, TrainConfig.of(m, 0.01, 1, batch, 0)));
        });
        Map<String, double[]> times = new LinkedHashMap<>();
        methods.keySet().forEach(k -> times.put(k, new double[rounds]));
        for (Trainer t : trainers.values()) {
            for (int i = 0; i < warmup; i++) {
                t.step(data, 1_000_000);
            }
        }
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, Trainer> e : trainers.entrySet()) {
                long t0 = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    e.getValue().step(data, 1_000_000);
                }
                times.get(e.getKey())[r] = (System.nanoTime() - t0) / 1e6 / steps;
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        times.forEach((k, v) -> out.put(k, Stats.median(v)));
        ctx.log().printf("cost on %s, batch %d, 1 thread: %s ms/step%n", model, batch, out);
        return out;
    }
}
