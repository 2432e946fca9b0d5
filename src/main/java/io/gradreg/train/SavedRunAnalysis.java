package io.gradreg.train;

import io.gradreg.GradregException;
import io.gradreg.analysis.ProgressListener;
import io.gradreg.analysis.RunAnalysis;
import io.gradreg.data.DataSources;
import io.gradreg.data.Dataset;
import io.gradreg.io.RunLock;
import io.gradreg.method.Loss;
import io.gradreg.nn.Net;
import io.gradreg.nn.Weights;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code gradreg analyze RUN_DIR} as a call: the loss-landscape analysis ({@link RunAnalysis}) of a
 * run's weights on the run's own data and model, written to {@code out}. The reproductions call it
 * directly; the command line adds overrides of the data and model on top.
 */
public final class SavedRunAnalysis {
    private SavedRunAnalysis() {}

    /**
     * Analyses {@code weights} (null: the run's final weights) of the run in {@code runDir} with
     * {@code o} (its learning rate NaN: the run's), writing analysis.json and noise.png to {@code out};
     * the seed of the estimators and subsets is the run's unless {@code o} sets another.
     */
    public static RunAnalysis analyze(Path runDir, Path weights, RunAnalysis.Options o, Path out, PrintWriter log) {
        RunSpec run = RunFlags.read(runDir);
        Path w = weights != null ? weights : runDir.resolve("weights.safetensors");
        RunAnalysis.Options opts = new RunAnalysis.Options(o.on(), o.rho(), o.ascentSteps(), o.sigmas(), o.repeats(), o.hutchinsonSamples(),
                o.maxIters(), o.tol(), Double.isNaN(o.lr()) ? run.optimization().optimizer().lr() : o.lr(), run.seed());
        boolean protocol = run.data().cutsData();
        RunData.Loaded data;
        if (protocol) {
            RunData d = RunData.prepare(run, log);
            data = new RunData.Loaded(d.train(), d.test(), d.black());
        } else {
            data = RunData.load(run.data().source(), run.data().testData(), run.data().testSize(), run.model().dtype(), run.seed(), log);
        }
        if (opts.on().equals("test") && data.test() == null) {
            throw new GradregException("--on test but " + run.data().source() + " has no test split (add --test-data PATH)");
        }
        Dataset train = protocol ? data.train() : DataSources.balancedSubset(data.train(), run.data().trainSize(), run.seed());
        Net net = RunData.buildModel(run.model(), train);
        RunAnalysis.requireMemoryForLanczos(opts.maxIters(), net.numParams());
        Weights.load(net, w);
        Loss loss = Loss.forTargets(train.y());
        Dataset split = opts.on().equals("test") ? data.test() : train;
        Dataset noiseSplit = data.test() != null ? data.test() : train;
        String noiseName = data.test() != null ? "test" : "train";
        try (RunLock lock = RunLock.acquire(out, "--out")) {
            log.printf("analyzing %s (%s, %d parameters) on the %s split (%d samples)%n", w, run.model().spec(), net.numParams(), opts.on(),
                    split.size());
            RunAnalysis a = RunAnalysis.of(net, loss, split, noiseSplit, noiseName, opts, ProgressListener.NONE);
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("weights", w.toAbsolutePath().normalize().toString());
            header.put("run", runDir.toAbsolutePath().normalize().toString());
            header.put("model", run.model().spec());
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("data", run.data().source());
            settings.put("test_data", run.data().testData() == null ? null : run.data().testData().toString());
            settings.put("train_size", run.data().trainSize());
            settings.put("test_size", run.data().testSize());
            settings.put("dtype", run.model().dtype().name().toLowerCase());
            settings.put("activation", run.model().activation().name().toLowerCase());
            settings.put("dropout", run.model().dropout());
            settings.put("batchnorm", run.model().batchNorm());
            a.write(out, header, settings);
            a.print(log, out);
            return a;
        }
    }
}
