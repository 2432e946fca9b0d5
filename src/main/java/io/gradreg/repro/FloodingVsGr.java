package io.gradreg.repro;

import io.gradreg.sweep.Sweep;
import io.gradreg.sweep.SweepSpec;
import io.gradreg.sweep.SweepTable;
import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.io.AtomicFiles;
import io.gradreg.io.LinePlot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Seed 000, flooding as implicit finite-difference GR: once the training loss reaches the flood
 * level b, flooding alternates an ascent step θ + h g with a descent step, and the pair moves θ by
 * −h[∇L(θ + h g) − g] ≈ −h² H g, a forward finite-difference GR step with ε = h. Flooding at a few
 * levels, forward GR at a few strengths and plain SGD are trained on the task of
 * {@link GrCompute}; the experiment compares their test accuracy and their trajectories.
 */
public final class FloodingVsGr implements Experiment {
    /** One configuration: plain, flooding at level b, or forward GR with (γ, ε). */
    record Config(String id, String label, String kind, Map<String, String> flags, double level) {}

    @Override
    public String name() {
        return "flooding";
    }

    @Override
    public String claim() {
        return "seed 000: flooding performs forward finite-difference GR implicitly (below the flood level it alternates ascent "
                + "and descent), so it should behave like F-GR: similar gain over plain training and a similar trajectory";
    }

    static List<Config> configs(boolean quick) {
        List<Config> c = new ArrayList<>();
        c.add(new Config("plain", "plain SGD", "plain", Map.of("method", "plain"), Double.NaN));
        for (double b : quick ? new double[] {0.3} : new double[] {0.03, 0.05, 0.1}) {
            c.add(new Config("flood_b=" + b, "flooding b=" + b, "flood", Map.of("method", "flood", "flood", String.valueOf(b)), b));
        }
        double[][] ge = quick ? new double[][] {{0.1, 0.05}} : new double[][] {{0.1, 0.01}, {0.1, 0.1}};
        for (double[] p : ge) {
            c.add(new Config("fgr_g=" + p[0] + "_e=" + p[1], "F-GR γ=" + p[0] + " ε=" + p[1], "fgr",
                    Map.of("method", "gr", "second-order", "forward", "gamma", String.valueOf(p[0]), "eps", String.valueOf(p[1])), Double.NaN));
        }
        return c;
    }

