package io.gradreg.repro;

import io.gradreg.io.AtomicFiles;
import io.gradreg.stats.Stats;
import io.gradreg.sweep.Sweep;
import io.gradreg.sweep.SweepSpec;
import io.gradreg.train.RunSpec;
import java.util.ArrayList;
import java.util.Comparator;
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

    /** One arm: a configuration of small-mnist, with {@code unlabeled} unlabeled inputs for its penalty (0: none). */
    record Arm(String key, String label, SmallMnist.Variant variant, long unlabeled) {
        /** The arm's run of small-mnist's protocol {@code base}. */
        RunSpec spec(RunSpec base) {
            RunSpec s = variant.spec(base);
            return unlabeled == 0 ? s : s.withData(s.data().withUnlabeledSize(unlabeled));
        }
    }

    static List<Arm> arms(boolean quick) {
        SmallMnist.Variant spectreg = SmallMnist.variant("wd-dropout.spectreg0.03");
        int unlabeled = quick ? 40 : UNLABELED;
        return List.of(
                new Arm("wd-dropout.baseline", "no GR", SmallMnist.variant("wd-dropout.baseline"), 0),
                new Arm(spectreg.key(), "SpectReg 0.03 on the labeled batch", spectreg, 0),
                new Arm(spectreg.key() + "-unlabeled" + unlabeled, "SpectReg 0.03 on an unlabeled batch", spectreg, unlabeled));
    }

    static SweepSpec spec(Context ctx) {
        SweepSpec mnist = SmallMnist.spec(ctx);
        RunSpec base = SmallMnist.base(ctx);
        int seeds = ctx.quick() ? 2 : SmallMnist.SEEDS;
        List<SweepSpec.Run> runs = new ArrayList<>();
        // The unlabeled arm (this experiment's own runs) first, over every seed; then small-mnist's runs
        // it shares, which a small-mnist sweep running beside this one has most likely finished by then.
        List<Arm> order = new ArrayList<>(arms(ctx.quick()));
        order.sort(Comparator.comparing(a -> a.unlabeled() == 0)); // stable: the others keep their order
        for (Arm a : order) {
            for (int s = 1; s <= seeds; s++) {
                runs.add(Protocols.variant(SmallMnist.runId(a.key(), s), a.spec(base).withSeed(s)));
            }
        }
        return new SweepSpec("semi-supervised", mnist.out(), runs);
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
                v[s - 1] = Repro.finalTestAccuracy(spec.out().resolve(SmallMnist.runId(a.key(), s)));
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
            Stats.MeanStd ms = Stats.meanStd(v);
            Stats.Paired db = Stats.pairedDiff(v, base);
            Stats.Paired dl = Stats.pairedDiff(v, lab);
            md.append(String.format("| %s | %s | %s | %s |%n", a.label(), Repro.pct(ms), a == arms.get(0) ? "" : cell(db, v, base),
                    a == arms.get(2) ? cell(dl, v, lab) : ""));
            csv.append(String.join(",", a.key(), String.valueOf(v.length), String.valueOf(ms.mean()), String.valueOf(ms.std()),
                    String.valueOf(db.mean()), String.valueOf(db.se()), String.valueOf(dl.mean()), String.valueOf(dl.se()))).append('\n');
        }
        AtomicFiles.writeString(ctx.out().resolve("semi-supervised.csv"), csv.toString());
        md.append("\nTime: ").append(Repro.sweepTime(ctx, outcomes, minutes)).append(".\n");
        Stats.Paired d = Stats.pairedDiff(unl, lab);
        Stats.Paired db = Stats.pairedDiff(unl, base);
        String verdict = (d.mean() > 0 && d.mean() >= 2 * d.se() ? "supported" : d.mean() <= 0 || d.mean() < d.se() ? "not supported" : "inconclusive")
                + String.format(" (our experiment, not the paper's): SpectReg on %d unlabeled images vs on the 2000 labeled ones: paired Δ %+.2f ± %.2f "
                        + "points over %d seeds; vs no GR %+.2f ± %.2f", ctx.quick() ? 40 : UNLABELED, 100 * d.mean(), 100 * d.se(), seeds,
                        100 * db.mean(), 100 * db.se());
        return new Report(verdict, md.toString());
    }

    private static String cell(Stats.Paired d, double[] a, double[] b) {
        return String.format("%+.2f ± %.2f (%d/%d)", 100 * d.mean(), 100 * d.se(), Stats.seedsWon(a, b), a.length);
    }
}
