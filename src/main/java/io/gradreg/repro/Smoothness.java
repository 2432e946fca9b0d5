package io.gradreg.repro;

import io.gradreg.data.Dataset;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.engine.Tensors;
import io.gradreg.io.Json;
import io.gradreg.io.LinePlot;
import io.gradreg.method.InputPenalty;
import io.gradreg.method.Loss;
import io.gradreg.method.SecondOrder;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Mlp;
import io.gradreg.nn.Net;
import io.gradreg.stats.Stats;
import io.gradreg.train.OptimizerSpec;
import io.gradreg.train.Schedule;
import io.gradreg.train.TrainConfig;
import io.gradreg.train.Trainer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;

/**
 * Seed 002's "local vs global gradient control" on its authors' protocol (toy.py, see
 * paper-protocols.md): y = sin(5x) + N(0, 0.1²) at 100 points x ~ U[−1, 1); 5 hidden dense layers
 * of 64 ReLU; Adam lr 0.01, ×0.1 at 50 % and ×0.01 at 75 % of 10,000 steps; batch 50; SpectReg with
 * one scalar r per batch. The measure is the MSE against the noiseless sin(5x) on their 900-point
 * grid x = −1 + 2i/900, over a λ grid and several seeds.
 *
 * <p>Their objective is ½·Σ over the batch of the squared error plus λ·mean_i (r f′(x_i))²; ours is
 * the mean of ½(f − y)² plus λ′·mean_i (r f′(x_i))². Theirs is 50 × ours with λ′ = λ / 50, and
 * Adam's step does not change when the objective is multiplied by a constant (up to its ε = 1e-8
 * next to √v), so λ′ = λ / 50 reproduces their training exactly in that sense.
 */
public final class Smoothness implements Experiment {
    static final double[] LAMBDAS = {0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1};
    static final double[] PAPER_MSE_1E5 = {16.6, 24.5, 2.5, 2.3, 1.6, 3.4, 74.9, 497.7};
    static final int BATCH = 50;
    static final int TRAIN_POINTS = 100;
    static final int GRID = 900;
    static final double NOISE = 0.1;

    @Override
    public String name() {
        return "smoothness";
    }

    @Override
    public String claim() {
        return "seed 002: SpectReg on 100 noisy points of a 1-D regression lowers the MSE to the true function on the whole domain, "
                + "U-shaped in lambda, about 10x at the best lambda";
    }

    /** The noiseless target. */
    static double truth(double x) {
        return Math.sin(5 * x);
    }