    @Override
    public Report run(Context ctx) {
        List<Config> configs = configs(ctx.quick());
        Map<String, Map<String, String>> variants = new LinkedHashMap<>();
        configs.forEach(c -> variants.put(c.id(), c.flags()));
        List<String> seeds = GrCompute.seeds(ctx.quick());
        SweepSpec spec = new SweepSpec("flooding", Repro.runsDir(ctx, "flooding"), GrCompute.task(ctx, 2), variants, Map.of("seed", seeds));
        long t0 = System.nanoTime();
        List<Sweep.Outcome> outcomes = Repro.sweep(spec, ctx);
        double sweepMinutes = (System.nanoTime() - t0) / 60e9;

        Map<String, double[]> acc = new LinkedHashMap<>();
        Map<String, List<List<JsonNode>>> curves = new LinkedHashMap<>();
        List<SweepTable.Row> rows = new ArrayList<>();
        for (Config c : configs) {
            double[] a = new double[seeds.size()];
            List<List<JsonNode>> cs = new ArrayList<>();
            for (int s = 0; s < seeds.size(); s++) {
                Path dir = spec.out().resolve(c.id() + "_seed=" + seeds.get(s));
                a[s] = Repro.summary(dir, "final_test_accuracy");
                cs.add(Repro.metrics(dir));
                Map<String, String> labels = new LinkedHashMap<>();
                labels.put("config", c.id());
                labels.put("seed", seeds.get(s));
                rows.add(Repro.row(dir, labels));
            }
            acc.put(c.id(), a);
            curves.put(c.id(), cs);
        }
        SweepTable.write(ctx.out(), rows);

        // Mean curves over seeds: the epoch-mean minibatch loss (every epoch), and the full-set metrics at evaluated epochs.
        Map<String, double[][]> batchLoss = new LinkedHashMap<>();
        Map<String, double[][]> testAcc = new LinkedHashMap<>();
        Map<String, double[][]> trainLoss = new LinkedHashMap<>();
        Map<String, double[][]> rig = new LinkedHashMap<>();
        for (Config c : configs) {
            batchLoss.put(c.id(), meanEvery(curves.get(c.id()), "batchLoss"));
            testAcc.put(c.id(), SmallMnist.meanCurve(curves.get(c.id()), "testAccuracy"));
            trainLoss.put(c.id(), SmallMnist.meanCurve(curves.get(c.id()), "trainLoss"));
            rig.put(c.id(), SmallMnist.meanCurve(curves.get(c.id()), "rIG"));
        }

        double[] plainAcc = acc.get("plain");
        StringBuilder md = new StringBuilder();
        md.append("Task: ").append(ctx.quick() ? "(quick) 4-class Gaussian blobs in 20 dimensions, MLP 20-32-32-4, SGD lr 0.1, 10 epochs"
                : GrCompute.TASK + "; full-set evaluation every 2 epochs").append(". Flooding trains on |L − b| + b of the mini-batch loss L. ")
                .append("Before the first mini-batch with L < b a flooding run is plain SGD step for step (same seed, same batches). ")
                .append("F-GR at ε = 0.1 = the learning rate matches flooding's ascent step length h‖g‖. Seeds: ").append(seeds.size()).append(".\n\n");
        md.append("| config | final test acc (%) | Δ vs plain (paired, ± SE) | final train loss | final mean batch loss | final R_IG | "
                + "first epoch with flooding active (a mini-batch below b) | RMS distance of the test-accuracy curve to plain / nearest F-GR (after that epoch) |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        StringBuilder csv = new StringBuilder("config,kind,level,n,mean_test_accuracy,std_test_accuracy,diff_vs_plain,diff_se,"
                + "final_train_loss,final_batch_loss,final_R_IG,first_epoch_flooding_active,rms_to_plain,rms_to_nearest_fgr\n");
        Map<String, double[]> gains = new LinkedHashMap<>();
        Map<String, double[]> dists = new LinkedHashMap<>();
        for (Config c : configs) {
            double[] ms = SweepTable.meanStd(acc.get(c.id()));
            double[] gain = c.kind().equals("plain") ? new double[] {0, 0} : Repro.pairedDiff(acc.get(c.id()), plainAcc);
            gains.put(c.id(), gain);
            double[][] bl = batchLoss.get(c.id());
            double finalBatch = bl[1][bl[1].length - 1];
            double finalTrain = last(trainLoss.get(c.id())[1]);
            double finalRig = last(rig.get(c.id())[1]);
            int reached = -1;
            double[] d = {Double.NaN, Double.NaN};
            if (c.kind().equals("flood")) {
                // Above the flood level flooding is plain SGD bit for bit, so the first epoch whose mean batch
                // loss differs from plain's is the first with a mini-batch below b: from there on, flooding acts.
                double[] plainBl = batchLoss.get("plain")[1];
                for (int i = 0; i < bl[1].length && i < plainBl.length; i++) {
                    if (bl[1][i] != plainBl[i]) {
                        reached = (int) bl[0][i];
                        break;
                    }
                }
                if (reached >= 0) {
                    d[0] = rms(testAcc.get(c.id()), testAcc.get("plain"), reached);
                    d[1] = Double.POSITIVE_INFINITY;
                    for (Config f : configs) {
                        if (f.kind().equals("fgr")) {
                            d[1] = Math.min(d[1], rms(testAcc.get(c.id()), testAcc.get(f.id()), reached));
                        }
                    }
                }
                dists.put(c.id(), d);
            }
            md.append(String.format("| %s | %s | %s | %.4f | %.4f | %.2e | %s | %s |%n", c.label(), Repro.pct(ms),
                    c.kind().equals("plain") ? "" : String.format("%+.2f ± %.2f", 100 * gain[0], 100 * gain[1]), finalTrain, finalBatch, finalRig,
                    !c.kind().equals("flood") ? "" : reached < 0 ? "never" : String.valueOf(reached),
                    !c.kind().equals("flood") || reached < 0 ? "" : String.format("%.2f / %.2f points", 100 * d[0], 100 * d[1])));
            csv.append(String.join(",", c.id(), c.kind(), Double.isNaN(c.level()) ? "" : String.valueOf(c.level()), String.valueOf(seeds.size()),
                    String.valueOf(ms[0]), String.valueOf(ms[1]), String.valueOf(gain[0]), String.valueOf(gain[1]), String.valueOf(finalTrain),
                    String.valueOf(finalBatch), String.valueOf(finalRig), reached < 0 ? "" : String.valueOf(reached),
                    Double.isNaN(d[0]) ? "" : String.valueOf(d[0]), Double.isNaN(d[1]) ? "" : String.valueOf(d[1]))).append('\n');
        }
        AtomicFiles.writeString(ctx.out().resolve("flooding.csv"), csv.toString());

        plots(ctx, configs, batchLoss, trainLoss, testAcc, rig);
        md.append("\n![training loss](train-loss.png) ![training loss, second half](train-loss-tail.png) "
                + "![full training loss](train-loss-full.png) ![test accuracy](test-accuracy.png) ![R_IG](r-ig.png)\n\n");

        // Verdict: the best flooding level and the best F-GR against plain, and whether flooding's curve is nearer F-GR's than plain's.
        String bestFlood = best(configs, acc, "flood");
        String bestFgr = best(configs, acc, "fgr");
        double[] gf = gains.get(bestFlood);
        double[] gg = gains.get(bestFgr);
        boolean floodHelps = gf[0] > 2 * gf[1];
        boolean fgrHelps = gg[0] > 2 * gg[1];
        double[] d = dists.get(bestFlood);
        boolean tracks = !Double.isNaN(d[0]) && d[1] < d[0];
        double[] fVsG = Repro.pairedDiff(acc.get(bestFlood), acc.get(bestFgr));
        boolean close = Math.abs(fVsG[0]) <= 2 * fVsG[1];
        // Reproduced: both help, flooding's curve is nearer F-GR's than plain's, and the two end level.
        // Not reproduced: F-GR helps but flooding does not, or flooding neither tracks F-GR nor ends level with it.
        String head = floodHelps && fgrHelps && tracks && close ? "reproduced"
                : (fgrHelps && !floodHelps) || (!tracks && !close) ? "not reproduced" : "partly reproduced";
        md.append(String.format("Best flooding level %s: %+.2f ± %.2f points over plain; best F-GR %s: %+.2f ± %.2f; flooding − F-GR %+.2f ± %.2f "
                + "(paired, ± SE). After its loss reaches b, flooding's test-accuracy curve is %.2f points (RMS) from plain's and %.2f from "
                + "the nearest F-GR's.%n%n", bestFlood, 100 * gf[0], 100 * gf[1], bestFgr, 100 * gg[0], 100 * gg[1], 100 * fVsG[0], 100 * fVsG[1],
                100 * d[0], 100 * d[1]));
        md.append("Time: ").append(Repro.sweepTime(ctx, outcomes, sweepMinutes)).append(".\n\nFiles: flooding.csv (this table), runs.csv, summary.csv, summary.md.\n");
        String verdict = String.format("%s: flooding (%s) %s plain: %+.2f ± %.2f points, F-GR (%s) %+.2f ± %.2f; flooding − F-GR %+.2f ± %.2f; "
                + "flooding's test-accuracy curve, once flooding acts, is %s F-GR's than plain's (RMS distance %.2f points to the nearest F-GR, %.2f to plain)",
                head, bestFlood, floodHelps ? "beats" : "does not beat", 100 * gf[0], 100 * gf[1], bestFgr, 100 * gg[0], 100 * gg[1],
                100 * fVsG[0], 100 * fVsG[1], tracks ? "nearer" : "not nearer", 100 * d[1], 100 * d[0]);
        return new Report(verdict, md.toString());
    }

