package io.gradreg.repro;

import io.gradreg.io.AtomicFiles;
import io.gradreg.sweep.Sweep;
import io.gradreg.sweep.SweepSpec;
import io.gradreg.sweep.SweepTable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SpectReg on unlabeled inputs: <b>our experiment, not the paper's</b>. Seed 002 notes that
 * SpectReg needs no labels; here the 2000 labeled MNIST samples of {@link SmallMnist}'s protocol
 * (weight decay 0.0005 on weights, dropout 0.5: the defaults of the authors' classifier.py) are
 * trained with SpectReg λ 0.03 on the labeled batch, or on a batch of 50 of 20,000 unlabeled
 * training images beside each labeled batch ({@code --unlabeled-size 20000}), against no GR.
 * The baseline and labeled-SpectReg runs are {@link SmallMnist}'s (same run directory and flags),
 * so running small-mnist first makes them free here.
 */
public final class SemiSupervised implements Experiment {
    static final int UNLABELED = 20_000;

    @Override
    public String name() {
        return "semi-supervised";
    }

    @Override
    public String claim() {
        return "ours (not a claim of the paper): SpectReg applied to 20,000 unlabeled MNIST images beside 2000 labeled ones "
                + "beats SpectReg on the labeled ones only";
    }

    record Arm(String key, String label, Map<String, String> flags) {}

    static List<Arm> arms(boolean quick) {
        return List.of(
                new Arm("wd-dropout.baseline", "no GR", Map.of("method", "plain")),
                new Arm("wd-dropout.spectreg0.03", "SpectReg 0.03 on the labeled batch", Map.of("method", "spectreg", "lambda", "0.03")),
                new Arm("wd-dropout.spectreg0.03-unlabeled" + (quick ? 40 : UNLABELED), "SpectReg 0.03 on an unlabeled batch",
                        Map.of("method", "spectreg", "lambda", "0.03", "unlabeled-size", String.valueOf(quick ? 40 : UNLABELED))));
    }

    static SweepSpec spec(Context ctx) {
        SweepSpec mnist = SmallMnist.spec(ctx);
        int seeds = ctx.quick() ? 2 : SmallMnist.SEEDS;
        Map<String, Map<String, String>> variants = new LinkedHashMap<>();
        // The unlabeled arm (this experiment's own runs) first, over every seed; then small-mnist's runs
        // it shares, which a small-mnist sweep running beside this one has most likely finished by then.
        List<Arm> order = new java.util.ArrayList<>(arms(ctx.quick()));
        order.sort(java.util.Comparator.comparing(a -> !a.flags().containsKey("unlabeled-size"))); // stable: the others keep their order
        for (Arm a : order) {
            for (int s = 1; s <= seeds; s++) {
                Map<String, String> f = new LinkedHashMap<>();
                f.put("weight-decay", "0.0005");
                f.put("dropout", "0.5");
                f.putAll(a.flags());
                f.put("seed", String.valueOf(s));
                variants.put(a.key() + "_seed=" + s, f);
            }
        }
        return SweepSpec.fromFlags("semi-supervised", mnist.out(), SmallMnist.base(ctx), variants, Map.of());
    }

    @Override
    public Report run(Context ctx) {
        SweepSpec spec = spec(ctx);
        int seeds = ctx.quick() ? 2 : SmallMnist.SEEDS;
        long t0 = System.nanoTime();
        List<Sweep.Outcome> outcomes = Repro.sweep(spec, ctx);
        double minutes = (System.nanoTime() - t0) / 60e9;
        List<Arm> arms = arms(ctx.quick());
        Map<String, double[]> acc = new LinkedHashMap<>();
        for (Arm a : arms) {
            double[] v = new double[seeds];
            for (int s = 1; s <= seeds; s++) {
                v[s - 1] = Repro.summary(spec.out().resolve(a.key() + "_seed=" + s), "final_test_accuracy");
            }
            acc.put(a.key(), v);
        }
        double[] base = acc.get(arms.get(0).key());
        double[] lab = acc.get(arms.get(1).key());
        double[] unl = acc.get(arms.get(2).key());
        StringBuilder md = new StringBuilder("**This experiment is ours, not the paper's.** ");
        md.append(String.format("Protocol of small-mnist (seed 002's authors' protocol, WD 0.0005 on weights, dropout 0.5, %s 10,000 steps of "
                + "batch 50); the unlabeled images are %d of the training file's first 50k not among the 2000 labeled ones, drawn with the "
                + "seed; each step's SpectReg penalty runs on 50 of them (a fresh permutation per pass) instead of on the labeled batch "
                + "(`train --unlabeled-size %d`); %d seeds. Test accuracy (%%) on the 10k held-out images.%n%n",
                "Adam 1e-3 with ×0.1/×0.01 at 50 %/75 % of", ctx.quick() ? 40 : UNLABELED, ctx.quick() ? 40 : UNLABELED, seeds));
        md.append("| arm | mean ± std | paired Δ vs no GR ± SE (seeds won) | paired Δ vs SpectReg on labeled ± SE (seeds won) |\n|---|---|---|---|\n");
        StringBuilder csv = new StringBuilder("arm,n,mean,std,diff_vs_baseline,se_vs_baseline,diff_vs_labeled,se_vs_labeled\n");
        for (Arm a : arms) {
            double[] v = acc.get(a.key());
            double[] ms = SweepTable.meanStd(v);
            double[] db = Repro.pairedDiff(v, base);
            double[] dl = Repro.pairedDiff(v, lab);
            md.append(String.format("| %s | %s | %s | %s |%n", a.label(), Repro.pct(ms), a == arms.get(0) ? "" : cell(db, v, base),
                    a == arms.get(2) ? cell(dl, v, lab) : ""));
            csv.append(String.join(",", a.key(), String.valueOf(v.length), String.valueOf(ms[0]), String.valueOf(ms[1]), String.valueOf(db[0]),
                    String.valueOf(db[1]), String.valueOf(dl[0]), String.valueOf(dl[1]))).append('\n');
        }
        AtomicFiles.writeString(ctx.out().resolve("semi-supervised.csv"), csv.toString());
        md.append("\nTime: ").append(Repro.sweepTime(ctx, outcomes, minutes)).append(".\n");
        double[] d = Repro.pairedDiff(unl, lab);
        double[] db = Repro.pairedDiff(unl, base);
        String verdict = (d[0] > 0 && d[0] >= 2 * d[1] ? "supported" : d[0] <= 0 || d[0] < d[1] ? "not supported" : "inconclusive")
                + String.format(" (our experiment, not the paper's): SpectReg on %d unlabeled images vs on the 2000 labeled ones: paired Δ %+.2f ± %.2f "
                        + "points over %d seeds; vs no GR %+.2f ± %.2f", ctx.quick() ? 40 : UNLABELED, 100 * d[0], 100 * d[1], seeds, 100 * db[0], 100 * db[1]);
        return new Report(verdict, md.toString());
    }

    private static String cell(double[] d, double[] a, double[] b) {
        return String.format("%+.2f ± %.2f (%d/%d)", 100 * d[0], 100 * d[1], Repro.seedsWon(a, b), a.length);
    }
}