    @Override
    public Report run(Context ctx) {
        Engine.start(1); // a 1-D input and batches of 50: intra-op threads would only add synchronisation
        boolean q = ctx.quick();
        double[] lambdas = q ? new double[] {0, 0.03, 1} : LAMBDAS;
        long[] seeds = q ? new long[] {1} : new long[] {1, 2, 3, 4, 5};
        int steps = q ? 200 : 10_000;
        int[] widths = {1, 64, 64, 64, 64, 64, 1};
        Dataset grid = grid();
        double[] gx = Tensors.toDoubles(grid.x());
        double[] gy = Tensors.toDoubles(grid.y());
        Path runs = q ? ctx.out().resolve("runs") : Path.of("runs", "reproduce", "smoothness");

        long t0 = System.nanoTime();
        int ran = 0;
        double[][] mse = new double[lambdas.length][seeds.length];
        Map<String, double[]> fits = new LinkedHashMap<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        // Seed-major, so that a partial run already has whole λ curves.
        for (int i = 0; i < seeds.length; i++) {
            for (int l = 0; l < lambdas.length; l++) {
                Path f = runFile(runs, lambdas[l], seeds[i]);
                if (!Files.isRegularFile(f)) {
                    long s0 = System.nanoTime();
                    double[] fit = train(lambdas[l], seeds[i], steps, widths);
                    double m = 0;
                    for (int j = 0; j < fit.length; j++) {
                        m += (fit[j] - gy[j]) * (fit[j] - gy[j]) / fit.length;
                    }
                    double sec = (System.nanoTime() - s0) / 1e9;
                    Json.writeFile(f, Map.of("lambda", lambdas[l], "seed", seeds[i], "mse", m, "fit", fit, "seconds", sec));
                    ran++;
                    ctx.log().printf("seed %d lambda %-6s MSE to sin(5x) %.3e (%.0f s)%n", seeds[i], lambdas[l], m, sec);
                    ctx.log().flush();
                }
            }
        }
        for (int l = 0; l < lambdas.length; l++) {
            for (int i = 0; i < seeds.length; i++) {
                JsonNode r = Json.read(runFile(runs, lambdas[l], seeds[i]));
                mse[l][i] = r.get("mse").asDouble();
                double[] fit = new double[GRID];
                for (int j = 0; j < GRID; j++) {
                    fit[j] = r.get("fit").get(j).asDouble();
                }
                fits.put(l + "/" + i, fit);
                rows.add(Map.of("lambda", lambdas[l], "seed", seeds[i], "mse", mse[l][i], "seconds", r.get("seconds").asDouble()));
            }
            Stats.MeanStd ms = Stats.meanStd(mse[l]);
            ctx.log().printf("lambda %-6s MSE to sin(5x) %.3e ± %.1e%n", lambdas[l], ms.mean(), ms.std());
            ctx.log().flush();
        }
        double minutes = (System.nanoTime() - t0) / 60e9;

        double[] mean = new double[lambdas.length];
        double[] std = new double[lambdas.length];
        double[] ratio = new double[lambdas.length];
        double[] ratioLo = new double[lambdas.length];
        double[] ratioHi = new double[lambdas.length];
        int better = 0;
        for (int l = 0; l < lambdas.length; l++) {
            Stats.MeanStd ms = Stats.meanStd(mse[l]);
            mean[l] = ms.mean();
            std[l] = ms.std();
            // per-seed ratio to λ = 0 on the same data and initialisation (paired)
            double[] r = new double[seeds.length];
            for (int i = 0; i < seeds.length; i++) {
                r[i] = mse[l][i] / mse[0][i];
            }
            ratio[l] = geoMean(r);
            ratioLo[l] = java.util.Arrays.stream(r).min().orElse(Double.NaN);
            ratioHi[l] = java.util.Arrays.stream(r).max().orElse(Double.NaN);
        }
        int best = 0;
        for (int l = 1; l < lambdas.length; l++) {
            best = mean[l] < mean[best] ? l : best;
        }
        for (int i = 0; i < seeds.length; i++) {
            better += mse[best][i] < mse[0][i] ? 1 : 0;
        }
        int last = lambdas.length - 1;
        Json.writeFile(ctx.out().resolve("smoothness.json"), Map.of("lambdas", lambdas, "mse_mean", mean, "mse_std", std,
                "ratio_to_lambda0_geomean", ratio, "runs", rows,
                "setup", Map.of("widths", widths, "steps", steps, "batch", BATCH, "optimizer", "adam lr 0.01, x0.1 at 50%, x0.01 at 75%",
                        "truth", "sin(5x) on [-1, 1), labels + N(0, 0.1^2)", "lambda_ours", "lambda / 50 (their loss is a half-sum over the batch of 50)")));

        LinePlot fp = LinePlot.titled("Fits from 100 noisy points (seed " + seeds[0] + ")").xLabel("x").yLabel("f(x)");
        fp.series("sin(5x)", gx, gy);
        for (int l : new java.util.TreeSet<>(List.of(0, best, last))) {
            fp.series("λ = " + lambdas[l] + (l == best ? " (best)" : ""), gx, fits.get(l + "/0"));
        }
        fp.write(ctx.out().resolve("fits.png"));
        double[] lx = new double[last];
        double[] ly = new double[last];
        double[] py = new double[last];
        for (int l = 1; l <= last; l++) {
            lx[l - 1] = lambdas[l];
            ly[l - 1] = ratio[l];
            int p = java.util.Arrays.binarySearch(LAMBDAS, lambdas[l]);
            py[l - 1] = p >= 0 ? PAPER_MSE_1E5[p] / PAPER_MSE_1E5[0] : Double.NaN;
        }
        LinePlot.titled("MSE to sin(5x) relative to λ = 0").xLabel("SpectReg λ (paper's units)").yLabel("MSE(λ) / MSE(0)").logX().logY()
                .series("ours (geometric mean over seeds of the paired ratio)", lx, ly).series("paper (one seed)", lx, py)
                .write(ctx.out().resolve("mse.png"));

        double gain = mean[0] / mean[best];
        boolean uShape = best > 0 && best < last && mean[last] > mean[best];
        String verdict = best == 0
                ? String.format("not reproduced: no λ > 0 lowers the mean MSE below λ = 0 (%.2e); paper: U-shaped, about 10× lower at λ = 0.03", mean[0])
                : (uShape && gain >= 5 ? "reproduced" : uShape && gain > 1.5 ? "partly reproduced" : "not reproduced")
                        + String.format(": the mean MSE is lowest at λ = %s, %.1f× below λ = 0 (better on %d of %d seeds), and %s at λ = %s; "
                                + "the curve is %sU-shaped (paper: best λ 0.03, 10.4× below λ = 0, 30× above it at λ = 1)",
                                lambdas[best], gain, better, seeds.length, mean[last] > mean[0] ? String.format("%.0f× above λ = 0", mean[last] / mean[0])
                                        : String.format("%.1f× below λ = 0", mean[0] / mean[last]), lambdas[last], uShape ? "" : "not ");

        StringBuilder md = new StringBuilder();
        md.append(String.format("Authors' protocol (their `toy.py`, see `paper-protocols.md`): y = sin(5x) + N(0, 0.1²) at %d points x ~ U[−1, 1) "
                + "(data, noise and initialisation drawn per seed); MLP %s ReLU, PyTorch's default initialisation; Adam lr 0.01, ×0.1 from step "
                + "%d, ×0.01 from step %d, %d steps, batch %d (shuffled epochs); SpectReg exact (double backpropagation), one scalar r ~ N(0, 1) per "
                + "batch (`--projection batch`); MSE against the noiseless sin(5x) on the 900-point grid x = −1 + 2i/900; %d seeds (%s). "
                + "λ is in the paper's units; we train with λ/50, since their loss is a half-sum over the batch of 50 and ours a mean "
                + "(the same Adam trajectory up to its ε; see `repro/Smoothness.java`). The authors ran one seed; their TF schedule switches "
                + "one step later (step 5,001 and 7,501).%n%n",
                TRAIN_POINTS, java.util.Arrays.toString(widths), steps / 2, steps * 3 / 4, steps, BATCH, seeds.length,
                java.util.Arrays.toString(seeds)));
        md.append("| λ | MSE ours (mean ± std) | MSE(λ)/MSE(0) ours, paired: geometric mean [min, max] over seeds | paper MSE (×1e-5) | paper MSE(λ)/MSE(0) |\n"
                + "|---|---|---|---|---|\n");
        for (int l = 0; l < lambdas.length; l++) {
            int p = java.util.Arrays.binarySearch(LAMBDAS, lambdas[l]);
            md.append(String.format("| %s | %.3e ± %.1e | %.2f [%.2f, %.2f] | %s | %s |%n", lambdas[l], mean[l], std[l], ratio[l], ratioLo[l], ratioHi[l],
                    p >= 0 ? PAPER_MSE_1E5[p] : "–", p >= 0 ? String.format("%.2f", PAPER_MSE_1E5[p] / PAPER_MSE_1E5[0]) : "–"));
        }
        md.append("\nThe paper's MSE normalization is unknown (their held-out loss is a per-batch half-sum), so only the shape and the ratios compare. "
                + String.format("Time: %d of %d runs trained in this invocation, %.1f min of wall time, in one process (one libtorch thread) on a 2-core "
                        + "machine shared with other jobs; each run's seconds are in smoothness.json.%n%n", ran, lambdas.length * seeds.length, minutes)
                + "![mse](mse.png) ![fits](fits.png)\n");
        return new Report(verdict, md.toString());
    }

