package io.gradreg.repro;

import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.io.AtomicFiles;
import io.gradreg.io.Json;
import io.gradreg.io.LinePlot;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Models;
import io.gradreg.method.SecondOrder;
import io.gradreg.nn.Net;
import io.gradreg.stats.Stats;
import io.gradreg.sweep.Sweep;
import io.gradreg.sweep.SweepSpec;
import io.gradreg.sweep.SweepTable;
import io.gradreg.train.EpochMetrics;
import io.gradreg.train.RunRecords;
import io.gradreg.train.RunSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Seed 000, flooding as implicit finite-difference GR, tested at the level of its mechanism.
 * (a) One flooding pair (ascent then descent, step h) from a point below the flood level, on a
 * float64 MLP: its displacement against −(h²/2)∇‖∇L‖² (error O(h³): log-log slope 3) and against
 * one forward-GR step on the penalty alone with γ = ε = h (equal up to rounding); see
 * {@link FloodingStep}. (b) Full-batch gradient descent with flooding at a level the training loss
 * reaches, beside plain GD and F-GR with the matching ε = h and γ = h/2 (a flooding pair moves θ
 * by −h² H g in two steps, F-GR by −2hγ H g in its penalty part): trajectories of L, ‖∇L‖² and R_IG.
 */
public final class FloodingVsGr implements Experiment {
    @Override
    public String name() {
        return "flooding";
    }

    @Override
    public String claim() {
        return "seed 000: around the flood level, flooding's ascent step followed by a descent step is a forward finite-difference GR step "
                + "(θ moves by −(h²/2)∇‖∇L‖² + O(h³)), so flooding regularizes ‖∇L‖² implicitly, like F-GR";
    }

    /** The full-batch task of part (b). */
    record Task(String data, int trainSize, String model, double lr, double level, int steps, int evalEvery, List<String> seeds) {
        double gamma() {
            return lr / 2;
        }

        double eps() {
            return lr;
        }
    }

    static Task task(boolean quick) {
        return quick ? new Task("blobs", 128, "mlp:20-32-32-4", 0.5, 0.3, 200, 10, List.of("0"))
                : new Task("mnist", 1000, "mlp:784-64-10", 0.5, 0.1, 800, 20, List.of("0", "1", "2"));
    }

    @Override
    public Report run(Context ctx) {
        StringBuilder md = new StringBuilder();
        Mechanism mech = mechanism(ctx);
        md.append(mech.markdown());
        Training tr = training(ctx);
        md.append(tr.markdown());
        boolean mechOk = mech.identityOk() && Math.abs(mech.slope() - 3) < 0.3 && mech.signsOk();
        String head = mechOk && tr.tracks() ? "reproduced" : mechOk ? "partly reproduced" : "not reproduced";
        String verdict = String.format("%s: mechanism %s — a flooding pair equals one F-GR penalty step (γ = ε = h) up to rounding (%.1e of h‖g‖), and differs "
                + "from −(h²/2)∇‖∇L‖² by O(h^%.2f) (expected 3); full-batch GD (%s): %s", head, mechOk ? "holds" : "fails", mech.maxIdentityError(),
                mech.slope(), tr.setting(), tr.summary());
        return new Report(verdict, md.toString());
    }

    record Mechanism(double slope, double slopeBackward, double maxIdentityError, boolean identityOk, boolean signsOk, String markdown) {}

