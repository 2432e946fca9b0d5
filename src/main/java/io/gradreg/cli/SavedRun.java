package io.gradreg.cli;

import java.nio.file.Path;
import picocli.CommandLine.ParseResult;

/** A run directory's train settings, as defaults for the commands that score or analyse its weights. */
final class SavedRun {
    final Path dir;
    final TrainCommand train;

    SavedRun(Path dir) {
        this.dir = dir;
        this.train = RunSettings.trainCommand(dir);
    }

    Path weights(Path given) {
        return given != null ? given : dir.resolve("weights.safetensors");
    }

    ModelOptions model(ModelOptions given) {
        return given.model != null ? given : train.modelOptions;
    }

    DataOptions data(DataOptions given) {
        return given.data != null ? given : train.dataOptions;
    }

    /** An option's value from the command line if given there, else the run's. */
    static <T> T given(ParseResult p, String option, T commandLine, T run) {
        return p.hasMatchedOption(option) ? commandLine : run;
    }
}