    private static Path runFile(Path runs, double lambda, long seed) {
        return runs.resolve("lambda=" + lambda + "_seed=" + seed + ".json");
    }

    /** One run: the fit on the grid after training with SpectReg λ (paper's units) from seed {@code seed}. */
    static double[] train(double lambda, long seed, int steps, int[] widths) {
        Dataset train = points(seed);
        Engine.seed(seed);
        Net net = new Mlp(widths, Activation.RELU, 0, false).to(DType.FLOAT32);
        InputPenalty spectreg = new InputPenalty(InputPenalty.Kind.SPECTREG, lambda / BATCH, SecondOrder.EXACT, 0, 0, InputPenalty.Projection.BATCH);
        TrainConfig cfg = new TrainConfig(spectreg, new OptimizerSpec(OptimizerSpec.Kind.ADAM, 0.01, 0, false, 0), Schedule.STEP, 0, steps,
                BATCH, true, seed);
        Trainer t = new Trainer(net, Loss.SQUARED_ERROR, cfg.withEvalEvery(Integer.MAX_VALUE / 2));
        t.fit(train, null, Trainer.Listener.NONE);
        return predict(net, grid());
    }

    /** The 100 training points of {@code seed}: x ~ U[−1, 1), y = sin(5x) + N(0, 0.1²). */
    static Dataset points(long seed) {
        Random r = new Random(seed);
        double[] x = new double[TRAIN_POINTS];
        double[] y = new double[TRAIN_POINTS];
        for (int i = 0; i < TRAIN_POINTS; i++) {
            x[i] = -1 + 2 * r.nextDouble();
        }
        for (int i = 0; i < TRAIN_POINTS; i++) {
            y[i] = truth(x[i]) + NOISE * r.nextGaussian();
        }
        return Dataset.regression(x, new long[] {TRAIN_POINTS, 1}, y, new long[] {TRAIN_POINTS, 1}, DType.FLOAT32);
    }

    /** The authors' evaluation grid x = −1 + 2i/900, i = 0 … 899, with the noiseless targets. */
    static Dataset grid() {
        double[] x = new double[GRID];
        double[] y = new double[GRID];
        for (int i = 0; i < GRID; i++) {
            x[i] = -1 + 2.0 * i / GRID;
            y[i] = truth(x[i]);
        }
        return Dataset.regression(x, new long[] {GRID, 1}, y, new long[] {GRID, 1}, DType.FLOAT32);
    }

    private static double geoMean(double[] v) {
        double s = 0;
        for (double d : v) {
            s += Math.log(d);
        }
        return Math.exp(s / v.length);
    }

    private static double[] predict(Net net, Dataset d) {
        net.eval();
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            return Tensors.toDoubles(net.forward(d.x()));
        } finally {
            net.train(true);
        }
    }
}
