package io.gradreg.repro;

import io.gradreg.sweep.Sweep;
import io.gradreg.sweep.SweepSpec;
import io.gradreg.sweep.SweepTable;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.io.AtomicFiles;
import io.gradreg.io.Json;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.Loss;
import io.gradreg.method.Method;
import io.gradreg.method.Plain;
import io.gradreg.method.SecondOrder;
import io.gradreg.nn.Models;
import io.gradreg.nn.Net;
import io.gradreg.train.TrainConfig;
import io.gradreg.train.Trainer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Seed 000, the cost and the generalization of the four ways to compute GR's H g: exact (double
 * backpropagation), forward, backward and central finite differences. Cost: milliseconds per step
 * relative to plain SGD, timed in-process on one thread with the methods interleaved round by
 * round (so a change in the machine's load hits them alike), and also read from the runs'
 * metrics.jsonl. Generalization: test accuracy over a γ × ε grid and three seeds on MNIST (4000
 * training samples, MLP 784-256-256-10, plain SGD).
 */
public final class GrCompute implements Experiment {
    static final List<String> ORDERS = List.of("exact", "forward", "backward", "central");
    /** The smallest accuracy difference (0.1 points) counted as "generalizes better". */
    static final double MARGIN = 0.001;

    /** One configuration of the grid: plain, or GR with a second order, γ and ε (NaN for exact). */
    record Config(String id, String order, double gamma, double eps) {
        Map<String, String> flags() {
            Map<String, String> f = new LinkedHashMap<>();
            if (order.equals("plain")) {
                f.put("method", "plain");
                return f;
            }
            f.put("method", "gr");
            f.put("second-order", order);
            f.put("gamma", String.valueOf(gamma));
            if (!order.equals("exact")) {
                f.put("eps", String.valueOf(eps));
            }
            return f;
        }
    }

    @Override
    public String name() {
        return "gr-compute";
    }

    @Override
    public String claim() {
        return "seed 000: forward finite-difference GR costs about two plain steps, less than exact (double-backprop) GR, "
                + "and generalizes at least as well as exact GR and better than backward finite differences";
    }

    static double[] gammas(boolean quick) {
        return quick ? new double[] {0.1} : new double[] {0.01, 0.05, 0.1};
    }

    static double[] epsilons(boolean quick) {
        return quick ? new double[] {0.05} : new double[] {0.01, 0.05};
    }

    static List<Config> configs(boolean quick) {
        List<Config> c = new ArrayList<>(List.of(new Config("plain", "plain", 0, Double.NaN)));
        for (double g : gammas(quick)) {
            c.add(new Config("exact_g=" + g, "exact", g, Double.NaN));
        }
        for (String o : ORDERS.subList(1, 4)) {
            for (double g : gammas(quick)) {
                for (double e : epsilons(quick)) {
                    c.add(new Config(o + "_g=" + g + "_e=" + e, o, g, e));
                }
            }
        }
        return c;
    }

    /**
     * The task shared with {@link FloodingVsGr}: MNIST, 4000 class-balanced training samples, the
     * full test set, MLP 784-256-256-10, plain SGD (lr 0.1, no momentum), batch 128, 60 epochs;
     * with {@code --quick}, 4-class Gaussian blobs in 20 dimensions and a 20-32-32-4 MLP.
     */
    static Map<String, String> task(Context ctx, int evalEvery) {
        Map<String, String> base = new LinkedHashMap<>();
        if (ctx.quick()) {
            Repro.Data d = Repro.blobs(ctx.out().resolve("data"), 128, 256, 20, 4, 1.0);
            base.put("data", d.train().toString());
            base.put("test-data", d.test().toString());
            base.put("model", "mlp:20-32-32-4");
            base.put("epochs", "10");
            base.put("batch-size", "32");
            base.put("eval-every", "1");
        } else {
            base.put("data", "mnist");
            base.put("train-size", "4000");
            base.put("model", "mlp:784-256-256-10");
            base.put("epochs", "60");
            base.put("batch-size", "128");
            base.put("eval-every", String.valueOf(evalEvery));
        }
        base.put("optimizer", "sgd");
        base.put("lr", "0.1");
        return base;
    }

    static final String TASK = "MNIST, 4000 class-balanced training samples (drawn with the seed), full 10k test set, "
            + "MLP 784-256-256-10 (ReLU), plain SGD with learning rate 0.1 and no momentum, batch 128, 60 epochs";

    static List<String> seeds(boolean quick) {
        return quick ? List.of("0", "1") : List.of("0", "1", "2");
    }

    @Override
    public Report run(Context ctx) {
        List<Config> configs = configs(ctx.quick());
        Map<String, Map<String, String>> variants = new LinkedHashMap<>();
        configs.forEach(c -> variants.put(c.id(), c.flags()));
        SweepSpec spec = new SweepSpec("gr-compute", Repro.runsDir(ctx, "gr-compute"), task(ctx, 5), variants, Map.of("seed", seeds(ctx.quick())));
        long t0 = System.nanoTime();
        List<Sweep.Outcome> outcomes = Repro.sweep(spec, ctx);
        double sweepMinutes = (System.nanoTime() - t0) / 60e9;

        // Per config: final test accuracy and median ms/step of each seed's run.
        Map<String, double[]> acc = new LinkedHashMap<>();
        Map<String, double[]> ms = new LinkedHashMap<>();
        List<SweepTable.Row> rows = new ArrayList<>();
        List<String> seeds = seeds(ctx.quick());
        for (Config c : configs) {
            double[] a = new double[seeds.size()];
            double[] t = new double[seeds.size()];
            for (int s = 0; s < seeds.size(); s++) {
                var dir = spec.out().resolve(c.id() + "_seed=" + seeds.get(s));
                a[s] = Repro.summary(dir, "final_test_accuracy");
                t[s] = Repro.median(Repro.column(Repro.metrics(dir), "msPerStep"));
                Map<String, String> labels = new LinkedHashMap<>();
                labels.put("second_order", c.order());
                labels.put("gamma", c.order().equals("plain") ? "" : String.valueOf(c.gamma()));
                labels.put("eps", Double.isNaN(c.eps()) ? "" : String.valueOf(c.eps()));
                labels.put("seed", seeds.get(s));
                rows.add(Repro.row(dir, labels));
            }
            acc.put(c.id(), a);
            ms.put(c.id(), t);
        }
        SweepTable.write(ctx.out(), rows);

        // Cost, in-process: the task's model and, in a full run, LeNet-5 (convolutions).
        Map<String, Map<String, Double>> bench = new LinkedHashMap<>();
        if (ctx.quick()) {
            bench.put("mlp:20-32-32-4, batch 32", benchmark("mlp:20-32-32-4", 20, 4, 32, 3, 2, 5, ctx));
        } else {
            bench.put("mlp:784-256-256-10, batch 128", benchmark("mlp:784-256-256-10", 784, 10, 128, 7, 5, 20, ctx));
            bench.put("lenet5, batch 32", benchmark("lenet5", 784, 10, 32, 7, 5, 20, ctx));
        }
        // Cost from the sweep: each order's ms/step pooled over its configs and seeds, over plain's.
        Map<String, Double> sweepMs = new LinkedHashMap<>();
        sweepMs.put("plain", SweepTable.meanStd(ms.get("plain"))[0]);
        for (String o : ORDERS) {
            List<Double> all = new ArrayList<>();
            configs.stream().filter(c -> c.order().equals(o)).forEach(c -> {
                for (double v : ms.get(c.id())) {
                    all.add(v);
                }
            });
            sweepMs.put(o, SweepTable.meanStd(SmallMnist.values(all))[0]);
        }

        StringBuilder md = new StringBuilder();
        md.append("Task: ").append(ctx.quick() ? "(quick) 4-class Gaussian blobs in 20 dimensions, MLP 20-32-32-4, SGD lr 0.1, 10 epochs" : TASK)
                .append(". GR: d = g + γ H g with H g exact (double backprop) or by finite differences with step ε (methods.md §1). ")
                .append("Seeds: ").append(seeds.size()).append(" (subset, initialization, batch order).\n\n");
        md.append("### Cost\n\nIn-process timing on one libtorch thread: every round times each method for a fixed number of steps, "
                + "the methods interleaved; the table gives the median over rounds and its ratio to plain. The machine (2 cores) "
                + "is shared with other jobs, so the absolute times are noisy; the interleaving keeps the ratios fair.\n\n");
        md.append("| model | plain | exact | forward | backward | central |\n|---|---|---|---|---|---|\n");
        bench.forEach((model, b) -> {
            md.append("| ").append(model);
            for (String o : List.of("plain", "exact", "forward", "backward", "central")) {
                md.append(String.format(" | %.2f ms (%.2f×)", b.get(o), b.get(o) / b.get("plain")));
            }
            md.append(" |\n");
        });
        md.append("| sweep runs (median of metrics.jsonl msPerStep, " + Repro.executor(ctx) + ")");
        for (String o : List.of("plain", "exact", "forward", "backward", "central")) {
            md.append(String.format(" | %.2f ms (%.2f×)", sweepMs.get(o), sweepMs.get(o) / sweepMs.get("plain")));
        }
        md.append(" |\n\n");

        // Generalization table: rows γ (and ε), columns the four orders.
        md.append("### Test accuracy\n\nFinal test accuracy (%), mean ± std over seeds. Plain SGD: ")
                .append(Repro.pct(SweepTable.meanStd(acc.get("plain")))).append(".\n\n");
        md.append("| γ | ε | exact | forward | backward | central |\n|---|---|---|---|---|---|\n");
        StringBuilder csv = new StringBuilder("second_order,gamma,eps,n,mean_test_accuracy,std_test_accuracy,median_ms_per_step\n");
        for (Config c : configs) {
            double[] a = SweepTable.meanStd(acc.get(c.id()));
            csv.append(String.format("%s,%s,%s,%d,%s,%s,%s%n", c.order(), c.order().equals("plain") ? "" : c.gamma(),
                    Double.isNaN(c.eps()) ? "" : c.eps(), seeds.size(), a[0], a[1], SweepTable.meanStd(ms.get(c.id()))[0]));
        }
        for (double g : gammas(ctx.quick())) {
            for (double e : epsilons(ctx.quick())) {
                md.append(String.format("| %s | %s | %s | ", g, e, Repro.pct(SweepTable.meanStd(acc.get("exact_g=" + g)))));
                List<String> cells = new ArrayList<>();
                for (String o : ORDERS.subList(1, 4)) {
                    cells.add(Repro.pct(SweepTable.meanStd(acc.get(o + "_g=" + g + "_e=" + e))));
                }
                md.append(String.join(" | ", cells)).append(" |\n");
            }
        }
        md.append("\n(exact does not depend on ε: its cell repeats across ε.)\n\n");

        // Paired comparisons over all (γ, ε) cells and seeds: same seed = same subset, init and batch order.
        double[] fVsE = paired(configs, acc, "forward", "exact", ctx.quick());
        double[] fVsB = paired(configs, acc, "forward", "backward", ctx.quick());
        double[] fVsC = paired(configs, acc, "forward", "central", ctx.quick());
        md.append(String.format("Paired differences of final test accuracy, averaged over the (γ, ε) cells per seed, then mean ± standard "
                + "error over the seeds (points): "
                + "forward − exact %+.2f ± %.2f, forward − backward %+.2f ± %.2f, forward − central %+.2f ± %.2f.%n%n",
                100 * fVsE[0], 100 * fVsE[1], 100 * fVsB[0], 100 * fVsB[1], 100 * fVsC[0], 100 * fVsC[1]));

        // Plots (Figures.grCompute, from gr-compute.csv and cost.json below): accuracy against γ per ε, γ × ε heatmaps, cost.
        for (double e : epsilons(ctx.quick())) {
            md.append("![accuracy, ε = ").append(e).append("](accuracy-eps").append(e).append(".png) ");
        }
        md.append("\n\n![forward, γ × ε](heatmap-forward.png) ![backward, γ × ε](heatmap-backward.png) ![central, γ × ε](heatmap-central.png)");
        md.append("\n\n");

        // Claims.
        Map<String, Double> main = bench.values().iterator().next();
        double fwd = main.get("forward") / main.get("plain");
        boolean c1 = fwd > 1.5 && fwd < 2.5;
        boolean c2 = true;
        StringBuilder c2text = new StringBuilder();
        for (Map.Entry<String, Map<String, Double>> b : bench.entrySet()) {
            double f = b.getValue().get("forward") / b.getValue().get("plain");
            double x = b.getValue().get("exact") / b.getValue().get("plain");
            c2 &= f < x;
            c2text.append(String.format("%s%s: forward %.2f× vs exact %.2f×", c2text.length() == 0 ? "" : "; ", b.getKey(), f, x));
        }
        boolean c3 = fVsE[0] > -2 * fVsE[1];
        // "Better" needs a margin one can see: more than 2 standard errors and more than 0.1 points (10 of 10k test images).
        boolean c4 = fVsB[0] > 2 * fVsB[1] && fVsB[0] > MARGIN;
        md.append("### Claims\n\n");
        md.append(String.format("1. Forward costs about two plain steps (taken as 1.5–2.5×): %s — %.2f× on %s.%n", c1 ? "yes" : "no", fwd,
                bench.keySet().iterator().next()));
        md.append(String.format("2. Forward is cheaper than exact: %s — %s.%n", c2 ? "yes" : "no", c2text));
        md.append(String.format("3. Forward generalizes at least as well as exact (paired difference > −2 SE): %s — %+.3f ± %.3f points.%n",
                c3 ? "yes" : "no", 100 * fVsE[0], 100 * fVsE[1]));
        md.append(String.format("4. Forward generalizes better than backward (paired difference > 2 SE and > %.1f points): %s — %+.3f ± %.3f "
                + "points%s.%n%n", 100 * MARGIN, c4 ? "yes" : "no", 100 * fVsB[0], 100 * fVsB[1],
                fVsB[0] > 2 * fVsB[1] && !c4 ? " (resolved by the paired test but smaller than the margin: the four computations generalize alike here)" : ""));
        md.append("Time: ").append(Repro.sweepTime(ctx, outcomes, sweepMinutes)).append(".\n\n");
        md.append("Files: gr-compute.csv (accuracy and ms/step per configuration), cost.json (in-process timing), runs.csv, summary.csv, summary.md.\n");

        AtomicFiles.writeString(ctx.out().resolve("gr-compute.csv"), csv.toString());
        Map<String, Object> costJson = new LinkedHashMap<>();
        costJson.put("in_process_ms_per_step", bench);
        costJson.put("sweep_ms_per_step", sweepMs);
        Json.writeFile(ctx.out().resolve("cost.json"), costJson);
        Figures.grCompute(ctx.out());
        md.append("\n![cost](cost.png)\n");

        double gMax = gammas(ctx.quick())[gammas(ctx.quick()).length - 1];
        double grGain = SweepTable.meanStd(acc.get("forward_g=" + gMax + "_e=" + epsilons(ctx.quick())[0]))[0] - SweepTable.meanStd(acc.get("plain"))[0];
        int held = (c1 ? 1 : 0) + (c2 ? 1 : 0) + (c3 ? 1 : 0) + (c4 ? 1 : 0);
        String head = held == 4 ? "reproduced" : held == 0 ? "not reproduced" : "partly reproduced";
        String verdict = String.format("%s: %d of 4 claims hold. Cost: forward %.2f× plain (%s), %s. Accuracy (paired, %d cells averaged per seed, ± SE over %d seeds): "
                + "forward − exact %+.3f ± %.3f, forward − backward %+.3f ± %.3f points (plain %.2f%%, GR at the largest γ %+.2f)",
                head, held, fwd, c1 ? "≈ 2×" : "not ≈ 2×", c2text, gammas(ctx.quick()).length * epsilons(ctx.quick()).length, seeds.size(),
                100 * fVsE[0], 100 * fVsE[1], 100 * fVsB[0], 100 * fVsB[1], 100 * SweepTable.meanStd(acc.get("plain"))[0], 100 * grGain);
        return new Report(verdict, md.toString());
    }

    /**
     * Paired difference a − b of final test accuracy: per seed (same subset, initialization and batch
     * order), the mean over the (γ, ε) cells; then the mean over seeds and its standard error.
     * Cells of one seed are not independent, so the error is taken over seeds only.
     */
    static double[] paired(List<Config> configs, Map<String, double[]> acc, String a, String b, boolean quick) {
        int seeds = acc.get("plain").length;
        double[] x = new double[seeds];
        double[] y = new double[seeds];
        int cells = gammas(quick).length * epsilons(quick).length;
        for (double g : gammas(quick)) {
            for (double e : epsilons(quick)) {
                double[] va = acc.get(a.equals("exact") ? "exact_g=" + g : a + "_g=" + g + "_e=" + e);
                double[] vb = acc.get(b.equals("exact") ? "exact_g=" + g : b + "_g=" + g + "_e=" + e);
                for (int s = 0; s < seeds; s++) {
                    x[s] += va[s] / cells;
                    y[s] += vb[s] / cells;
                }
            }
        }
        return Repro.pairedDiff(x, y);
    }

    /**
     * Milliseconds per training step of plain and the four GR computations (γ 0.05, ε 0.01) on
     * {@code model}, one thread, random data: {@code rounds} rounds, each timing {@code steps}
     * steps of every method in turn after {@code warmup} untimed ones; the median over rounds.
     */
    static Map<String, Double> benchmark(String model, int dim, int classes, int batch, int rounds, int warmup, int steps, Context ctx) {
        Engine.start(1);
        Dataset data = Synthetic.blobs(batch, dim, classes, 1.0, 3, DType.FLOAT32);
        Map<String, Method> methods = new LinkedHashMap<>();
        methods.put("plain", new Plain());
        methods.put("exact", new GradientRegularization(0.05, 0.01, SecondOrder.EXACT, false));
        methods.put("forward", new GradientRegularization(0.05, 0.01, SecondOrder.FORWARD, false));
        methods.put("backward", new GradientRegularization(0.05, 0.01, SecondOrder.BACKWARD, false));
        methods.put("central", new GradientRegularization(0.05, 0.01, SecondOrder.CENTRAL, false));
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
        times.forEach((k, v) -> out.put(k, Repro.median(v)));
        ctx.log().printf("cost on %s, batch %d, 1 thread: %s ms/step%n", model, batch, out);
        return out;
    }
}