    /** The configuration of {@code kind} with the highest mean final test accuracy. */
    static String best(List<Config> configs, Map<String, double[]> acc, String kind) {
        return configs.stream().filter(c -> c.kind().equals(kind))
                .max((a, b) -> Double.compare(SweepTable.meanStd(acc.get(a.id()))[0], SweepTable.meanStd(acc.get(b.id()))[0]))
                .orElseThrow().id();
    }

    /** RMS difference of two curves on the same epochs, over the epochs ≥ {@code from}. */
    static double rms(double[][] a, double[][] b, int from) {
        double s = 0;
        int n = 0;
        for (int i = 0; i < a[0].length && i < b[0].length; i++) {
            if (a[0][i] >= from && Double.isFinite(a[1][i]) && Double.isFinite(b[1][i])) {
                s += (a[1][i] - b[1][i]) * (a[1][i] - b[1][i]);
                n++;
            }
        }
        return n == 0 ? Double.NaN : Math.sqrt(s / n);
    }

    /** Mean over runs of {@code field} at every epoch: {x, y}. */
    static double[][] meanEvery(List<List<JsonNode>> runs, String field) {
        double[] ep = Repro.column(runs.get(0), "epoch");
        double[][] ms = LinePlot.meanStd(runs.stream().map(r -> Repro.column(r, field)).toList(), ep.length);
        return new double[][] {ep, ms[0], ms[1]};
    }

