package io.gradreg.train;

import io.gradreg.Errors;
import io.gradreg.GradregException;
import io.gradreg.data.CropFlip;
import io.gradreg.engine.Engine;
import io.gradreg.engine.Natives;
import io.gradreg.method.Loss;
import io.gradreg.nn.Net;
import io.gradreg.nn.Weights;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * Runs one {@link RunSpec} into its run directory: the data cut and the model built as the spec
 * says, the {@link Trainer} wired, the directory owned and locked, config.json, metrics and
 * checkpoints written as training goes, Ctrl-C turned into a checkpoint, and the summary and
 * weights at the end. {@code gradreg train} parses its flags and calls {@link #start}; a sweep's
 * worker process starts {@link #main} with the same flags.
 */
public final class Run {
    /** Exit code of a run stopped by Ctrl-C or SIGTERM (after writing its checkpoint), as shells use. */
    public static final int EXIT_INTERRUPTED = 130;

    private final RunSpec spec;
    private final boolean resume;
    private final boolean overwrite;

    private Run(RunSpec spec, boolean resume, boolean overwrite) {
        this.spec = spec;
        this.resume = resume;
        this.overwrite = overwrite;
    }

    /** A worker process's entry point: {@code gradreg train}'s flags, output to stdout, one-line errors, the exit code. */
    public static void main(String[] args) {
        System.exit(main(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** As {@link #main(String[])}, with the given streams (an in-process sweep run). */
    public static int main(PrintWriter out, PrintWriter err, String... args) {
        try {
            Natives.load();
            CommandLine cl = new CommandLine(new RunFlags());
            CommandLine.ParseResult parsed;
            try {
                parsed = cl.parseArgs(args);
            } catch (CommandLine.ParameterException e) {
                throw new GradregException(e.getMessage().lines().findFirst().orElse("bad arguments"));
            }
            return start(cl.getCommand(), parsed, System.getenv(), out);
        } catch (Throwable e) {
            return Errors.report(e, err);
        }
    }

    /**
     * Runs what {@code flags} (as parsed into {@code parsed}) ask: a fresh run, or with {@code --resume}
     * the run in --out continued with its own settings. {@code env} is the process environment,
     * read for Slurm's. Returns the exit code.
     */
    public static int start(RunFlags flags, CommandLine.ParseResult parsed, Map<String, String> env, PrintWriter log) {
        if (flags.resume() && flags.overwrite()) {
            throw new GradregException("give --resume or --overwrite, not both");
        }
        if (!flags.resume()) {
            return new Run(withSlurm(flags.toSpec(), env, log), false, flags.overwrite()).execute(log);
        }
        Path out = flags.out();
        RunDirectory.requireCheckpoint(out);
        RunFlags saved = RunFlags.forResume(flags, parsed, out);
        RunSpec spec = saved.toSpec();
        // The saved run's thread count unless one is given: OpenBLAS's last bits depend on it, and the
        // default count depends on the load at start, so reusing it keeps a resumed run bit-identical.
        if (spec.execution().threads() == null) {
            spec = spec.withExecution(spec.execution().withThreads(RunDirectory.savedThreads(out)));
        }
        return new Run(withSlurm(spec, env, log), true, false).execute(log);
    }

    /**
     * Runs {@code spec} from scratch in one process, its progress on {@code log}, and returns its
     * summary; a directory that already holds a run is refused. A failure is a
     * {@link GradregException}; an interrupted run (Ctrl-C) one too, after its checkpoint is written.
     */
    public static RunRecords.Summary execute(RunSpec spec, PrintWriter log) {
        RunSpec one = spec.withExecution(new RunSpec.Execution(spec.out(), spec.execution().threads(), 1, 0,
                RunSpec.Execution.DEFAULT_MASTER, spec.execution().distTimeout()));
        if (new Run(one, false, false).execute(log) == EXIT_INTERRUPTED) {
            throw new GradregException("interrupted; the checkpoint in " + spec.out() + " continues it (gradreg train --out "
                    + spec.out() + " --resume)");
        }
        return RunRecords.readSummary(spec.out());
    }

    /** Runs {@code spec} from scratch ({@code overwrite}: replacing a run already in its directory). */
    public static int fresh(RunSpec spec, boolean overwrite, PrintWriter log) {
        return new Run(spec, false, overwrite).execute(log);
    }

    /**
     * Under srun, world size, rank and master come from Slurm's environment when --world-size is not
     * given (explicit flags win, one by one), and the thread count from SLURM_CPUS_PER_TASK when
     * --threads is not; otherwise one process at the default master.
     */
    static RunSpec withSlurm(RunSpec s, Map<String, String> env, PrintWriter log) {
        RunSpec.Execution ex = s.execution();
        if (ex.worldSize() != null) {
            return s.withExecution(new RunSpec.Execution(ex.out(), ex.threads(), ex.worldSize(), ex.rank() == null ? 0 : ex.rank(),
                    ex.master() == null ? RunSpec.Execution.DEFAULT_MASTER : ex.master(), ex.distTimeout()));
        }
        var task = SlurmTasks.fromEnv(env);
        if (task.isEmpty()) {
            return s.withExecution(new RunSpec.Execution(ex.out(), ex.threads(), 1, ex.rank() == null ? 0 : ex.rank(),
                    ex.master() == null ? RunSpec.Execution.DEFAULT_MASTER : ex.master(), ex.distTimeout()));
        }
        SlurmTasks t = task.get();
        int rank = ex.rank() != null ? ex.rank() : t.rank();
        String master = ex.master();
        if (master == null) {
            t.requireReachableMaster();
            master = t.master();
        }
        Integer threads = ex.threads();
        if (threads == null && env.containsKey("SLURM_CPUS_PER_TASK")) {
            try {
                threads = Integer.parseInt(env.get("SLURM_CPUS_PER_TASK").trim());
            } catch (NumberFormatException e) {
                throw new GradregException("SLURM_CPUS_PER_TASK is not a number: '" + env.get("SLURM_CPUS_PER_TASK") + "'; give --threads");
            }
        }
        if (t.world() > 1) {
            log.printf("slurm step: worker %d of %d, master %s%n", rank, t.world(), master);
        }
        return s.withExecution(new RunSpec.Execution(ex.out(), threads, t.world(), rank, master, ex.distTimeout()));
    }

    /** Checks what needs no data, owns the run directory, and trains. */
    private int execute(PrintWriter log) {
        RunSpec.Execution ex = spec.execution();
        int world = ex.worldSize();
        int rank = ex.rank();
        if (world < 1 || rank < 0 || rank >= world) {
            throw new GradregException("--rank must be in 0 .. --world-size - 1, got rank " + rank + " of " + world);
        }
        if (world > 1) {
            masterPort(ex.master());
        }
        if (spec.evaluation().stopAtTrainAccuracy() > 0 && world > 1) {
            throw new GradregException("--stop-at-train-accuracy is not supported with --world-size > 1 (the workers would have to agree "
                    + "on the evaluation that stops them)");
        }
        TrainConfig cfg = spec.trainConfig();
        // The directory is owned before anything slow starts, so a second writer is stopped at once.
        // Only rank 0 writes and locks; the other workers keep a view that writes nothing.
        boolean writer = rank == 0;
        Path out = spec.out();
        try (RunDirectory run = !writer ? RunDirectory.readOnly(out) : resume ? RunDirectory.existing(out) : RunDirectory.fresh(out, overwrite)) {
            return train(log, cfg, run, writer);
        }
    }

    private int train(PrintWriter log, TrainConfig cfg, RunDirectory run, boolean writer) {
        RunSpec.Execution ex = spec.execution();
        if (ex.threads() != null) {
            Engine.start(ex.threads());
        } else {
            Engine.start();
        }
        RunData data = RunData.prepare(spec, log);
        if (spec.data().augment() == RunSpec.Augment.CROP_FLIP) {
            CropFlip.requireImages(data.train().x()); // before anything is written
        }
        Engine.seed(spec.seed());
        Net net = RunData.buildModel(spec.model(), data.train());
        if (!java.util.Arrays.equals(net.inputShape(), data.train().sampleShape())) {
            log.printf("%s takes %s inputs: each sample's %s values are read as one%n", spec.model().spec(),
                    shape(net.inputShape()), shape(data.train().sampleShape()));
        }
        if (spec.model().initWeights() != null && !resume) {
            Weights.load(net, spec.model().initWeights());
        }
        Loss loss = Loss.forTargets(data.train().y());
        DataParallel group = null;
        if (ex.worldSize() > 1) {
            log.printf("worker %d of %d joining %s%n", ex.rank(), ex.worldSize(), ex.master());
            log.flush();
            group = DataParallel.connect(masterHost(ex.master()), masterPort(ex.master()), ex.rank(), ex.worldSize(),
                    Duration.ofSeconds(ex.distTimeout()), log);
        }
        Trainer trainer = new Trainer(net, loss, cfg, group); // refuses what it cannot make exact before training starts
        if (resume) {
            Trainer.Position p = Checkpoint.load(trainer, run.checkpoint());
            if (writer) {
                run.rewriteMetrics(p.history());
            }
            log.printf("resuming %s at epoch %d, step %d of %d%n", spec.out(), p.epoch(), p.step(), trainer.totalSteps(data.train().size()));
        }
        if (writer) {
            run.writeConfig(config(data, trainer, loss, cfg));
        }
        log.printf("training %s (%d parameters) on %d samples with %s%n", spec.model().spec(), net.numParams(), data.train().size(),
                cfg.method().describe());
        if (ex.threads() == null && !resume) {
            // Kernels split their sums by thread count, so the count is part of a run's bits.
            log.printf("%d thread(s): the cores free now; --threads %d repeats these bits on a busier or quieter machine%n",
                    Engine.threads(), Engine.threads());
        }
        List<EpochMetrics> history = fit(trainer, data, run, writer, log);
        if (history == null) {
            return EXIT_INTERRUPTED;
        }
        RunRecords.Summary s = RunRecords.summary(history);
        if (data.test() != null) {
            log.printf("final test accuracy %.4f, best %.4f at epoch %s; run written to %s%n", s.finalTestAccuracy(), s.bestTestAccuracy(),
                    s.bestEpoch(), spec.out());
        } else {
            log.printf("final train loss %.4f (no test set); run written to %s%n", s.finalTrainLoss(), spec.out());
        }
        return 0;
    }

    /** Trains, writing metrics, checkpoints and the best weights as epochs end; null when interrupted (checkpoint written). */
    private List<EpochMetrics> fit(Trainer trainer, RunData data, RunDirectory run, boolean writer, PrintWriter log) {
        Net net = trainer.net();
        RunSpec.Evaluation ev = spec.evaluation();
        Progress progress = new Progress(log, "", true);
        // --save-best: the best evaluated test accuracy so far (a resumed run continues from its history).
        double[] best = {Double.NEGATIVE_INFINITY};
        trainer.position().history().forEach(m -> best[0] = Double.isFinite(m.testAccuracy()) ? Math.max(best[0], m.testAccuracy()) : best[0]);
        SharpnessTracking tracking = ev.sharpness();
        SharpnessLog sharpnessLog = new SharpnessLog(log, tracking, Math.min(ev.sharpnessSubset(), data.train().size()));
        List<EpochMetrics> history;
        try (Interruption interruption = new Interruption(trainer)) {
            try {
                history = trainer.fit(data.forTrainer(), new Trainer.Listener() {
                    @Override
                    public void onStep(long step, long total, int epoch, double l) {
                        progress.onStep(step, total, epoch, l);
                    }

                    @Override
                    public void onEpoch(EpochMetrics metrics) {
                        if (writer) {
                            if (ev.saveBest() && Double.isFinite(metrics.testAccuracy()) && metrics.testAccuracy() > best[0]) {
                                best[0] = metrics.testAccuracy();
                                run.saveBest(net, metrics.epoch());
                            }
                            run.appendMetrics(metrics);
                            if (metrics.epoch() % ev.checkpointEvery() == 0) {
                                Checkpoint.save(trainer, run.checkpoint());
                            }
                        }
                        progress.onEpoch(metrics);
                        sharpnessLog.onEpoch(metrics);
                    }
                });
            } catch (NonFiniteLossException e) {
                progress.clearLine();
                if (writer) {
                    run.markDiverged(e.loss(), e.step(), e.getMessage());
                }
                int epochs = trainer.position().history().size();
                throw new GradregException(e.getMessage() + (epochs == 0 ? "; no epoch finished, so there is no checkpoint"
                        : "; the last good checkpoint (epoch " + epochs + ") is " + run.checkpoint()), e);
            }
            if (trainer.stopped()) {
                if (writer) {
                    Checkpoint.save(trainer, run.checkpoint());
                }
                progress.clearLine();
                log.printf("%ninterrupted at step %d; checkpoint written. Continue with: gradreg train --out %s --resume%n",
                        trainer.stepCount(), spec.out());
                log.flush();
                return null;
            }
            if (trainer.reachedTrainAccuracy()) {
                progress.clearLine();
                log.printf("training accuracy %s reached at epoch %d (step %d): stopping there%n", ev.stopAtTrainAccuracy(),
                        history.get(history.size() - 1).epoch(), trainer.stepCount());
            }
            if (writer) {
                if (ev.checkpointEvery() > 1) {
                    Checkpoint.save(trainer, run.checkpoint()); // the last epoch's, for a later --resume with more epochs
                }
                run.finish(net, history, Map.of("model", spec.model().spec(), "method", trainer.config().method().describe()));
            }
            sharpnessLog.finish();
        }
        return history;
    }

    /** config.json: every setting as resolved, what it resolved to, and the versions that ran it. */
    private Map<String, Object> config(RunData data, Trainer trainer, Loss loss, TrainConfig cfg) {
        Map<String, Object> c = new LinkedHashMap<>();
        Map<String, String> settings = RunFlags.of(spec).settings();
        List<String> command = new ArrayList<>(List.of("gradreg", "train"));
        command.addAll(RunFlags.args(settings));
        command.addAll(List.of("--out", spec.out().toString()));
        c.put("command", String.join(" ", command));
        c.put("settings", settings);
        c.put("train_size", data.train().size());
        c.put("test_size", data.test() == null ? 0 : data.test().size());
        c.put("unlabeled_size", data.unlabeled() == null ? 0 : data.unlabeled().size(0));
        if (data.standardizer() != null) {
            c.put("standardization", data.standardizer().describe());
        }
        c.put("parameters", trainer.net().numParams());
        c.put("loss", loss.name().toLowerCase());
        c.put("method", cfg.method().describe());
        c.put("optimizer", cfg.optimizer());
        c.put("total_steps", trainer.totalSteps(data.train().size()));
        c.put("threads", Engine.threads());
        c.put("versions", Map.of("gradreg", "0.1.0", "libtorch", "2.10.0", "javacpp", "1.5.13", "java", System.getProperty("java.version")));
        c.put("git_commit", Versions.gitCommit());
        return c;
    }

    /** A sample shape as 1x28x28. */
    private static String shape(long[] s) {
        return java.util.Arrays.stream(s).mapToObj(Long::toString).collect(java.util.stream.Collectors.joining("x"));
    }

    private static String masterHost(String master) {
        int colon = master.lastIndexOf(':');
        if (colon <= 0) {
            throw new GradregException("--master must be HOST:PORT, got '" + master + "'");
        }
        return master.substring(0, colon);
    }

    private static int masterPort(String master) {
        try {
            int p = Integer.parseInt(master.substring(master.lastIndexOf(':') + 1));
            if (p > 0 && p < 65536) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new GradregException("--master must be HOST:PORT with a port in 1..65535, got '" + master + "'");
    }
}