    /** Part (a): flooding pairs at a range of h from one float64 point. */
    static Mechanism mechanism(Context ctx) {
        Engine.start(1);
        Engine.seed(3);
        Dataset data = Synthetic.blobs(256, 10, 4, 1.0, 11, DType.FLOAT64);
        Net net = Models.build("mlp:10-32-32-4", Models.Options.defaults(new long[] {10}, 4).withActivation(Activation.TANH));
        net.to(DType.FLOAT64);
        int n = ctx.quick() ? 6 : 10;
        double[] hs = new double[n];
        double[][] err = new double[4][n]; // forward: to Hessian, to GR step; backward: the same
        boolean signs = true;
        double maxId = 0;
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            hs[i] = 0.2 / Math.pow(2, i);
            for (boolean ascentFirst : new boolean[] {true, false}) {
                FloodingStep.Pair p = FloodingStep.pair(net, data, hs[i], ascentFirst);
                int k = ascentFirst ? 0 : 2;
                err[k][i] = p.errorToHessian();
                err[k + 1][i] = p.errorToGrStep();
                signs &= p.signsAsExpected();
                maxId = Math.max(maxId, p.identityError());
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("h", p.h());
                r.put("order", ascentFirst ? "ascent then descent" : "descent then ascent");
                r.put("flood_level", p.level());
                r.put("signs_as_expected", p.signsAsExpected());
                r.put("displacement_norm", p.displacementNorm());
                r.put("hessian_step_norm", p.hessianStepNorm());
                r.put("error_to_hessian_step", p.errorToHessian());
                r.put("error_to_gr_step", p.errorToGrStep());
                r.put("error_to_gr_step_over_h_grad_norm", p.identityError());
                rows.add(r);
            }
        }
        double slope = Stats.logLogSlope(hs, err[0]);
        double slopeB = Stats.logLogSlope(hs, err[2]);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("rows", rows);
        json.put("slope_forward", slope);
        json.put("slope_backward", slopeB);
        Json.writeFile(ctx.out().resolve("mechanism.json"), json);
        LinePlot p = LinePlot.titled("Flooding pair minus -(h^2/2) grad |grad L|^2 (float64 MLP)").xLabel("h").yLabel("error").logX().logY();
        p.series("ascent, then descent", hs, err[0]).series("descent, then ascent", hs, err[2]);
        double[] ref = new double[n];
        for (int i = 0; i < n; i++) {
            ref[i] = err[0][0] * Math.pow(hs[i] / hs[0], 3);
        }
        p.series("slope 3", hs, ref).write(ctx.out().resolve("mechanism.png"));

