package io.gradreg.repro;

import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.io.AtomicFiles;
import io.gradreg.io.Json;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.Loss;
import io.gradreg.method.Method;
import io.gradreg.method.Methods;
import io.gradreg.method.Plain;
import io.gradreg.method.Sam;
import io.gradreg.method.SecondOrder;
import io.gradreg.nn.Models;
import io.gradreg.nn.Net;
import io.gradreg.stats.Stats;
import io.gradreg.sweep.Sweep;
import io.gradreg.sweep.SweepSpec;
import io.gradreg.sweep.SweepTable;
import io.gradreg.train.CpuTime;
import io.gradreg.train.EpochMetrics;
import io.gradreg.train.RunRecords;
import io.gradreg.train.RunSpec;
import io.gradreg.train.TrainConfig;
import io.gradreg.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Our experiment (issue 15, not a paper's claim): what {@code --every K} and {@code --every K --reuse}
 * cost and keep of the full method, for forward GR and SAM, on an MNIST-MLP task ({@link #TASK}).
 * Cost comes two ways, both as ratios measured side by side: the median ms/step of each run's
 * metrics.jsonl, all runs of one sweep with one worker; and an in-process timing with the variants
 * interleaved round by round on one thread.
 */
public final class EveryK implements Experiment {
    static final int[] KS = {1, 2, 5, 10};
    static final String MODEL = "mlp:784-256-256-10";
    static final String TASK = "MNIST, 4000 class-balanced training samples (drawn with the seed), full 10k test set, MLP 784-256-256-10 "
            + "(ReLU), plain SGD with learning rate 0.1 and no momentum, batch 128, 20 epochs (larger than gr-compute's 2000-sample "
            + "784-128-10 task, where GR at γ = 0.1 gains nothing over plain SGD and there would be no gain to keep: measured, "
            + "−0.20 points over 3 seeds)";

    /** gr-compute's task with more data and a wider, deeper MLP (see {@link #TASK}); the quick task is gr-compute's. */
    static RunSpec task(Context ctx) {
        RunSpec t = GrCompute.task(ctx, 5);
        return ctx.quick() ? t
                : t.withData(t.data().withTrainSize(4000)).withModel(t.model().withSpec(MODEL)).withLength(t.length().withEpochs(20));
    }

    /** The two-pass methods under test. */
    static final List<String> METHODS = List.of("gr", "sam");

    /** {@code task} trained with {@code method}: plain SGD, forward GR with gr-compute's γ 0.1 and ε 0.01, or SAM with its default ρ 0.05. */
    static RunSpec trainedWith(RunSpec task, String method) {
        return switch (method) {
            case "gr" -> task.withMethodName("gr").withOptions(o -> o.withSecondOrder(SecondOrder.FORWARD).withGamma(0.1).withEps(0.01));
            case "sam" -> task.withMethodName("sam").withOptions(o -> o.withRho(0.05));
            default -> task.withMethodName("plain");
        };
    }

    /** One variant: a method (or plain), K, and whether the component is reused between full steps. */
    record Variant(String method, int k, boolean reuse) {
        String id() {
            return method.equals("plain") ? "plain" : method + "_k=" + k + (reuse ? "_reuse" : "");
        }

        /** {@code task} with this variant's method, run on every K-th step only ({@code --every K [--reuse]}). */
        RunSpec spec(RunSpec task) {
            RunSpec s = trainedWith(task, method);
            return s.withMethod(s.method().withEvery(k, reuse));
        }

        String label() {
            return method.equals("plain") ? "plain SGD" : k == 1 ? "full (every step)" : "K = " + k + (reuse ? ", reuse d − g" : ", plain between");
        }

        /** The method object for the in-process timing. */
        Method build() {
            if (method.equals("plain")) {
                return new Plain();
            }
            Method base = method.equals("gr") ? new GradientRegularization(0.1, 0.01, SecondOrder.FORWARD, false) : new Sam(0.05);
            return Methods.every(base, k, reuse);
        }
    }

    /** The directory name of a variant's run with {@code seed}. */
    static String runId(Variant v, String seed) {
        return v.id() + "_seed=" + seed;
    }

    static List<Variant> variants() {
        List<Variant> v = new ArrayList<>(List.of(new Variant("plain", 1, false)));
        for (String m : METHODS) {
            for (int k : KS) {
                v.add(new Variant(m, k, false));
                if (k > 1) {
                    v.add(new Variant(m, k, true));
                }
            }
        }
        return v;
    }

    /** Epochs of a full run: a third of gr-compute's 60, so that the 45 runs fit a shared machine. */

    /**
     * The seeds: 3 in a full run. The system property {@code gradreg.every-k.seeds} (1 to 3) reports
     * on the first seeds only, e.g. when a sweep on a loaded machine had no time to finish; the runs
     * are the same, so a later full invocation completes the table.
     */
    static List<String> seeds(boolean quick) {
        int n = Integer.getInteger("gradreg.every-k.seeds", 3);
        return quick ? List.of("0") : List.of("0", "1", "2").subList(0, Math.max(1, Math.min(3, n)));
    }

    @Override
    public String name() {
        return "every-k";
    }

    @Override
    public String claim() {
        return "our experiment (issue 15, no paper claim): running forward GR or SAM only every K-th step (Composer's interval), "
                + "optionally reusing the last regularization component d − g between (LookSAM's idea), cuts the cost toward plain SGD's; "
                + "how much of the full method's test accuracy does it keep?";
    }

    @Override
    public Report run(Context ctx) {
        List<Variant> variants = variants();
        List<String> seeds = seeds(ctx.quick());
        // Seed-major order: every variant's first seed runs before any second seed, so the load of
        // the machine over the sweep's hours falls on all variants alike.
        RunSpec task = task(ctx);
        List<SweepSpec.Run> runs = new ArrayList<>();
        for (String s : seeds) {
            for (Variant v : variants) {
                runs.add(Protocols.variant(runId(v, s), v.spec(task).withSeed(Long.parseLong(s))));
            }
        }
        SweepSpec spec = new SweepSpec("every-k", Repro.runsDir(ctx, "every-k"), runs);
        long t0 = System.nanoTime();
        List<Sweep.Outcome> outcomes = Repro.sweep(spec, ctx);
        double sweepMinutes = (System.nanoTime() - t0) / 60e9;

        Map<String, double[]> acc = new LinkedHashMap<>();
        Map<String, double[]> ms = new LinkedHashMap<>();
        List<SweepTable.Row> rows = new ArrayList<>();
        for (Variant v : variants) {
            double[] a = new double[seeds.size()];
            double[] t = new double[seeds.size()];
            for (int s = 0; s < seeds.size(); s++) {
                Path dir = spec.out().resolve(runId(v, seeds.get(s)));
                a[s] = Repro.finalTestAccuracy(dir);
                t[s] = Stats.median(Repro.column(RunRecords.metrics(dir), EpochMetrics::msPerStep));
                Map<String, String> labels = new LinkedHashMap<>();
                labels.put("method", v.method());
                labels.put("k", String.valueOf(v.k()));
                labels.put("reuse", String.valueOf(v.reuse()));
                labels.put("seed", seeds.get(s));
                rows.add(Repro.row(dir, labels));
            }
            acc.put(v.id(), a);
            ms.put(v.id(), t);
        }
        SweepTable.write(ctx.out(), rows);
        Map<String, Double> bench = ctx.quick() ? benchmark("mlp:20-32-32-4", 20, 4, 32, 2, 2, 10, ctx)
                : benchmark(MODEL, 784, 10, 128, 5, 1, 100, ctx);

        double plainMs = Stats.meanStd(ms.get("plain")).mean();
        double[] plainAcc = acc.get("plain");
        StringBuilder md = new StringBuilder();
        md.append("**Our experiment**, not a paper's claim. Task: ")
                .append(ctx.quick() ? "(quick) 4-class Gaussian blobs in 20 dimensions, MLP 20-32-32-4, SGD lr 0.1, 10 epochs"
                        : TASK)
                .append(". Methods: forward GR (γ 0.1, ε 0.01) and SAM (ρ 0.05). `--every K`: the method runs on steps t with t mod K = 0, "
                        + "plain SGD steps between; `--reuse`: the steps between take g + (d − g) of the last full step (methods.md, "
                        + "\"Every K steps\"). Seeds: ").append(seeds.size()).append(" (subset, initialization, batch order); a seed is the same "
                        + "for every variant, so differences are paired")
                .append(!ctx.quick() && seeds.size() < 3 ? ". The experiment runs 3 seeds; this table reports the first " + seeds.size()
                        + " (system property gradreg.every-k.seeds), because the sweep of all 3 did not finish in time on the loaded machine. "
                        + "`./gradreg reproduce every-k` completes it, reusing the finished runs" : "")
                .append(".\n\n");
        md.append("Cost is a ratio measured side by side, never an absolute time: an in-process timing on one thread, in the "
                + "process's CPU time (which other jobs barely change), every variant timed in turn, round by round (median of rounds), "
                + "over plain SGD's. The runs' own median ms/step are in every-k.csv; runs of one sweep can be days and loads apart "
                + "(a sweep resumes), so they are not compared here.\n\n");
        md.append("| method | variant | test accuracy (%) | Δ vs full, paired (points) | Δ vs plain, paired | cost / plain (interleaved, CPU) |\n");
        md.append("|---|---|---|---|---|---|\n");
        md.append(String.format("| plain | plain SGD | %s |  |  | 1.00× |%n", Repro.pct(Stats.meanStd(plainAcc))));
        StringBuilder csv = new StringBuilder("method,k,reuse,n,mean_test_accuracy,std_test_accuracy,mean_median_ms_per_step,cost_ratio_sweep,cost_ratio_interleaved\n");
        csv.append(String.format("plain,1,false,%d,%s,%s,%s,1,1%n", seeds.size(), Stats.meanStd(plainAcc).mean(), Stats.meanStd(plainAcc).std(),
                plainMs));
        Map<String, String> verdictParts = new LinkedHashMap<>();
        for (Variant v : variants) {
            if (v.method().equals("plain")) {
                continue;
            }
            double[] a = acc.get(v.id());
            double[] full = acc.get(new Variant(v.method(), 1, false).id());
            Stats.Paired dFull = Stats.pairedDiff(a, full);
            Stats.Paired dPlain = Stats.pairedDiff(a, plainAcc);
            double sweepRatio = Stats.meanStd(ms.get(v.id())).mean() / plainMs;
            double benchRatio = bench.get(v.id()) / bench.get("plain");
            md.append(String.format("| %s | %s | %s | %s | %s | %.2f× |%n", v.method().equals("gr") ? "forward GR" : "SAM", v.label(),
                    Repro.pct(Stats.meanStd(a)), v.k() == 1 ? "" : diff(dFull), diff(dPlain), benchRatio));
            csv.append(String.format("%s,%d,%s,%d,%s,%s,%s,%s,%s%n", v.method(), v.k(), v.reuse(), seeds.size(), Stats.meanStd(a).mean(),
                    Stats.meanStd(a).std(), Stats.meanStd(ms.get(v.id())).mean(), sweepRatio, benchRatio));
            if (v.k() == 5 || v.k() == 1) {
                verdictParts.put(v.id(), String.format("%s %s %+.2f vs plain at %.2f×", v.method(), v.k() == 1 ? "full" : "K=5" + (v.reuse() ? " reuse" : ""),
                        100 * dPlain.mean(), benchRatio));
            }
        }
        md.append("\n± is the standard error of the paired per-seed differences (n = ").append(seeds.size())
                .append(seeds.size() < 2 ? "; no error with one seed" : "").append(").\n\n");
        md.append("Time: ").append(Repro.sweepTime(ctx, outcomes, sweepMinutes)).append(".\n\n");
        md.append("Files: every-k.csv (this table), cost.json (interleaved timing), runs.csv, summary.csv, summary.md.\n");
        AtomicFiles.writeString(ctx.out().resolve("every-k.csv"), csv.toString());
        Map<String, Object> cost = new LinkedHashMap<>();
        cost.put("interleaved_cpu_ms_per_step", bench);
        Json.writeFile(ctx.out().resolve("cost.json"), cost);
        String verdict = "our experiment: test accuracy gain over plain SGD (points, paired) and CPU cost per step over plain (interleaved): "
                + String.join("; ", verdictParts.values());
        return new Report(verdict, md.toString());
    }

    /** A paired difference in points, {@code +x ± se} (no error with one seed). */
    private static String diff(Stats.Paired d) {
        return String.format("%+.2f", 100 * d.mean()) + (Double.isFinite(d.se()) ? String.format(" ± %.2f", 100 * d.se()) : "");
    }

    /**
     * CPU milliseconds (the process's, all threads) per step of every variant on {@code model}, one thread, random data: after
     * {@code warmup} untimed rounds, {@code rounds} rounds each time {@code steps} steps of every
     * variant in turn (a multiple of 10, so each timing holds whole K-cycles; 100 in a full run, long
     * enough for the process CPU clock, whose ticks are coarse, to resolve it to a few per cent); median over rounds.
     */
    static Map<String, Double> benchmark(String model, int dim, int classes, int batch, int rounds, int warmup, int steps, Context ctx) {
        Engine.start(1);
        Dataset data = Synthetic.blobs(batch, dim, classes, 1.0, 3, DType.FLOAT32);
        Map<String, Trainer> trainers = new LinkedHashMap<>();
        for (Variant v : variants()) {
            Engine.seed(0);
            Net net = Models.build(model, Models.Options.defaults(new long[] {dim}, classes));
            trainers.put(v.id(), new Trainer(net, Loss.CROSS_ENTROPY, TrainConfig.of(v.build(), 0.01, 1, batch, 0)));
        }
        Map<String, double[]> times = new LinkedHashMap<>();
        Map<String, double[]> cpu = new LinkedHashMap<>();
        trainers.keySet().forEach(k -> {
            times.put(k, new double[rounds]);
            cpu.put(k, new double[rounds]);
        });
        for (int r = -warmup; r < rounds; r++) {
            for (Map.Entry<String, Trainer> e : trainers.entrySet()) {
                long t0 = System.nanoTime();
                double c0 = CpuTime.processMs();
                for (int i = 0; i < steps; i++) {
                    e.getValue().step(data, 1_000_000);
                }
                if (r >= 0) {
                    times.get(e.getKey())[r] = (System.nanoTime() - t0) / 1e6 / steps;
                    cpu.get(e.getKey())[r] = (CpuTime.processMs() - c0) / steps;
                }
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        cpu.forEach((k, v) -> out.put(k, Stats.median(v)));
        Map<String, Double> wall = new LinkedHashMap<>();
        times.forEach((k, v) -> wall.put(k, Stats.median(v)));
        ctx.log().printf("interleaved cost on %s, batch %d, 1 thread: CPU %s, wall %s ms/step%n", model, batch, out, wall);
        return out;
    }
}
