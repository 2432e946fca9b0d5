package io.gradreg.repro;

import io.gradreg.sweep.SweepSpec;
import io.gradreg.train.RunFlags;
import io.gradreg.train.RunSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the reproductions build their runs from: typed {@link RunSpec}s, a base per protocol and its
 * variants derived with the {@code with...} methods; here the pieces several protocols share, and the
 * runs and labels of a sweep.
 */
final class Protocols {
    private Protocols() {}

    /** A plain-SGD run of {@code model} on {@code data}, with {@link RunSpec#of}'s defaults otherwise. */
    static RunSpec on(RunSpec.Data data, String model) {
        return RunSpec.of(data.source(), model).withData(data);
    }

    /** MNIST's training file with a class-balanced subset of {@code n} samples (drawn with the seed), and its own test set. */
    static RunSpec.Data mnist(long n) {
        return RunSpec.Data.of("mnist").withTrainSize(n);
    }

    /**
     * Full-batch gradient descent on {@code samples} training samples: a batch of all of them, so
     * one step per epoch, for {@code steps} steps, evaluated and checkpointed every {@code every}
     * steps (a checkpoint, fsynced, after every step would dominate the run).
     */
    static RunSpec fullBatch(RunSpec s, int samples, int steps, int every) {
        return s.withLength(s.length().withBatchSize(samples).withEpochs(steps))
                .withEvaluation(s.evaluation().withEvalEvery(every).withCheckpointEvery(every));
    }

    /** Labels of a run, in order: key, value, key, value, ... */
    static Map<String, String> labels(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    /** A run of a sweep whose variants are named runs: labelled {@code variant = id}, as a sweep file's variants are. */
    static SweepSpec.Run variant(String id, RunSpec spec) {
        return new SweepSpec.Run(id, spec, labels("variant", id));
    }

    /**
     * For a report: the values {@code spec} gives the train flags {@code names} (without their
     * dashes), as the command line writes them, in this order.
     */
    static Map<String, String> flagsShown(RunSpec spec, String... names) {
        Map<String, String> settings = RunFlags.of(spec).settings();
        Map<String, String> out = new LinkedHashMap<>();
        for (String n : names) {
            out.put(n, settings.get("--" + n));
        }
        return out;
    }
}
