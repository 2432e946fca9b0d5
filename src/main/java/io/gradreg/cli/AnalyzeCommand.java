package io.gradreg.cli;

import io.gradreg.GradregException;
import io.gradreg.analysis.FullBatch;
import io.gradreg.analysis.Hessian;
import io.gradreg.analysis.Landscape;
import io.gradreg.analysis.ProgressListener;
import io.gradreg.data.DataSources;
import io.gradreg.data.Dataset;
import io.gradreg.engine.Engine;
import io.gradreg.io.Json;
import io.gradreg.io.RunLock;
import io.gradreg.io.LinePlot;
import io.gradreg.method.Loss;
import io.gradreg.nn.Net;
import io.gradreg.nn.Weights;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gradreg analyze}: the loss landscape at saved weights (methods.md §5): top Hessian
 * eigenvalue (Lanczos), Hessian trace (Hutchinson), sharpness within radius ρ, R_IG and λ, and
 * accuracy under parameter noise. The model and data are rebuilt as {@code eval} does, from a run
 * directory or from explicit flags. Writes analysis.json and noise.png.
 */
@Command(name = "analyze", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Loss-landscape analysis of saved weights: Hessian top eigenvalue and trace, sharpness, R_IG, noise robustness.")
public final class AnalyzeCommand implements Callable<Integer> {
    /** Seconds between progress lines of a long estimator. */
    static final int PROGRESS_EVERY_SECONDS = 10;

    @Spec
    CommandSpec spec;
    /** The run's train settings when its data came from --holdout/--standardize (and no --data was given here). */
    private TrainCommand protocolRun;
    @Parameters(arity = "0..1", paramLabel = "RUN_DIR", description = "a run directory of 'gradreg train': its weights, model and data settings are the defaults")
    Path run;
    @Option(names = "--weights", description = "weights (safetensors); default RUN_DIR/weights.safetensors")
    Path weights;
    @Mixin
    DataOptions dataOptions;
    @Option(names = "--train-size", description = "class-balanced training subset of N samples chosen with the seed, as in train (0 = all)")
    long trainSize;
    @Mixin
    ModelOptions modelOptions;
    @Option(names = "--on", defaultValue = "train", description = "train | test: the split the loss-landscape quantities use (default: ${DEFAULT-VALUE})")
    String on;
    @Option(names = "--rho", defaultValue = "0.05", description = "sharpness radius (default: ${DEFAULT-VALUE})")
    double rho;
    @Option(names = "--ascent-steps", defaultValue = "10", description = "projected ascent steps for the sharpness (default: ${DEFAULT-VALUE})")
    int ascentSteps;
    @Option(names = "--sigmas", split = ",", defaultValue = "0,0.01,0.02,0.05,0.1", description = "parameter-noise levels (default: ${DEFAULT-VALUE})")
    double[] sigmas;
    @Option(names = "--repeats", defaultValue = "5", description = "noise draws per sigma (default: ${DEFAULT-VALUE})")
    int repeats;
    @Option(names = "--hutchinson-samples", defaultValue = "20", description = "Rademacher vectors for the trace (default: ${DEFAULT-VALUE})")
    int hutchinsonSamples;
    @Option(names = "--max-iters", defaultValue = "50", description = "Lanczos iterations at most (default: ${DEFAULT-VALUE})")
    int maxIters;
    @Option(names = "--tol", defaultValue = "1e-3", description = "Lanczos relative tolerance (default: ${DEFAULT-VALUE})")
    double tol;
    @Option(names = "--lr", description = "learning rate h for lambda = h*m/4 (default: the run's --lr)")
    Double lr;
    @Option(names = "--seed", defaultValue = "0", description = "seed of the data subsets (as in train) and of the estimators' random vectors (default: the run's)")
    long seed;
    @Option(names = "--threads", description = "threads, fixed (default: one per free core, following the load)")
    Integer threads;
    @Option(names = "--out", description = "output directory (default: RUN_DIR/analysis, or runs/analysis)")
    Path out;

    /** The output directory's lock, held while the analysis runs. */
    private RunLock lock;

    @Override
    public Integer call() {
        PrintWriter log = spec.commandLine().getOut();
        if (run != null) {
            fillFromRun();
        }
        validate();
        if (threads != null && threads < 1) {
            throw new GradregException("--threads must be >= 1, got " + threads);
        }
        try {
            return analyze(log);
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }

    private Integer analyze(PrintWriter log) {
        if (threads != null) {
            Engine.start(threads);
        } else {
            Engine.start();
        }
        DataOptions.Loaded data;
        if (protocolRun != null) {
            TrainCommand.Prepared p = protocolRun.prepare(modelOptions.dtype(), log);
            data = new DataOptions.Loaded(p.train(), p.test());
        } else {
            data = dataOptions.load(modelOptions.dtype(), seed, log);
        }
        if (on.equals("test") && data.test() == null) {
            throw new GradregException("--on test but " + dataOptions.data + " has no test split (add --test-data PATH)");
        }
        Dataset train = protocolRun != null ? data.train() : DataSources.balancedSubset(data.train(), trainSize, seed);
        Net net = modelOptions.build(train);
        requireMemoryForLanczos(net.numParams());
        Weights.load(net, weights);
        Loss loss = Loss.forTargets(train.y());
        Dataset split = on.equals("test") ? data.test() : train;
        Dataset noiseSplit = data.test() != null ? data.test() : train;
        String noiseName = data.test() != null ? "test" : "train";
        // Owned from here, once every check has passed (a failed analysis writes nothing), until call() ends.
        Path dir = out != null ? out : run != null ? run.resolve("analysis") : Path.of("runs", "analysis");
        lock = RunLock.acquire(dir, "--out");

        log.printf("analyzing %s (%s, %d parameters) on the %s split (%d samples)%n", weights, modelOptions.model, net.numParams(), on, split.size());
        log.flush();
        ProgressListener progress = progress(log);
        Map<String, Double> seconds = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        FullBatch.LossAccuracy clean = FullBatch.evaluate(net, loss, split);
        Landscape.ImplicitRegularizer ir = Landscape.implicitRegularizer(net, loss, split, lr == null ? Double.NaN : lr);
        seconds.put("gradient", lap(t0));
        Hessian hessian = new Hessian(net, loss, split).listener(progress);
        t0 = System.nanoTime();
        Hessian.Eigen eigen = hessian.topEigenvalue(maxIters, tol, seed);
        seconds.put("lanczos", lap(t0));
        t0 = System.nanoTime();
        Hessian.Trace trace = hessian.trace(hutchinsonSamples, seed + 1);
        seconds.put("hutchinson", lap(t0));
        t0 = System.nanoTime();
        Landscape.Sharpness sharp = Landscape.sharpness(net, loss, split, rho, ascentSteps, seed + 2);
        seconds.put("sharpness", lap(t0));
        t0 = System.nanoTime();
        List<Landscape.NoisePoint> noise = Landscape.noiseRobustness(net, loss, noiseSplit, sigmas, repeats, seed + 3, progress);
        seconds.put("noise", lap(t0));

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("weights", weights.toAbsolutePath().normalize().toString());
        report.put("run", run == null ? null : run.toAbsolutePath().normalize().toString());
        report.put("model", modelOptions.model);
        report.put("parameters", net.numParams());
        report.put("split", on);
        report.put("samples", split.size());
        report.put("loss", clean.loss());
        report.put("accuracy", clean.accuracy());
        report.put("gradient_norm", ir.gradNorm());
        report.put("R_IG", ir.rIG());
        report.put("lr", ir.lr());
        report.put("lambda", ir.lambda());
        report.put("lambda_R_IG", ir.penalty());
        report.put("R_IG_over_loss", ir.ratio());
        report.put("hessian", hessianJson(eigen, trace, hessian.products()));
        report.put("sharpness", sharpnessJson(sharp, eigen.value()));
        report.put("noise", noiseJson(noise, noiseName, noiseSplit.size()));
        report.put("seconds", seconds);
        report.put("settings", settings());
        Json.writeFile(dir.resolve("analysis.json"), report);
        plotNoise(noise, noiseSplit.isClassification(), noiseName).write(dir.resolve("noise.png"));
        printSummary(log, report, clean, ir, eigen, trace, sharp, noise, noiseName, dir);
        return 0;
    }

    /** Weights, model flags, data flags, training subset, seed and learning rate from the run, unless given. */
    private void fillFromRun() {
        SavedRun s = new SavedRun(run);
        var given = spec.commandLine().getParseResult();
        weights = s.weights(weights);
        modelOptions = s.model(modelOptions);
        dataOptions = s.data(dataOptions);
        trainSize = SavedRun.given(given, "--train-size", trainSize, s.train.trainSize);
        seed = SavedRun.given(given, "--seed", seed, s.train.seed);
        if (dataOptions == s.train.dataOptions && s.train.cutsData() && !given.hasMatchedOption("--seed") && !given.hasMatchedOption("--train-size")) {
            protocolRun = s.train; // its holdout test set, training subset and standardized inputs
        }
        lr = lr != null ? lr : s.train.lr;
    }

    /** Every flag that needs no data, so bad input fails before anything is loaded. */
    private void validate() {
        if (weights == null) {
            throw new GradregException("missing RUN_DIR or --weights");
        }
        modelOptions.validate();
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
        require(lr == null || (lr > 0 && Double.isFinite(lr)), "--lr must be a positive number, got " + lr);
        require(trainSize >= 0, "--train-size must be >= 0, got " + trainSize);
    }

    /** Lanczos keeps --max-iters vectors of m doubles: fail now rather than run out of heap midway. */
    private void requireMemoryForLanczos(long m) {
        long need = (long) Math.min(maxIters, m) * m * Double.BYTES;
        long have = Runtime.getRuntime().maxMemory();
        if (need > have / 2) {
            throw new GradregException(String.format("--max-iters %d needs %.1f GB for the Lanczos vectors of %d parameters,"
                    + " more than half the Java heap (%.1f GB): lower --max-iters or raise -Xmx", maxIters, need / 1e9, m, have / 1e9));
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new GradregException(message);
        }
    }

    private static double lap(long t0) {
        return Math.round((System.nanoTime() - t0) / 1e6) / 1e3;
    }

    /** A plain line at most every {@value #PROGRESS_EVERY_SECONDS} s, so short analyses stay quiet. */
    private static ProgressListener progress(PrintWriter log) {
        long[] last = {System.nanoTime()};
        return (task, done, total, latest) -> {
            long now = System.nanoTime();
            if (now - last[0] >= PROGRESS_EVERY_SECONDS * 1_000_000_000L) {
                last[0] = now;
                log.printf("  %s %d/%d (latest %.6g)%n", task, done, total, latest);
                log.flush();
            }
        };
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

    private Map<String, Object> sharpnessJson(Landscape.Sharpness s, double topEigenvalue) {
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

    private Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", dataOptions.data);
        m.put("test_data", dataOptions.testData == null ? null : dataOptions.testData.toString());
        m.put("train_size", trainSize);
        m.put("test_size", dataOptions.testSize);
        m.put("dtype", modelOptions.dtype);
        m.put("activation", modelOptions.activation);
        m.put("dropout", modelOptions.dropout);
        m.put("batchnorm", modelOptions.batchNorm);
        m.put("on", on);
        m.put("rho", rho);
        m.put("ascent_steps", ascentSteps);
        m.put("sigmas", sigmas);
        m.put("repeats", repeats);
        m.put("hutchinson_samples", hutchinsonSamples);
        m.put("max_iters", maxIters);
        m.put("tol", tol);
        m.put("lr", lr);
        m.put("seed", seed);
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

    private static void printSummary(PrintWriter log, Map<String, Object> report, FullBatch.LossAccuracy clean,
            Landscape.ImplicitRegularizer ir, Hessian.Eigen e, Hessian.Trace t, Landscape.Sharpness s,
            List<Landscape.NoisePoint> noise, String noiseName, Path dir) {
        log.printf("%s: loss %.6g%s%n", report.get("split"), clean.loss(),
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
