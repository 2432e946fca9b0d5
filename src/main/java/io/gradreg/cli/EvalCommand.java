package io.gradreg.cli;

import io.gradreg.GradregException;
import io.gradreg.analysis.FullBatch;
import io.gradreg.data.Dataset;
import io.gradreg.engine.Engine;
import io.gradreg.io.Json;
import io.gradreg.method.Loss;
import io.gradreg.nn.Net;
import io.gradreg.nn.Weights;
import io.gradreg.train.RunData;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gradreg eval}: loss and accuracy of saved weights. The model is built exactly as
 * {@code train} builds it (same model flags, output size from the training split), so any
 * weights.safetensors of a run, or a PyTorch state_dict saved as safetensors, can be scored.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Loss and accuracy of saved weights on a dataset's test split (or the whole file when it has none).")
public final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--run", description = "a run directory of 'gradreg train': its weights, model and data settings are the defaults")
    Path run;
    @Option(names = "--weights", description = "weights (safetensors, PyTorch state_dict names); default RUN/weights.safetensors")
    Path weights;
    @Mixin
    TargetFlags target;
    @Option(names = "--split", defaultValue = "test", description = "test | train: which split to score; data without a test split is scored whole (default: ${DEFAULT-VALUE})")
    String split;
    @Option(names = "--seed", defaultValue = "0", description = "seed of the --test-size subset, as in train (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--json", description = "print one JSON object instead of text")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        TargetFlags.Target t = target.resolve(run, weights, seed, spec.commandLine().getParseResult());
        if (t.weights() == null) {
            throw new GradregException("missing --weights (or --run DIR)");
        }
        if (!split.equals("test") && !split.equals("train")) {
            throw new GradregException("unknown split '" + split + "': expected test or train");
        }
        Engine.start();
        RunData.Loaded data = t.load(target, out);
        Net net = RunData.buildModel(t.model(), data.train());
        Weights.load(net, t.weights());
        boolean onTest = split.equals("test") && data.test() != null;
        Dataset d = onTest ? data.test() : data.train();
        FullBatch.LossAccuracy r = FullBatch.evaluate(net, Loss.forTargets(d.y()), d);
        String name = onTest ? "test" : data.test() == null ? "all" : "train";
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("split", name);
            m.put("samples", d.size());
            m.put("loss", r.loss());
            m.put("accuracy", d.isClassification() ? r.accuracy() : null);
            out.println(Json.writeCompact(m));
        } else if (d.isClassification()) {
            out.printf("%s: loss %.6f  accuracy %.4f  (%d samples)%n", name, r.loss(), r.accuracy(), d.size());
        } else {
            out.printf("%s: loss %.6f  (%d samples)%n", name, r.loss(), d.size());
        }
        return 0;
    }
}