    private static double last(double[] v) {
        return v.length == 0 ? Double.NaN : v[v.length - 1];
    }

    private static void plots(Context ctx, List<Config> configs, Map<String, double[][]> batchLoss, Map<String, double[][]> trainLoss,
            Map<String, double[][]> testAcc, Map<String, double[][]> rig) {
        LinePlot loss = LinePlot.titled("Training loss: epoch mean of the mini-batch loss (mean ± std over seeds)").xLabel("epoch")
                .yLabel("cross-entropy loss").logY();
        LinePlot full = LinePlot.titled("Training loss on the full training set (mean ± std over seeds)").xLabel("epoch")
                .yLabel("cross-entropy loss").logY();
        LinePlot acc = LinePlot.titled("Test accuracy (mean ± std over seeds)").xLabel("epoch").yLabel("test accuracy (fraction correct)");
        LinePlot r = LinePlot.titled("R_IG = |grad L|^2 / m on the full training set (mean ± std over seeds)").xLabel("epoch")
                .yLabel("R_IG (squared loss-gradient norm / parameters)").logY();
        for (Config c : configs) {
            loss.series(c.label(), batchLoss.get(c.id())[0], batchLoss.get(c.id())[1], batchLoss.get(c.id())[2]);
            full.series(c.label(), trainLoss.get(c.id())[0], trainLoss.get(c.id())[1], trainLoss.get(c.id())[2]);
            acc.series(c.label(), testAcc.get(c.id())[0], testAcc.get(c.id())[1], testAcc.get(c.id())[2]);
            r.series(c.label(), rig.get(c.id())[0], rig.get(c.id())[1], rig.get(c.id())[2]);
        }
        loss.write(ctx.out().resolve("train-loss.png"));
        full.write(ctx.out().resolve("train-loss-full.png"));
        acc.write(ctx.out().resolve("test-accuracy.png"));
        r.write(ctx.out().resolve("r-ig.png"));
        // Zoom on the end of training, where flooding sits at its level.
        LinePlot tail = LinePlot.titled("Mini-batch training loss, second half of training (mean ± std over seeds)").xLabel("epoch")
                .yLabel("cross-entropy loss").logY();
        for (Config c : configs) {
            double[][] bl = batchLoss.get(c.id());
            int from = bl[0].length / 2;
            tail.series(c.label(), Arrays.copyOfRange(bl[0], from, bl[0].length), Arrays.copyOfRange(bl[1], from, bl[1].length),
                    Arrays.copyOfRange(bl[2], from, bl[2].length));
        }
        tail.write(ctx.out().resolve("train-loss-tail.png"));
    }
}
