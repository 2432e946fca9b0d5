package io.gradreg.cli;

import io.gradreg.GradregException;
import io.gradreg.analysis.ProgressListener;
import io.gradreg.analysis.RunAnalysis;
import io.gradreg.data.DataSources;
import io.gradreg.data.Dataset;
import io.gradreg.engine.Engine;
import io.gradreg.io.RunLock;
import io.gradreg.method.Loss;
import io.gradreg.nn.Net;
import io.gradreg.nn.Weights;
import io.gradreg.train.RunData;
import io.gradreg.train.RunSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
    @Parameters(arity = "0..1", paramLabel = "RUN_DIR", description = "a run directory of 'gradreg train': its weights, model and data settings are the defaults")
    Path run;
    @Option(names = "--weights", description = "weights (safetensors); default RUN_DIR/weights.safetensors")
    Path weights;
    @Mixin
    TargetFlags target;
    @Option(names = "--train-size", description = "class-balanced training subset of N samples chosen with the seed, as in train (0 = all)")
    long trainSize;
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

    @Override
    public Integer call() {
        PrintWriter log = spec.commandLine().getOut();
        var given = spec.commandLine().getParseResult();
        TargetFlags.Target t = target.resolve(run, weights, seed, given, "--train-size");
        if (t.weights() == null) {
            throw new GradregException("missing RUN_DIR or --weights");
        }
        if (t.run() != null) {
            trainSize = given.hasMatchedOption("--train-size") ? trainSize : t.run().data().trainSize();
            lr = lr != null ? lr : t.run().optimization().optimizer().lr();
        }
        if (trainSize < 0) {
            throw new GradregException("--train-size must be >= 0, got " + trainSize);
        }
        RunAnalysis.Options o = new RunAnalysis.Options(on, rho, ascentSteps, sigmas, repeats, hutchinsonSamples, maxIters, tol,
                lr == null ? Double.NaN : lr, t.seed());
        if (threads != null && threads < 1) {
            throw new GradregException("--threads must be >= 1, got " + threads);
        }
        if (threads != null) {
            Engine.start(threads);
        } else {
            Engine.start();
        }
        RunData.Loaded data = t.load(target, log);
        if (on.equals("test") && data.test() == null) {
            throw new GradregException("--on test but " + (target.data != null ? target.data : t.run().data().source())
                    + " has no test split (add --test-data PATH)");
        }
        Dataset train = t.protocol() ? data.train() : DataSources.balancedSubset(data.train(), trainSize, t.seed());
        Net net = RunData.buildModel(t.model(), train);
        RunAnalysis.requireMemoryForLanczos(maxIters, net.numParams());
        Weights.load(net, t.weights());
        Loss loss = Loss.forTargets(train.y());
        Dataset split = on.equals("test") ? data.test() : train;
        Dataset noiseSplit = data.test() != null ? data.test() : train;
        String noiseName = data.test() != null ? "test" : "train";
        // Owned from here, once every check has passed (a failed analysis writes nothing), until the analysis ends.
        Path dir = out != null ? out : run != null ? run.resolve("analysis") : Path.of("runs", "analysis");
        try (RunLock lock = RunLock.acquire(dir, "--out")) {
            log.printf("analyzing %s (%s, %d parameters) on the %s split (%d samples)%n", t.weights(), t.model().spec(), net.numParams(), on,
                    split.size());
            log.flush();
            RunAnalysis a = RunAnalysis.of(net, loss, split, noiseSplit, noiseName, o, progress(log));
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("weights", t.weights().toAbsolutePath().normalize().toString());
            header.put("run", run == null ? null : run.toAbsolutePath().normalize().toString());
            header.put("model", t.model().spec());
            a.write(dir, header, dataSettings(t));
            a.print(log, dir);
        }
        return 0;
    }

    /** How the data was chosen, as analysis.json's settings record it. */
    private Map<String, Object> dataSettings(TargetFlags.Target t) {
        boolean own = target.data != null || t.run() == null;
        RunSpec.Data d = own ? null : t.run().data();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", own ? target.data : d.source());
        Path testData = own ? target.testData : d.testData();
        m.put("test_data", testData == null ? null : testData.toString());
        m.put("train_size", trainSize);
        m.put("test_size", own ? target.testSize : d.testSize());
        m.put("dtype", t.model().dtype().name().toLowerCase());
        m.put("activation", t.model().activation().name().toLowerCase());
        m.put("dropout", t.model().dropout());
        m.put("batchnorm", t.model().batchNorm());
        return m;
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
}
