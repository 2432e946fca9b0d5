package io.gradreg.cli;

import io.gradreg.GradregException;
import io.gradreg.engine.DType;
import io.gradreg.nn.Activation;
import io.gradreg.train.RunData;
import io.gradreg.train.RunFlags;
import io.gradreg.train.RunSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * What {@code eval} and {@code analyze} score: saved weights, the model they fit and the data,
 * given by flags or taken from a run directory of {@code gradreg train} (each flag given here wins
 * over the run's). A run that cut its own data (--holdout, --standardize) is scored on the same cut.
 */
final class TargetFlags {
    @Option(names = "--data", description = "mnist | cifar10:DIR | cifar100:DIR | cifar100-coarse:DIR | PATH (directory of IDX files, .npz with x and y, or .csv)")
    String data;
    @Option(names = "--test-data", description = "test set PATH (mnist and IDX directories bring their own)")
    Path testData;
    @Option(names = "--test-size", description = "class-balanced test subset of N samples chosen with the seed (0 = all)")
    long testSize;
    @Option(names = "--model", description = "mlp:784-512-512-10 | lenet5 | lenet5:002 (seed 002's layout) | cnn | resnet | wrn:DEPTH-WIDTH | dln:D[:ALPHA] | twoparam[:A:B]")
    String model;
    @Option(names = "--activation", defaultValue = "relu", description = "relu | tanh | gelu | softplus (default: ${DEFAULT-VALUE})")
    String activation;
    @Option(names = "--dropout", defaultValue = "0", description = "dropout probability (default: ${DEFAULT-VALUE})")
    double dropout;
    @Option(names = "--batchnorm", description = "add batch normalization")
    boolean batchNorm;
    @Option(names = "--dtype", defaultValue = "float32", description = "float32 | float64 (default: ${DEFAULT-VALUE})")
    String dtype;

    /**
     * The resolved target.
     *
     * @param weights the weights file
     * @param model the model they fit
     * @param seed the seed of the data subsets
     * @param run the run directory's settings, or null
     * @param protocol whether the data is cut as the run cut it (its holdout test set, training subset, standardization)
     */
    record Target(Path weights, RunSpec.Model model, long seed, RunSpec run, boolean protocol) {
        /** The data: the run's own cut when {@code protocol}, else the source as the flags (or the run) name it. */
        RunData.Loaded load(TargetFlags f, PrintWriter log) {
            if (protocol) {
                RunData d = RunData.prepare(run, log);
                return new RunData.Loaded(d.train(), d.test(), d.black());
            }
            boolean own = f.data != null || run == null;
            return RunData.load(own ? f.data : run.data().source(), own ? f.testData : run.data().testData(),
                    own ? f.testSize : run.data().testSize(), model.dtype(), seed, log);
        }
    }

    /**
     * Resolves weights, model, data and seed from {@code runDir} (may be null) and the flags given
     * ({@code given}: what was on the command line). {@code keepsCut} names the flags that, given,
     * mean the run's own data cut is not wanted (besides --data and --seed).
     */
    Target resolve(Path runDir, Path weights, long seed, ParseResult given, String... keepsCut) {
        RunSpec run = runDir == null ? null : RunFlags.read(runDir);
        Path w = weights != null ? weights : runDir == null ? null : runDir.resolve("weights.safetensors");
        if (w == null) {
            return new Target(null, null, seed, null, false);
        }
        RunSpec.Model m = model != null || run == null ? model() : run.model();
        long s = run == null || given.hasMatchedOption("--seed") ? seed : run.seed();
        boolean protocol = run != null && data == null && run.data().cutsData() && !given.hasMatchedOption("--seed");
        for (String flag : keepsCut) {
            protocol &= !given.hasMatchedOption(flag);
        }
        return new Target(w, m, s, run, protocol);
    }

    /** The model these flags name (checked: --model, --dtype and --activation). */
    RunSpec.Model model() {
        if (model == null) {
            throw new GradregException("missing --model");
        }
        return new RunSpec.Model(model, Activation.parse(activation), dropout, batchNorm, DType.parse(dtype), null);
    }

}
