package io.gradreg.cli;

import io.gradreg.train.Run;
import io.gradreg.train.RunFlags;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code gradreg train}: parses the flags ({@link RunFlags}) and runs them ({@link Run}): one
 * training run, written to a run directory with a checkpoint after every epoch. Ctrl-C stops
 * after the current step and checkpoints; {@code --resume} continues bit-identically.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a model with a gradient-regularization method and write a run directory.")
public final class TrainCommand implements Callable<Integer> {
    /** Exit code of a run stopped by Ctrl-C or SIGTERM (after writing its checkpoint), as shells use. */
    static final int EXIT_INTERRUPTED = Run.EXIT_INTERRUPTED;

    @Spec
    CommandSpec spec;
    @Mixin
    RunFlags flags;

    @Override
    public Integer call() {
        return Run.start(flags, spec.commandLine().getParseResult(), System.getenv(), spec.commandLine().getOut());
    }
}
