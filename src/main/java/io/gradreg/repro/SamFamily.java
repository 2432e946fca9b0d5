package io.gradreg.repro;

import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.io.AtomicFiles;
import io.gradreg.io.LinePlot;
import io.gradreg.method.Every;
import io.gradreg.method.Loss;
import io.gradreg.method.PerturbationFilter;
import io.gradreg.method.SecondOrder;
import io.gradreg.nn.Models;
import io.gradreg.nn.Net;
import io.gradreg.stats.Stats;
import io.gradreg.sweep.Sweep;
import io.gradreg.sweep.SweepSpec;
import io.gradreg.train.CpuTime;
import io.gradreg.train.EpochMetrics;
import io.gradreg.train.RunRecords;
import io.gradreg.train.RunSpec;
import io.gradreg.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Our experiment (issue 22, not a paper's claim): the SAM/GR family side by side under one
 * protocol. Every method's strength is chosen from at most three values on a validation split (the
 * last samples of MNIST's training file, never the test set), then trained on five seeds paired with
 * plain SGD's; the table gives test accuracy, the paired gain over plain, the top Hessian eigenvalue
 * at the end, and the cost per step over plain's, interleaved in one process.
 */
public final class SamFamily implements Experiment {
    /** Validation samples held out of MNIST's training file (the subsets are drawn from the rest). */
    static final int VALIDATION = 2000;
    static final int SEEDS = 5;

    /**
     * A method of the family: an id, a label, which tasks it runs on, and its candidate settings
     * (at most three), each a change of the task's run.
     */
    record Member(String id, String label, boolean needsBatchNorm, List<Candidate> candidates) {}

    /** One setting of a member: what the table shows (e.g. "ρ 0.05") and how the run is derived from the task. */
    record Candidate(String shown, UnaryOperator<RunSpec> spec) {}

    private static Candidate c(String shown, UnaryOperator<RunSpec> spec) {
        return new Candidate(shown, spec);
    }

    private static RunSpec method(RunSpec s, String name, UnaryOperator<io.gradreg.method.Methods.Options> o) {
        return s.withMethodName(name).withOptions(o);
    }

    /** The family, with the values each member's strength is chosen from. */
    static List<Member> members() {
        List<Member> m = new ArrayList<>();
        m.add(new Member("plain", "plain SGD", false, List.of(c("", s -> s))));
        m.add(new Member("gr-exact", "GR, exact", false, grid("γ", new double[] {0.01, 0.03, 0.1},
                (s, v) -> method(s, "gr", o -> o.withSecondOrder(SecondOrder.EXACT).withGamma(v)))));
        m.add(new Member("gr-forward", "GR, forward (ε 0.01)", false, grid("γ", new double[] {0.01, 0.03, 0.1},
                (s, v) -> method(s, "gr", o -> o.withSecondOrder(SecondOrder.FORWARD).withGamma(v).withEps(0.01)))));
        m.add(new Member("sam", "SAM", false, grid("ρ", new double[] {0.02, 0.05, 0.1}, (s, v) -> method(s, "sam", o -> o.withRho(v)))));
        m.add(new Member("asam", "ASAM (η 0.01)", false, grid("ρ", new double[] {0.2, 0.5, 1.0}, (s, v) -> method(s, "asam", o -> o.withRho(v)))));
        m.add(new Member("gsam", "GSAM (ρ 0.05)", false, grid("α", new double[] {0.05, 0.1, 0.3},
                (s, v) -> method(s, "gsam", o -> o.withRho(0.05).withAlpha(v)))));
        m.add(new Member("fsam", "FriendlySAM (ρ 0.05, λ 0.6)", false, grid("σ", new double[] {0.5, 1, 2},
                (s, v) -> method(s, "fsam", o -> o.withRho(0.05).withLambda(0.6).withSigma(v)))));
        m.add(new Member("wsam", "WSAM (ρ 0.05, decoupled)", false, grid("γ", new double[] {0.7, 0.8, 0.9},
                (s, v) -> method(s, "wsam", o -> o.withRho(0.05).withGamma(v)))));
        m.add(new Member("gnp", "GNP (r 0.05)", false, grid("α", new double[] {0.3, 0.6, 0.9},
                (s, v) -> method(s, "gnp", o -> o.withR(0.05).withAlpha(v)))));
        m.add(new Member("esam", "ESAM (β 0.6, γ 0.5)", false, grid("ρ", new double[] {0.02, 0.05, 0.1},
                (s, v) -> method(s, "esam", o -> o.withRho(v).withBeta(0.6).withGamma(0.5)))));
        m.add(new Member("fishersam", "Fisher SAM (ρ 0.05)", false, grid("η", new double[] {0.1, 1, 10},
                (s, v) -> method(s, "fishersam", o -> o.withRho(0.05).withEta(v)))));
        m.add(new Member("msharp", "SAM per group of m (ρ 0.05)", false, grid("m", new double[] {8, 16, 32},
                (s, v) -> method(s, "sam", o -> o.withRho(0.05).withSamGroup(v.intValue())))));
        m.add(new Member("looksam", "LookSAM, K 5 (ρ 0.05)", false, grid("α", new double[] {0.3, 0.7, 1.0}, (s, v) -> {
            RunSpec r = method(s, "sam", o -> o.withRho(0.05).withAlpha(v));
            return r.withMethod(r.method().withEvery(5, Every.Reuse.LOOKSAM));
        })));
        m.add(new Member("every5", "SAM every 5th step, reuse d − g (ρ 0.05)", false, List.of(c("", s -> {
            RunSpec r = method(s, "sam", o -> o.withRho(0.05));
            return r.withMethod(r.method().withEvery(5, Every.Reuse.DIFFERENCE));
        }))));
        m.add(new Member("samon", "SAM-ON: ascent on batch norm only", true, grid("ρ", new double[] {0.1, 0.5, 1.0},
                (s, v) -> method(s, "sam", o -> o.withRho(v).withPerturbOnly(PerturbationFilter.NORM)))));
        return m;
    }

    private static List<Candidate> grid(String symbol, double[] values, java.util.function.BiFunction<RunSpec, Double, RunSpec> spec) {
        List<Candidate> out = new ArrayList<>();
        for (double v : values) {
            String shown = symbol + " " + (v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v));
            out.add(c(shown, s -> spec.apply(s, v)));
        }
        return out;
    }

    /** A task: its name, its run, whether its model has batch norm, and a line for the report. */
    record Task(String name, RunSpec spec, boolean batchNorm, String description) {}

    /** every-k's MLP task, and a small CNN with batch norm on 2000 MNIST samples (quick: synthetic blobs). */
    static List<Task> tasks(Context ctx) {
        RunSpec mlp = EveryK.task(ctx);
        RunSpec cnn;
        if (ctx.quick()) {
            Repro.Data d = Repro.blobs(ctx.out().resolve("data-images"), 96, 64, 784, 4, 1.0);
            cnn = Protocols.on(d.spec(), "cnn");
            cnn = cnn.withLength(cnn.length().withEpochs(2).withBatchSize(32));
        } else {
            cnn = Protocols.on(Protocols.mnist(2000), "cnn");
            cnn = cnn.withLength(cnn.length().withEpochs(10).withBatchSize(128));
        }
        cnn = cnn.withLr(0.05);
        return List.of(new Task("mlp", endSharpness(mlp), false, ctx.quick() ? "(quick) blobs, MLP 20-32-32-4" : EveryK.TASK),
                new Task("cnn", endSharpness(cnn), true, ctx.quick() ? "(quick) 784-d blobs as 1x28x28, cnn"
                        : "MNIST, 2000 class-balanced training samples, full 10k test set, the small CNN with batch norm (`cnn`: two 3x3 "
                                + "convolutions of 32 and 64 channels, each with batch norm, ReLU and 2x2 max pooling, then a linear layer), "
                                + "SGD learning rate 0.05, batch 128, 10 epochs"));
    }

    /** The run with the top Hessian eigenvalue measured after its last epoch (Lanczos, 10 iterations, 256 training samples). */
    private static RunSpec endSharpness(RunSpec s) {
        int epochs = s.length().epochCount();
        RunSpec.Evaluation e = s.evaluation();
        return s.withEvaluation(new RunSpec.Evaluation(e.evalEvery(), e.stopAtTrainAccuracy(), epochs, 256, 10, 2, e.checkpointEvery(),
                e.saveBest()));
    }

    /** The task's run cut for validation: the last {@link #VALIDATION} training samples as its test set. */
    static RunSpec validation(RunSpec task, boolean quick) {
        RunSpec.Data d = task.data().withTestData(null).withHoldout(quick ? 32 : VALIDATION);
        return task.withData(d);
    }

    @Override
    public String name() {
        return "sam-family";
    }

    @Override
    public String claim() {
        return "our experiment (issue 22, no paper claim): SAM, its variants and GR under one protocol; which reach 90 % of SAM's gain "
                + "over plain SGD at 1.2x plain's cost or less?";
    }

    @Override
    public Report run(Context ctx) {
        List<Task> tasks = tasks(ctx);
        List<Member> members = members();
        int seeds = ctx.quick() ? 2 : SEEDS;
        long t0 = System.nanoTime();
        // 1. Validation: every candidate of every member, seed 0, on the held-out split.
        List<SweepSpec.Run> val = new ArrayList<>();
        for (Task t : tasks) {
            for (Member m : members) {
                if (m.needsBatchNorm() && !t.batchNorm()) {
                    continue;
                }
                for (int i = 0; i < (ctx.quick() ? 1 : m.candidates().size()); i++) { // quick: the code path, one value each
                    if (m.candidates().size() > 1 || ctx.quick()) {
                        val.add(Protocols.variant(valId(t, m, i), m.candidates().get(i).spec().apply(validation(t.spec(), ctx.quick())).withSeed(0)));
                    }
                }
            }
        }
        List<Sweep.Outcome> outcomes = new ArrayList<>(Repro.sweep(new SweepSpec("sam-family-validation", Repro.runsDir(ctx, "sam-family"), val), ctx));
        Path runs = Repro.runsDir(ctx, "sam-family");
        // 2. The chosen setting of each member on each task: the best validation accuracy (the first on ties).
        Map<String, Integer> chosen = new LinkedHashMap<>();
        Map<String, double[]> validationAcc = new LinkedHashMap<>();
        for (Task t : tasks) {
            for (Member m : members) {
                if (m.needsBatchNorm() && !t.batchNorm()) {
                    continue;
                }
                double[] v = new double[m.candidates().size()];
                java.util.Arrays.fill(v, Double.NaN);
                int best = 0;
                for (int i = 0; i < (ctx.quick() ? 1 : v.length); i++) {
                    v[i] = m.candidates().size() > 1 || ctx.quick() ? Repro.finalTestAccuracy(runs.resolve(valId(t, m, i))) : Double.NaN;
                    if (v[i] > v[best]) {
                        best = i;
                    }
                }
                chosen.put(t.name() + "/" + m.id(), best);
                validationAcc.put(t.name() + "/" + m.id(), v);
            }
        }
        // 3. The chosen settings on seeds 1 ... n, on the test set; a seed is the same for every member, so differences are paired.
        List<SweepSpec.Run> fin = new ArrayList<>();
        for (int s = 1; s <= seeds; s++) {
            for (Task t : tasks) {
                for (Member m : members) {
                    if (m.needsBatchNorm() && !t.batchNorm()) {
                        continue;
                    }
                    Candidate cand = m.candidates().get(chosen.get(t.name() + "/" + m.id()));
                    fin.add(Protocols.variant(finalId(t, m, s), cand.spec().apply(t.spec()).withSeed(s)));
                }
            }
        }
        outcomes.addAll(Repro.sweep(new SweepSpec("sam-family", runs, fin), ctx));
        double minutes = (System.nanoTime() - t0) / 60e9;
        return report(ctx, tasks, members, chosen, validationAcc, seeds, runs, outcomes, minutes);
    }

    static String valId(Task t, Member m, int i) {
        return "validation_" + t.name() + "_" + m.id() + "_" + i;
    }

    static String finalId(Task t, Member m, int seed) {
        return t.name() + "_" + m.id() + "_seed=" + seed;
    }

    private Report report(Context ctx, List<Task> tasks, List<Member> members, Map<String, Integer> chosen, Map<String, double[]> validationAcc,
            int seeds, Path runs, List<Sweep.Outcome> outcomes, double minutes) {
        StringBuilder md = new StringBuilder("**Our experiment**, not a paper's claim: the SAM/GR family side by side under one protocol. ");
        md.append("Each method's strength is chosen from the values listed, on a validation split (the last ")
                .append(ctx.quick() ? 32 : VALIDATION).append(" samples of the training file, seed 0; never the test set), then ")
                .append("trained on ").append(seeds).append(" seeds; a seed fixes the training subset, the initialization and the batch order ")
                .append("for every method alike, so the differences to plain SGD are paired. The top Hessian eigenvalue is measured after the ")
                .append("last epoch (Lanczos, 10 iterations, on 256 training samples). Cost is CPU time per step over plain SGD's, every method ")
                .append("timed in turn in one process, one thread, round by round (median of 5 rounds).\n\n");
        StringBuilder csv = new StringBuilder("task,method,setting,n,mean_test_accuracy,std_test_accuracy,gain_vs_plain,gain_se,seeds_won,"
                + "top_eigenvalue,cost_ratio\n");
        List<String> moonshot = new ArrayList<>();
        boolean anyReached = false;
        for (Task t : tasks) {
            Map<String, double[]> acc = new LinkedHashMap<>();
            Map<String, Double> top = new LinkedHashMap<>();
            List<Member> here = members.stream().filter(m -> !m.needsBatchNorm() || t.batchNorm()).toList();
            for (Member m : here) {
                double[] a = new double[seeds];
                double[] e = new double[seeds];
                for (int s = 1; s <= seeds; s++) {
                    Path dir = runs.resolve(finalId(t, m, s));
                    a[s - 1] = Repro.finalTestAccuracy(dir);
                    List<EpochMetrics> h = RunRecords.metrics(dir);
                    e[s - 1] = h.get(h.size() - 1).hessianTop();
                }
                acc.put(m.id(), a);
                top.put(m.id(), Stats.meanStd(e).mean());
            }
            Map<String, Double> cost = cost(t, here, chosen, ctx);
            double[] plain = acc.get("plain");
            double samGain = Stats.pairedDiff(acc.get("sam"), plain).mean();
            md.append("### Task ").append(t.name()).append("\n\n").append(t.description()).append(".\n\n");
            md.append("| method | setting (validation accuracy of each value) | test accuracy (%) | Δ vs plain, paired (points, seeds won) "
                    + "| top Hessian eigenvalue | cost / plain |\n|---|---|---|---|---|---|\n");
            List<double[]> points = new ArrayList<>();
            List<String> names = new ArrayList<>();
            Map<String, Stats.Paired> gains = new LinkedHashMap<>();
            Map<String, Double> ratios = new LinkedHashMap<>();
            for (Member m : here) {
                double[] a = acc.get(m.id());
                Stats.MeanStd ms = Stats.meanStd(a);
                Stats.Paired d = Stats.pairedDiff(a, plain);
                int won = Stats.seedsWon(a, plain);
                String key = t.name() + "/" + m.id();
                String setting = setting(m, chosen.get(key), validationAcc.get(key));
                double ratio = cost.get(m.id()) / cost.get("plain");
                md.append(String.format("| %s | %s | %s | %s | %.3g | %.2f× |%n", m.label(), setting, Repro.pct(ms),
                        m.id().equals("plain") ? "" : String.format("%+.2f ± %.2f (%d/%d)", 100 * d.mean(), 100 * d.se(), won, seeds),
                        top.get(m.id()), ratio));
                csv.append(String.join(",", t.name(), m.id(), "\"" + m.candidates().get(chosen.get(key)).shown() + "\"",
                        String.valueOf(seeds), String.valueOf(ms.mean()), String.valueOf(ms.std()), String.valueOf(d.mean()), String.valueOf(d.se()),
                        String.valueOf(won), String.valueOf(top.get(m.id())), String.valueOf(ratio))).append('\n');
                if (!m.id().equals("plain")) {
                    points.add(new double[] {ratio, 100 * d.mean()});
                    names.add(m.id());
                    gains.put(m.id(), d);
                    ratios.put(m.id(), ratio);
                }
            }
            Moonshot moon = Moonshot.of(t.name(), gains, ratios);
            moonshot.add(moon.sentence());
            anyReached |= moon.isReached();
            md.append(String.format("%n± is the standard error of the %d paired differences. SAM's gain here: %+.2f points.%n%n", seeds,
                    100 * samGain));
            plot(t, points, names, ctx.out().resolve("gain-cost-" + t.name() + ".png"));
            md.append("![gain against cost, ").append(t.name()).append("](gain-cost-").append(t.name()).append(".png)\n\n");
        }
        String moon = (anyReached ? "" : "no method reaches 90 % of SAM's gain at 1.2× plain's cost or less; ") + String.join("; ", moonshot);
        md.append("**Moonshot line** (at least 90 % of full SAM's gain over plain SGD, at most 1.2× plain's cost per step; the issue's "
                + "candidates are every-k with reuse, LookSAM and ESAM): ").append(moon).append(".\n\n");
        md.append("Time: ").append(Repro.sweepTime(ctx, outcomes, minutes)).append(".\n\n");
        md.append("Files: sam-family.csv (the tables), gain-cost-*.png.\n");
        AtomicFiles.writeString(ctx.out().resolve("sam-family.csv"), csv.toString());
        return new Report("our experiment: " + moon, md.toString());
    }

    /** The chosen value, and every candidate's validation accuracy. */
    private static String setting(Member m, int chosen, double[] validation) {
        if (m.candidates().size() == 1) {
            return m.candidates().get(0).shown().isEmpty() ? "–" : m.candidates().get(0).shown();
        }
        StringBuilder s = new StringBuilder("**").append(m.candidates().get(chosen).shown()).append("** (");
        for (int i = 0; i < validation.length; i++) {
            s.append(i == 0 ? "" : ", ").append(m.candidates().get(i).shown()).append(String.format(": %.2f", 100 * validation[i]));
        }
        return s.append(")").toString();
    }

    /** Gain in points against cost over plain, one point per method. */
    private static void plot(Task t, List<double[]> points, List<String> names, Path png) {
        LinePlot p = LinePlot.titled("Gain over plain SGD against cost, task " + t.name()).xLabel("cost per step / plain's (CPU time)")
                .yLabel("test accuracy gain over plain (points, mean of paired seeds)");
        for (int i = 0; i < points.size(); i++) {
            p.scatter(names.get(i), new double[] {points.get(i)[0]}, new double[] {points.get(i)[1]});
        }
        p.write(png);
    }

    /**
     * CPU milliseconds per step of each member's chosen method on the task's model, one thread, one
     * random batch: every method in turn, 5 rounds after one warm-up round; median of rounds. A round
     * is 250 steps on the MLP (2 ms each) and 20 on the CNN (80 ms each).
     */
    private static Map<String, Double> cost(Task t, List<Member> members, Map<String, Integer> chosen, Context ctx) {
        Engine.start(1);
        boolean image = t.spec().model().spec().equals("cnn");
        int batch = t.spec().length().batchSize();
        long[] shape = image ? new long[] {1, 28, 28} : new long[] {ctx.quick() ? 20 : 784};
        int dim = image ? 784 : (int) shape[0];
        int classes = ctx.quick() ? 4 : 10;
        Dataset flat = Synthetic.blobs(batch, dim, classes, 1.0, 3, DType.FLOAT32);
        Dataset data = image ? new Dataset(flat.x().reshape(batch, 1, 28, 28), flat.y(), classes) : flat;
        // The process CPU clock ticks in 10 ms: a round of plain steps lasts at least 50 ticks (2 % resolution).
        int steps = ctx.quick() ? 5 : image ? 20 : 250;
        Map<String, Trainer> trainers = new LinkedHashMap<>();
        for (Member m : members) {
            RunSpec s = m.candidates().get(chosen.get(t.name() + "/" + m.id())).spec().apply(t.spec());
            Engine.seed(0);
            Net net = Models.build(s.model().spec(), Models.Options.defaults(shape, classes));
            trainers.put(m.id(), new Trainer(net, Loss.CROSS_ENTROPY, s.trainConfig().toBuilder().sharpness(null).build()));
        }
        Map<String, double[]> cpu = new LinkedHashMap<>();
        Map<String, double[]> wall = new LinkedHashMap<>();
        trainers.keySet().forEach(k -> {
            cpu.put(k, new double[5]);
            wall.put(k, new double[5]);
        });
        for (int r = -1; r < 5; r++) {
            for (Map.Entry<String, Trainer> e : trainers.entrySet()) {
                double c0 = CpuTime.processMs();
                long w0 = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    e.getValue().step(data, 1_000_000);
                }
                if (r >= 0) {
                    cpu.get(e.getKey())[r] = (CpuTime.processMs() - c0) / steps;
                    wall.get(e.getKey())[r] = (System.nanoTime() - w0) / 1e6 / steps;
                }
            }
        }
        // The process CPU clock ticks in 10 ms: below a few ticks per round (quick runs) the wall clock measures instead.
        boolean useCpu = Stats.median(cpu.get("plain")) * steps >= 50;
        Map<String, Double> out = new LinkedHashMap<>();
        (useCpu ? cpu : wall).forEach((k, v) -> out.put(k, Stats.median(v)));
        ctx.log().printf("interleaved %s ms/step on task %s: %s%n", useCpu ? "CPU" : "wall", t.name(), out);
        return out;
    }
}