        StringBuilder md = new StringBuilder("### (a) The mechanism: one flooding pair\n\n");
        md.append("MLP 10-32-32-4 (tanh, smooth), float64, cross-entropy on 256 points of 4 Gaussian blobs, at its initialization. For each h, "
                + "the flood level b is set between L(θ) and L(θ ± h g) (b = L ± h‖g‖²/2), and two steps of `method/Flooding` with step h are taken: "
                + "below b first (ascent, then descent) or above b first (descent, then ascent). The displacement θ₂ − θ is compared with "
                + "−(h²/2)∇‖∇L‖² = −h² H g (H g by double backpropagation) and with one step −h(d − g) of `method/GradientRegularization` "
                + "on the penalty alone, forward (ascent first) or backward (descent first), γ = ε = h. Derivation: θ₂ − θ = h g − h ∇L(θ + h g) "
                + "= −h[∇L(θ + h g) − g] = −h² H g − (h³/2) ∇³L[g, g] + O(h⁴), which is checked here.\n\n");
        md.append("| h | ‖θ₂ − θ‖ (ascent first) | error to −h²Hg | error to the F-GR step | ‖θ₂ − θ‖ (descent first) | error to −h²Hg | error to the B-GR step |\n"
                + "|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < n; i++) {
            md.append(String.format("| %.5g | %.3e | %.3e | %.1e | %.3e | %.3e | %.1e |%n", hs[i], rows.get(2 * i).get("displacement_norm"), err[0][i],
                    err[1][i], rows.get(2 * i + 1).get("displacement_norm"), err[2][i], err[3][i]));
        }
        md.append(String.format("%nLog-log slope of the error to −h²Hg against h: **%.3f** (ascent first), %.3f (descent first); expected 3. "
                + "Largest difference to the one-sided GR step, relative to h‖g‖ (the size of the two terms whose difference is the "
                + "displacement): %.1e, i.e. rounding (of θ itself: ~1e-16‖θ‖ / (h‖g‖) at the smallest h). Every pair took the expected signs (below b, "
                + "then above, or the reverse): %s.%n%n![mechanism](mechanism.png)%n%n", slope, slopeB, maxId, signs ? "yes" : "no"));
        ctx.log().printf("flooding mechanism: slope %.3f (ascent first), %.3f (descent first), identity %.1e%n", slope, slopeB, maxId);
        return new Mechanism(slope, slopeB, maxId, maxId < 1e-9, signs, md.toString()); // a real gap would be ~h‖Hg‖/‖g‖ ≥ 1e-5 here
    }

    record Training(boolean tracks, String setting, String summary, String markdown) {}

    /** Part (b): full-batch plain GD, flooding and the matching F-GR, through the train command. */
    static Training training(Context ctx) {
        Task t = task(ctx.quick());
        RunSpec.Data data = ctx.quick() ? Repro.blobs(ctx.out().resolve("data"), t.trainSize(), 256, 20, 4, 1.0).spec()
                : Protocols.mnist(t.trainSize());
        RunSpec base = Protocols.fullBatch(Protocols.on(data, t.model()), t.trainSize(), t.steps(), t.evalEvery()).withLr(t.lr());
        Map<String, RunSpec> variants = variants(base, t);
        Path runsDir = Repro.runsDir(ctx, "flooding-fullbatch");
        List<SweepSpec.Run> runs = new ArrayList<>();
        for (Map.Entry<String, RunSpec> v : variants.entrySet()) {
            for (String seed : t.seeds()) {
                runs.add(new SweepSpec.Run(runId(v.getKey(), seed), v.getValue().withSeed(Long.parseLong(seed)),
                        Protocols.labels("variant", v.getKey(), "seed", seed)));
            }
        }
        long t0 = System.nanoTime();
        List<Sweep.Outcome> outcomes = Repro.sweep(new SweepSpec("flooding", runsDir, runs), ctx);
        double minutes = (System.nanoTime() - t0) / 60e9;

        String setting = String.format("%s, %d training samples, %s, lr h = %s, b = %s, F-GR γ = %s ε = %s, %d steps", t.data(), t.trainSize(), t.model(),
                t.lr(), t.level(), t.gamma(), t.eps(), t.steps());
        StringBuilder md = new StringBuilder("### (b) Full-batch training\n\n");
        md.append(String.format("Full-batch gradient descent (`--batch-size` = the training set: one step per epoch) on %s; full-set "
                + "‖∇L‖², R_IG = ‖∇L‖²/m and test accuracy every %d steps. Three runs per seed: plain GD, flooding at b = %s (a level the "
                + "training loss reaches), and F-GR with ε = h = %s and γ = h/2 = %s: a flooding pair moves θ by −h²Hg in two steps, and "
                + "F-GR's penalty part moves it by −hγHg per step, so γ = h/2 matches the two. Seeds: %d.%n%n", setting, t.evalEvery(),
                t.level(), t.eps(), t.gamma(), t.seeds().size()));
        md.append("| seed | run | final L | final ‖∇L‖² | final R_IG | final test acc | first step with L < b | fraction of later steps below b "
                + "| ‖∇L‖² at L = b |\n|---|---|---|---|---|---|---|---|---|\n");
        List<SweepTable.Row> rows = new ArrayList<>();
        int tracked = 0;
        List<String> per = new ArrayList<>();
        List<String> floodRatios = new ArrayList<>();
        List<String> fgrRatios = new ArrayList<>();
        LinePlot lossPlot = LinePlot.titled("Training loss L (full batch), seed " + t.seeds().get(0)).xLabel("step").yLabel("L").logY();
        LinePlot gradPlot = LinePlot.titled("|grad L|^2 on the training set, seed " + t.seeds().get(0)).xLabel("step").yLabel("|grad L|^2").logY();
        LinePlot phase = LinePlot.titled("|grad L|^2 against L, seed " + t.seeds().get(0)).xLabel("L").yLabel("|grad L|^2").logX().logY();
        for (String seed : t.seeds()) {
            Map<String, double[][]> grad = new LinkedHashMap<>();
            Map<String, double[][]> loss = new LinkedHashMap<>();
            Map<String, Double> mOf = new LinkedHashMap<>();
            for (String v : variants.keySet()) {
                Path dir = runsDir.resolve(runId(v, seed));
                List<EpochMetrics> m = RunRecords.metrics(dir);
                double numParams = Json.read(dir.resolve("config.json")).path("parameters").asDouble(Double.NaN);
                mOf.put(v, numParams);
                loss.put(v, new double[][] {Repro.column(m, EpochMetrics::epoch), Repro.column(m, EpochMetrics::batchLoss)});
                double[] ev = Repro.column(m, EpochMetrics::epoch, Repro::evaluated);
                double[] rig = Repro.column(m, EpochMetrics::rIG, Repro::evaluated);
                double[] gn = new double[rig.length];
                for (int i = 0; i < rig.length; i++) {
                    gn[i] = rig[i] * numParams;
                }
                double[] lossAt = Repro.column(m, EpochMetrics::trainLoss, Repro::evaluated);
                grad.put(v, new double[][] {ev, gn, rig, lossAt, Repro.column(m, EpochMetrics::testAccuracy, Repro::evaluated)});
                Map<String, String> labels = new LinkedHashMap<>();
                labels.put("run", v);
                labels.put("seed", seed);
                rows.add(Repro.row(dir, labels));
                if (seed.equals(t.seeds().get(0))) {
                    lossPlot.series(v, loss.get(v)[0], loss.get(v)[1]);
                    gradPlot.series(v, ev, gn);
                    phase.series(v, lossAt, gn);
                }
            }
            double[] fl = loss.get("flood")[1];
            double[] flEp = loss.get("flood")[0];
            int first = -1;
            for (int i = 0; i < fl.length; i++) {
                if (fl[i] < t.level()) {
                    first = i;
                    break;
                }
            }
            int below = 0;
            for (int i = Math.max(first, 0); first >= 0 && i < fl.length; i++) {
                below += fl[i] < t.level() ? 1 : 0;
            }
            double frac = first < 0 ? Double.NaN : below / (double) (fl.length - first);
            double startEpoch = first < 0 ? Double.POSITIVE_INFINITY : flEp[first];
            // Flooding holds L at b while plain GD and F-GR go on down, so ‖∇L‖² is compared at the same loss, L = b: plain's and
            // F-GR's when they cross b, flooding's when it first reaches b and at the end. The mechanism predicts that flooding,
            // oscillating around b, descends the penalty along the level set: its ‖∇L‖² at L ≈ b falls.
            double plainAtB = atLevel(grad.get("plain"), t.level());
            double fgrAtB = atLevel(grad.get("fgr"), t.level());
            double[][] fg = grad.get("flood");
            // Flooding's ‖∇L‖² near the level over the second half of training: geometric mean over the evaluations with |L − b| ≤ 0.2 b.
            double logSum = 0;
            int near = 0;
            for (int i = 0; i < fg[0].length; i++) {
                if (fg[0][i] >= t.steps() / 2.0 && Math.abs(fg[3][i] - t.level()) <= 0.2 * t.level()) {
                    logSum += Math.log(fg[1][i]);
                    near++;
                }
            }
            double floodLate = near == 0 ? Double.NaN : Math.exp(logSum / near);
            boolean tr = near > 0 && floodLate < plainAtB;
            tracked += tr ? 1 : 0;
            floodRatios.add(String.format("%.2f×", floodLate / plainAtB));
            fgrRatios.add(String.format("%.2f×", fgrAtB / plainAtB));
            per.add(String.format("seed %s: flooding reached b at step %s and then spent %.0f%% of its steps below b; at L = b, ‖∇L‖² was %.3e for "
                    + "plain GD and %.3e for F-GR (%.2f× plain's) when they crossed b, and %.3e for flooding in the second half of training "
                    + "(%.2f× plain's; geometric mean of the %d evaluations with |L − b| ≤ 0.2b)", seed, first < 0 ? "never" : String.valueOf((int) startEpoch),
                    100 * frac, plainAtB, fgrAtB, fgrAtB / plainAtB, floodLate, floodLate / plainAtB, near));
            final double fl2 = floodLate;
            for (String v : variants.keySet()) {
                double[][] g = grad.get(v);
                int last = g[0].length - 1;
                md.append(String.format("| %s | %s | %.4f | %.3e | %.3e | %.2f%% | %s | %s | %s |%n", seed, label(v, t), g[3][last], g[1][last], g[2][last],
                        100 * g[4][last], v.equals("flood") ? (first < 0 ? "never" : String.valueOf((int) startEpoch)) : "",
                        v.equals("flood") && first >= 0 ? String.format("%.2f", frac) : "",
                        v.equals("flood") && first >= 0 ? String.format("%.3e (second half, L within 20%% of b)", fl2)
                                : String.format("%.3e", atLevel(grad.get(v), t.level()))));
            }
        }
        SweepTable.write(ctx.out(), rows);
        lossPlot.write(ctx.out().resolve("fullbatch-loss.png"));
        gradPlot.write(ctx.out().resolve("fullbatch-grad.png"));
        phase.write(ctx.out().resolve("fullbatch-phase.png"));
        boolean tracks = tracked == t.seeds().size();
        md.append(String.format("%n%s.%n%nAt the same step the three are not comparable: flooding holds L at b while the other two go on "
                + "down, so its ‖∇L‖² stays far above theirs (see the plots). Compared at the same loss, the mechanism's consequence is that "
                + "flooding, once it oscillates around b, keeps lowering ‖∇L‖² along the level set L ≈ b (a penalty-only F-GR step every two "
                + "steps), to below what plain GD had at L = b, as F-GR's penalty does. Counted as tracking when flooding's ‖∇L‖² near b in the "
                + "second half of training is below plain GD's at L = b: %s in %d of %d seeds.%n%n", String.join("; ", per),
                tracks ? "yes" : "no", tracked, t.seeds().size()));
        md.append("![loss](fullbatch-loss.png) ![grad](fullbatch-grad.png) ![phase](fullbatch-phase.png)\n\n");
        md.append("Time: ").append(Repro.sweepTime(ctx, outcomes, minutes)).append(".\n\nFiles: mechanism.json, runs.csv, summary.csv, summary.md.\n");
        String summary = String.format("once it oscillates around b, flooding's ‖∇L‖² at L ≈ b is below plain GD's at L = b (as F-GR's is) in %d of %d seeds "
                + "(flooding's over plain's, by seed: %s; F-GR's: %s)", tracked, t.seeds().size(), String.join(", ", floodRatios),
                String.join(", ", fgrRatios));
        return new Training(tracks, setting, summary, md.toString());
    }

    /**
     * The three runs per seed: plain GD, flooding at the level b, and F-GR with ε = h and γ = h/2
     * (the flooding pair's −h² H g over two steps).
     */
    static Map<String, RunSpec> variants(RunSpec base, Task t) {
        Map<String, RunSpec> v = new LinkedHashMap<>();
        v.put("plain", base.withMethodName("plain"));
        v.put("flood", base.withMethodName("flood").withOptions(o -> o.withFlood(t.level())));
        v.put("fgr", base.withMethodName("gr").withOptions(o -> o.withSecondOrder(SecondOrder.FORWARD).withGamma(t.gamma()).withEps(t.eps())));
        return v;
    }

    /** The directory name of a variant's run with {@code seed}. */
    static String runId(String variant, String seed) {
        return variant + "_seed=" + seed;
    }

    static String label(String v, Task t) {
        return switch (v) {
            case "plain" -> "plain GD";
            case "flood" -> "flooding b=" + t.level();
            default -> "F-GR γ=" + t.gamma() + " ε=" + t.eps();
        };
    }

    /**
     * ‖∇L‖² where the loss first comes down to {@code level}: log-log interpolation between the two evaluations that bracket it
     * (rows of {@code g}: step, ‖∇L‖², R_IG, L, test accuracy). NaN if the run never gets there.
     */
    static double atLevel(double[][] g, double level) {
        for (int i = 1; i < g[0].length; i++) {
            if (g[3][i] <= level && g[3][i - 1] > level) {
                double w = Math.log(g[3][i - 1] / level) / Math.log(g[3][i - 1] / g[3][i]);
                return Math.exp(Math.log(g[1][i - 1]) + w * (Math.log(g[1][i]) - Math.log(g[1][i - 1])));
            }
        }
        return g[3].length > 0 && g[3][0] <= level ? g[1][0] : Double.NaN;
    }
}
