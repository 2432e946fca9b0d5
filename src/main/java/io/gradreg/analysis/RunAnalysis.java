package io.gradreg.analysis;

import io.gradreg.GradregException;
import io.gradreg.data.Dataset;
import io.gradreg.io.Json;
import io.gradreg.io.LinePlot;
import io.gradreg.method.Loss;
import io.gradreg.nn.Net;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The loss-landscape analysis of one set of weights ({@code gradreg analyze}): loss and accuracy,
 * R_IG and λ = h·m/4, the top Hessian eigenvalue (Lanczos) and trace (Hutchinson), the sharpness
 * within radius ρ, and accuracy under parameter noise; written as analysis.json and noise.png.
 * The command line and the reproductions call it alike.
 *
 * @param clean loss and accuracy on the analysed split
 * @param noiseName the split the noise robustness was measured on
 * @param noiseSamples its size
 * @param seconds wall time per estimator
 */
public record RunAnalysis(Options options, long parameters, long samples, FullBatch.LossAccuracy clean, Landscape.ImplicitRegularizer ir,
        Hessian.Eigen eigen, Hessian.Trace trace, long products, Landscape.Sharpness sharpness, List<Landscape.NoisePoint> noise,
        String noiseName, long noiseSamples, boolean classification, Map<String, Double> seconds) {

    /**
     * What to estimate and how precisely.
     *
     * @param on the split the landscape quantities use: train or test
     * @param lr the learning rate h for λ = h·m/4 (NaN: not known)
     * @param seed the estimators' random vectors
     */
    public record Options(String on, double rho, int ascentSteps, double[] sigmas, int repeats, int hutchinsonSamples, int maxIters, double tol,
            double lr, long seed) {
        public Options {
            if (!on.equals("train") && !on.equals("test")) {
                throw new GradregException("unknown split '" + on + "': expected train or test");
            }
            require(rho > 0 && Double.isFinite(rho), "--rho must be a positive number, got " + rho);
            require(ascentSteps >= 0, "--ascent-steps must be >= 0, got " + ascentSteps);
            require(sigmas.length > 0, "--sigmas needs at least one value");
            for (double s : sigmas) {
                require(s >= 0 && Double.isFinite(s), "--sigmas must be numbers >= 0, got " + s);
            }
            require(repeats >= 1, "--repeats must be >= 1, got " + repeats);
            require(hutchinsonSamples >= 2, "--hutchinson-samples must be >= 2 (for an error bar), got " + hutchinsonSamples);
            require(maxIters >= 1, "--max-iters must be >= 1, got " + maxIters);
            require(tol > 0 && tol < 1, "--tol must be in (0, 1), got " + tol);
            require(Double.isNaN(lr) || (lr > 0 && Double.isFinite(lr)), "--lr must be a positive number, got " + lr);
        }

        /** The analyze command's defaults, with the learning rate {@code lr} and seed {@code seed}. */
        public static Options defaults(double lr, long seed) {
            return new Options("train", 0.05, 10, new double[] {0, 0.01, 0.02, 0.05, 0.1}, 5, 20, 50, 1e-3, lr, seed);
        }

        public Options withSigmas(double... s) {
            return new Options(on, rho, ascentSteps, s, repeats, hutchinsonSamples, maxIters, tol, lr, seed);
        }

        public Options withEffort(int repeats, int maxIters, int hutchinsonSamples, int ascentSteps) {
            return new Options(on, rho, ascentSteps, sigmas, repeats, hutchinsonSamples, maxIters, tol, lr, seed);
        }

        /** The settings as analysis.json records them. */
        Map<String, Object> settings() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("on", on);
            m.put("rho", rho);
            m.put("ascent_steps", ascentSteps);
            m.put("sigmas", sigmas);
            m.put("repeats", repeats);
            m.put("hutchinson_samples", hutchinsonSamples);
            m.put("max_iters", maxIters);
            m.put("tol", tol);
            m.put("lr", Double.isNaN(lr) ? null : lr);
            m.put("seed", seed);
            return m;
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new GradregException(message);
            }
        }
    }

    /** Lanczos keeps {@code maxIters} vectors of m doubles: fail now rather than run out of heap midway. */
    public static void requireMemoryForLanczos(int maxIters, long m) {
        long need = (long) Math.min(maxIters, m) * m * Double.BYTES;
        long have = Runtime.getRuntime().maxMemory();
        if (need > have / 2) {
            throw new GradregException(String.format("--max-iters %d needs %.1f GB for the Lanczos vectors of %d parameters,"
                    + " more than half the Java heap (%.1f GB): lower --max-iters or raise -Xmx", maxIters, need / 1e9, m, have / 1e9));
        }
    }

    /**
     * Analyses {@code net} on {@code split}, and its robustness to noise on {@code noiseSplit}
     * (named {@code noiseName}); θ is left as it was.
     */
    public static RunAnalysis of(Net net, Loss loss, Dataset split, Dataset noiseSplit, String noiseName, Options o, ProgressListener progress) {
        Map<String, Double> seconds = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        FullBatch.LossAccuracy clean = FullBatch.evaluate(net, loss, split);
        Landscape.ImplicitRegularizer ir = Landscape.implicitRegularizer(net, loss, split, o.lr());
        seconds.put("gradient", lap(t0));
        Hessian hessian = new Hessian(net, loss, split).listener(progress);
        t0 = System.nanoTime();
        Hessian.Eigen eigen = hessian.topEigenvalue(o.maxIters(), o.tol(), o.seed());
        seconds.put("lanczos", lap(t0));
        t0 = System.nanoTime();
        Hessian.Trace trace = hessian.trace(o.hutchinsonSamples(), o.seed() + 1);
        seconds.put("hutchinson", lap(t0));
        t0 = System.nanoTime();
        Landscape.Sharpness sharp = Landscape.sharpness(net, loss, split, o.rho(), o.ascentSteps(), o.seed() + 2);
        seconds.put("sharpness", lap(t0));
        t0 = System.nanoTime();
        List<Landscape.NoisePoint> noise = Landscape.noiseRobustness(net, loss, noiseSplit, o.sigmas(), o.repeats(), o.seed() + 3, progress);
        seconds.put("noise", lap(t0));
        return new RunAnalysis(o, net.numParams(), split.size(), clean, ir, eigen, trace, hessian.products(), sharp, noise, noiseName,
                noiseSplit.size(), noiseSplit.isClassification(), seconds);
    }

    /**
     * analysis.json: {@code header} (what was analysed: weights, run, model), the results, and the
     * settings ({@code dataSettings} first: how the data was chosen).
     */
    public Map<String, Object> report(Map<String, Object> header, Map<String, Object> dataSettings) {
        Map<String, Object> report = new LinkedHashMap<>(header);
        report.put("parameters", parameters);
        report.put("split", options.on());
        report.put("samples", samples);
        report.put("loss", clean.loss());
        report.put("accuracy", clean.accuracy());
        report.put("gradient_norm", ir.gradNorm());
        report.put("R_IG", ir.rIG());
        report.put("lr", ir.lr());
        report.put("lambda", ir.lambda());
        report.put("lambda_R_IG", ir.penalty());
        report.put("R_IG_over_loss", ir.ratio());
        report.put("hessian", hessianJson(eigen, trace, products));
        report.put("sharpness", sharpnessJson(sharpness, eigen.value(), options.ascentSteps()));
        report.put("noise", noiseJson(noise, noiseName, noiseSamples));
        report.put("seconds", seconds);
        Map<String, Object> settings = new LinkedHashMap<>(dataSettings);
        settings.putAll(options.settings());
        report.put("settings", settings);
        return report;
    }

    /** Writes {@code dir}/analysis.json ({@link #report}) and {@code dir}/noise.png. */
    public void write(Path dir, Map<String, Object> header, Map<String, Object> dataSettings) {
        Json.writeFile(dir.resolve("analysis.json"), report(header, dataSettings));
        plotNoise(noise, classification, noiseName).write(dir.resolve("noise.png"));
    }

    private static double lap(long t0) {
        return Math.round((System.nanoTime() - t0) / 1e6) / 1e3;
    }


    private static Map<String, Object> hessianJson(Hessian.Eigen e, Hessian.Trace t, long products) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("top_eigenvalue", e.value());
        m.put("lanczos_iterations", e.iterations());
        m.put("lanczos_residual", e.residual());
        m.put("lanczos_converged", e.converged());
        m.put("smallest_ritz_value", e.smallest());
        m.put("trace", t.mean());
        m.put("trace_std_error", t.stdError());
        m.put("hutchinson_samples", t.samples());
        m.put("hessian_vector_products", products);
        return m;
    }


    private static Map<String, Object> sharpnessJson(Landscape.Sharpness s, double topEigenvalue, int ascentSteps) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rho", s.rho());
        m.put("value", s.value());
        m.put("first_order", s.firstOrder());
        // max of the quadratic model gᵀδ + ½δᵀHδ on the ball is at most this
        m.put("quadratic_bound", s.firstOrder() + 0.5 * s.rho() * s.rho() * topEigenvalue);
        m.put("ascent_steps", ascentSteps);
        m.put("losses", s.losses());
        return m;
    }


    private static Map<String, Object> noiseJson(List<Landscape.NoisePoint> pts, String split, long samples) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Landscape.NoisePoint p : pts) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("sigma", p.sigma());
            r.put("accuracy_mean", p.accuracyMean());
            r.put("accuracy_std", p.accuracyStd());
            r.put("loss_mean", p.lossMean());
            r.put("loss_std", p.lossStd());
            rows.add(r);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("split", split);
        m.put("samples", samples);
        m.put("repeats", pts.get(0).repeats());
        m.put("points", rows);
        return m;
    }


    /** Accuracy (or, for regression, loss) against σ: the mean over draws with a ±1 std band. */
    private static LinePlot plotNoise(List<Landscape.NoisePoint> pts, boolean classification, String split) {
        int n = pts.size();
        double[] s = new double[n];
        double[] mean = new double[n];
        double[] sd = new double[n];
        for (int i = 0; i < n; i++) {
            Landscape.NoisePoint p = pts.get(i);
            s[i] = p.sigma();
            mean[i] = classification ? p.accuracyMean() : p.lossMean();
            sd[i] = classification ? p.accuracyStd() : p.lossStd();
        }
        String what = classification ? "accuracy" : "loss";
        return LinePlot.titled("Parameter noise θ + σξ: " + split + " " + what + " (mean ± std over " + pts.get(0).repeats() + " draws)")
                .xLabel("noise scale σ (parameter units)").yLabel(classification ? "accuracy (fraction correct)" : "loss")
                .series("mean ± std", s, mean, sd);
    }


    /** The results in a few lines, and where they were written. */
    public void print(PrintWriter log, Path dir) {
        FullBatch.LossAccuracy clean = this.clean;
        Landscape.ImplicitRegularizer ir = this.ir;
        Hessian.Eigen e = eigen;
        Hessian.Trace t = trace;
        Landscape.Sharpness s = sharpness;
        log.printf("%s: loss %.6g%s%n", options.on(), clean.loss(),
                Double.isNaN(clean.accuracy()) ? "" : String.format("  accuracy %.4f", clean.accuracy()));
        log.printf("R_IG %.4g (|g| %.4g, m %d)  R_IG/L %.4g  %s%n", ir.rIG(), ir.gradNorm(), ir.parameters(), ir.ratio(),
                Double.isNaN(ir.lr()) ? "lambda: give --lr" : String.format("lambda = h*m/4 = %.4g (h %.4g)  lambda*R_IG %.4g", ir.lambda(), ir.lr(), ir.penalty()));
        log.printf("top Hessian eigenvalue %.6g (Lanczos, %d products, %s, residual %.2g)%n", e.value(), e.iterations(),
                e.converged() ? "converged" : "NOT converged", e.residual());
        log.printf("Hessian trace %.6g +- %.2g (Hutchinson, %d samples)%n", t.mean(), t.stdError(), t.samples());
        log.printf("sharpness at rho %.4g: %.6g (first order %.6g)%n", s.rho(), s.value(), s.firstOrder());
        log.printf("parameter noise on %s (%d repeats):%n", noiseName, noise.get(0).repeats());
        for (Landscape.NoisePoint p : noise) {
            log.printf("  sigma %-8.4g%s  loss %.6g +- %.2g%n", p.sigma(),
                    Double.isNaN(p.accuracyMean()) ? "" : String.format("  accuracy %.4f +- %.4f", p.accuracyMean(), p.accuracyStd()),
                    p.lossMean(), p.lossStd());
        }
        log.printf("wrote %s and %s%n", dir.resolve("analysis.json"), dir.resolve("noise.png"));
        log.flush();
    }
}
