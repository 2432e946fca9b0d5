package io.gradreg.cli;

import io.gradreg.GradregException;
import io.gradreg.data.CropFlip;
import io.gradreg.data.DataSources;
import io.gradreg.data.Dataset;
import io.gradreg.data.Splits;
import io.gradreg.data.Standardizer;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.method.Loss;
import io.gradreg.method.Method;
import io.gradreg.method.InputPenalty;
import io.gradreg.method.Methods;
import io.gradreg.method.SecondOrder;
import io.gradreg.method.StrengthSchedule;
import io.gradreg.nn.Net;
import io.gradreg.nn.Weights;
import io.gradreg.train.Checkpoint;
import io.gradreg.train.DataParallel;
import io.gradreg.train.EpochMetrics;
import io.gradreg.train.NonFiniteLossException;
import io.gradreg.train.OptimizerSpec;
import io.gradreg.train.Schedule;
import io.gradreg.train.SharpnessTracking;
import io.gradreg.train.SlurmTasks;
import io.gradreg.train.TrainConfig;
import io.gradreg.train.Trainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gradreg train}: one training run, written to a run directory with a checkpoint after
 * every epoch. Ctrl-C stops after the current step and checkpoints; {@code --resume} continues
 * bit-identically.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a model with a gradient-regularization method and write a run directory.")
public final class TrainCommand implements Callable<Integer> {
    /** Exit code of a run stopped by Ctrl-C or SIGTERM (after writing its checkpoint), as shells use. */
    static final int EXIT_INTERRUPTED = 130;

    @Spec
    CommandSpec spec;
    @Mixin
    DataOptions dataOptions;
    @Option(names = "--train-size", description = "training subset of N samples chosen with the seed (0 = all); see --subset")
    long trainSize;
    @Option(names = "--subset", defaultValue = "balanced",
            description = "how --train-size draws: balanced (N/K per class) | random (the first N of a seeded permutation, as seed 002's code) (default: ${DEFAULT-VALUE})")
    String subset;
    @Option(names = "--holdout", defaultValue = "0",
            description = "the last N samples of the training data become the test set (replacing any other); the subsets are drawn from the rest")
    long holdout;
    @Option(names = "--standardize",
            description = "standardize inputs per channel with the training subset's mean and std (+1e-7), applied to test and unlabeled inputs too")
    boolean standardize;
    @Option(names = "--unlabeled-data", description = "inputs (labels ignored) for the input penalty, a file as --data; see --unlabeled-size")
    Path unlabeledData;
    @Option(names = "--unlabeled-size", defaultValue = "0",
            description = "N unlabeled inputs: drawn with the seed from --unlabeled-data, else from the training samples not in the subset, labels ignored. "
                    + "spectreg/frobreg/jacreg then run on a batch of them beside each labeled batch")
    long unlabeledSize;
    @Mixin
    ModelOptions modelOptions;
    @Option(names = "--method", defaultValue = "plain", description = Methods.NAMES + " (default: ${DEFAULT-VALUE})")
    String method;
    @Option(names = "--second-order", defaultValue = "forward", description = "exact | forward | backward | central (default: ${DEFAULT-VALUE})")
    String secondOrder;
    @Option(names = "--gamma", defaultValue = "0.1", description = "GR strength (default: ${DEFAULT-VALUE})")
    double gamma;
    @Option(names = "--eps", defaultValue = "0.01", description = "GR finite-difference step (default: ${DEFAULT-VALUE})")
    double eps;
    @Option(names = "--normalized", description = "GR step eps / ||g||")
    boolean normalized;
    @Option(names = "--rho", defaultValue = "0.05", description = "SAM / ASAM radius (default: ${DEFAULT-VALUE})")
    double rho;
    @Option(names = "--eta", defaultValue = "0.01", description = "ASAM eta (default: ${DEFAULT-VALUE})")
    double eta;
    @Option(names = "--flood", defaultValue = "0.05", description = "flood level b (default: ${DEFAULT-VALUE})")
    double flood;
    @Option(names = "--lambda", defaultValue = "0.01", description = "input-penalty strength (default: ${DEFAULT-VALUE})")
    double lambda;
    @Option(names = "--delta", defaultValue = "0.01", description = "input-space finite-difference step (default: ${DEFAULT-VALUE})")
    double delta;
    @Option(names = "--beta", defaultValue = "0.1", description = "confidence-penalty strength (default: ${DEFAULT-VALUE})")
    double beta;
    @Option(names = "--projections", defaultValue = "0", description = "jacreg/frobreg random projections (0 = exact, K passes)")
    int projections;
    @Option(names = "--rho-schedule", defaultValue = "constant",
            description = "SAM/ASAM rho over training: constant | follow-lr (rho * lr(t)/lr) | warmup:STEPS (linear from 0) (default: ${DEFAULT-VALUE})")
    String rhoSchedule;
    @Option(names = "--gamma-schedule", defaultValue = "constant", description = "GR gamma over training, as --rho-schedule (default: ${DEFAULT-VALUE})")
    String gammaSchedule;
    @Option(names = "--lambda-schedule", defaultValue = "constant",
            description = "input-penalty lambda over training, as --rho-schedule (default: ${DEFAULT-VALUE})")
    String lambdaSchedule;
    @Option(names = "--every", defaultValue = "1",
            description = "run the method's extra passes on every K-th step only, plain steps between (default: ${DEFAULT-VALUE})")
    int every;
    @Option(names = "--reuse", description = "with --every K: between full steps, add the last full step's regularization component d - g to the plain gradient")
    boolean reuse;
    @Option(names = "--clip-grad-norm", defaultValue = "0",
            description = "clip the final update direction (after the method, before the optimizer) to this total 2-norm, as PyTorch's clip_grad_norm_; 0 = off (default: ${DEFAULT-VALUE})")
    double clipGradNorm;
    @Option(names = "--projection", defaultValue = "sample",
            description = "spectreg's Gaussian r: sample (fresh per sample) | batch (one per mini-batch, as seed 002's code) (default: ${DEFAULT-VALUE})")
    String projection;
    @Option(names = "--optimizer", defaultValue = "sgd", description = "sgd | adam | adamw (default: ${DEFAULT-VALUE})")
    String optimizer;
    @Option(names = "--lr", defaultValue = "0.1", description = "learning rate (default: ${DEFAULT-VALUE})")
    double lr;
    @Option(names = "--momentum", defaultValue = "0", description = "SGD momentum (default: ${DEFAULT-VALUE})")
    double momentum;
    @Option(names = "--nesterov", description = "Nesterov momentum")
    boolean nesterov;
    @Option(names = "--weight-decay", defaultValue = "0",
            description = "weight decay wd: coupled L2 (wd/2)||theta||^2 in the loss for sgd/adam, decoupled theta*(1-lr*wd) for adamw (default: ${DEFAULT-VALUE})")
    double weightDecay;
    @Option(names = "--weight-decay-on", defaultValue = "all",
            description = "all (every parameter) | weights (tensors of 2+ dims: no biases, no batch-norm parameters) (default: ${DEFAULT-VALUE})")
    String weightDecayOn;
    @Option(names = "--schedule", defaultValue = "constant", description = "constant | cosine | step (default: ${DEFAULT-VALUE})")
    String schedule;
    @Option(names = "--epochs", description = "epochs (default 10 when --steps is not given)")
    Integer epochs;
    @Option(names = "--steps", description = "steps, instead of epochs")
    Long steps;
    @Option(names = "--batch-size", defaultValue = "128", description = "batch size (default: ${DEFAULT-VALUE})")
    int batchSize;
    @Option(names = "--accumulate", defaultValue = "1", description = "split each batch into K micro-batches, exact for every method (default: ${DEFAULT-VALUE})")
    int accumulate;
    @Option(names = "--augment", defaultValue = "none",
            description = "none | crop-flip: random crop after 4-pixel black padding, and horizontal flip, drawn from the seed and step (default: ${DEFAULT-VALUE})")
    String augment;
    @Option(names = "--sync-batchnorm", description = "data parallel: normalize with the whole batch's statistics across workers (forward and gradient exact; not with --accumulate, exact GR or input penalties)")
    boolean syncBatchNorm;
    @Option(names = "--no-shuffle", description = "keep the data order")
    boolean noShuffle;
    @Option(names = "--eval-every", defaultValue = "1",
            description = "evaluate on the full training and test sets every N epochs and after the last (default: ${DEFAULT-VALUE})")
    int evalEvery;
    @Option(names = "--stop-at-train-accuracy", defaultValue = "0", paramLabel = "A",
            description = "end the run after the first evaluation whose training accuracy is at least A, e.g. 1.0 (0 = off; "
                    + "--epochs/--steps stay the budget)")
    double stopAtTrainAccuracy;
    @Option(names = "--track-sharpness", defaultValue = "0", paramLabel = "N",
            description = "every N epochs, measure the top Hessian eigenvalue (Lanczos), the trace (Hutchinson) and R_IG on a fixed "
                    + "training subset; into metrics.jsonl and sharpness.png, cost in the log (default: 0 = off)")
    int trackSharpness;
    @Option(names = "--sharpness-subset", defaultValue = "" + SharpnessTracking.DEFAULT_SUBSET,
            description = "samples in the sharpness subset, drawn with the seed (default: ${DEFAULT-VALUE})")
    long sharpnessSubset;
    @Option(names = "--sharpness-lanczos", defaultValue = "" + SharpnessTracking.DEFAULT_LANCZOS,
            description = "Lanczos iterations (Hessian-vector products) for the top eigenvalue (default: ${DEFAULT-VALUE})")
    int sharpnessLanczos;
    @Option(names = "--sharpness-hutchinson", defaultValue = "" + SharpnessTracking.DEFAULT_HUTCHINSON,
            description = "Hutchinson probes (Hessian-vector products) for the trace (default: ${DEFAULT-VALUE})")
    int sharpnessHutchinson;
    @Option(names = "--seed", defaultValue = "0", description = "seed of init, data order, dropout (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--init-weights", description = "start from these weights (safetensors, PyTorch state_dict names)")
    Path initWeights;
    @Option(names = "--out", defaultValue = "runs/train", description = "run directory (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--threads", description = "threads, fixed (default: one per free core, following the load; sweeps run workers with 1)")
    Integer threads;
    @Option(names = "--world-size", defaultValue = "1", description = "data-parallel workers in all (see gradreg launch) (default: ${DEFAULT-VALUE})")
    int worldSize;
    @Option(names = "--rank", defaultValue = "0", description = "this worker's rank, 0 .. world size - 1; rank 0 writes the run directory")
    int rank;
    @Option(names = "--master", defaultValue = "127.0.0.1:29500", description = "HOST:PORT where rank 0 listens (default: ${DEFAULT-VALUE})")
    String master;
    @Option(names = "--dist-timeout", defaultValue = "60", description = "seconds before a silent worker or master ends the run (default: ${DEFAULT-VALUE})")
    int distTimeout;
    @Option(names = "--checkpoint-every", defaultValue = "1",
            description = "write the checkpoint every N epochs and after the last (default: ${DEFAULT-VALUE}; full-batch runs have one step per epoch)")
    int checkpointEvery;

    @Option(names = "--save-best", description = "also write best-weights.safetensors: the weights at the evaluated epoch of highest test accuracy")
    boolean saveBest;

    @Option(names = "--resume", description = "continue the run in --out from its checkpoint")
    boolean resume;
    @Option(names = "--overwrite", description = "replace the run already in --out (without it, such a directory is refused)")
    boolean overwrite;

    @Override
    public Integer call() {
        PrintWriter log = spec.commandLine().getOut();
        if (resume && overwrite) {
            throw new GradregException("give --resume or --overwrite, not both");
        }
        fromSlurm(System.getenv(), log);
        if (!resume) {
            return run(log);
        }
        RunDirectory.requireCheckpoint(out);
        TrainCommand saved = new TrainCommand();
        RunSettings.parseInto(saved, RunSettings.forResume(spec, out), out.resolve("config.json"));
        saved.out = out;
        saved.resume = true;
        saved.spec = spec;
        // The saved run's thread count unless one is given: OpenBLAS's last bits depend on it, and the
        // default count depends on the load at start, so reusing it keeps a resumed run bit-identical.
        saved.threads = threads != null ? threads : savedThreads(out.resolve("config.json"));
        saved.worldSize = worldSize;
        saved.rank = rank;
        saved.master = master;
        saved.distTimeout = distTimeout;
        return saved.run(log);
    }

    private static Integer savedThreads(Path config) {
        var t = io.gradreg.io.Json.read(config).path("threads");
        return t.canConvertToInt() && t.asInt() >= 1 ? t.asInt() : null;
    }

    private Integer run(PrintWriter log) {
        // Everything that needs no data is checked first, so bad flags fail fast and write nothing.
        DType dt = modelOptions.dtype();
        modelOptions.validate();
        TrainConfig cfg = config();
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new GradregException("--rank must be in 0 .. --world-size - 1, got rank " + rank + " of " + worldSize);
        }
        if (worldSize > 1) {
            masterPort();
        }
        if (!augment.equals("none") && !augment.equals("crop-flip")) {
            throw new GradregException("unknown --augment '" + augment + "': expected none or crop-flip");
        }
        if (checkpointEvery < 1) {
            throw new GradregException("--checkpoint-every must be >= 1, got " + checkpointEvery);
        }
        if (evalEvery < 1) {
            throw new GradregException("--eval-every must be >= 1, got " + evalEvery);
        }
        TrainConfig.requireAccuracyTarget(stopAtTrainAccuracy); // before the run directory exists
        if (stopAtTrainAccuracy > 0 && worldSize > 1) {
            throw new GradregException("--stop-at-train-accuracy is not supported with --world-size > 1 (the workers would have to agree "
                    + "on the evaluation that stops them)");
        }
        if (trackSharpness < 0) {
            throw new GradregException("--track-sharpness must be >= 0 epochs (0 = off), got " + trackSharpness);
        }
        SharpnessTracking tracking = trackSharpness == 0 ? null
                : new SharpnessTracking(trackSharpness, sharpnessSubset, sharpnessLanczos, sharpnessHutchinson);
        if (trainSize < 0) {
            throw new GradregException("--train-size must be >= 0, got " + trainSize);
        }
        validateDataFlags(cfg);

        if (threads != null && threads < 1) {
            throw new GradregException("--threads must be >= 1, got " + threads);
        }
        // The directory is owned before anything slow starts, so a second writer is stopped at once.
        // Only rank 0 writes and locks; the other workers keep a view that writes nothing.
        boolean writer = rank == 0;
        try (RunDirectory run = !writer ? RunDirectory.readOnly(out) : resume ? RunDirectory.existing(out) : RunDirectory.fresh(out, overwrite)) {
            return train(log, cfg, dt, tracking, run);
        }
    }

    private Integer train(PrintWriter log, TrainConfig cfg, DType dt, SharpnessTracking tracking, RunDirectory run) {
        boolean writer = rank == 0;
        if (threads != null) {
            Engine.start(threads);
        } else {
            Engine.start();
        }
        Prepared data = prepare(dt, log);
        Dataset train = data.train();
        Engine.seed(seed);
        Net net = modelOptions.build(train);
        if (initWeights != null && !resume) {
            Weights.load(net, initWeights);
        }
        Loss loss = Loss.forTargets(train.y());
        if (augment.equals("crop-flip")) {
            CropFlip.requireImages(train.x());
        }
        cfg = cfg.toBuilder().evalEvery(evalEvery).stopAtTrainAccuracy(stopAtTrainAccuracy).syncBatchNorm(syncBatchNorm)
                .cropFlip(augment.equals("crop-flip") ? 4 : 0).sharpness(tracking).build();
        DataParallel group = null;
        if (worldSize > 1) {
            log.printf("worker %d of %d joining %s%n", rank, worldSize, master);
            log.flush();
            group = DataParallel.connect(masterHost(), masterPort(), rank, worldSize, java.time.Duration.ofSeconds(distTimeout));
        }
        Trainer trainer = new Trainer(net, loss, cfg, group); // refuses what it cannot make exact before training starts
        if (resume) {
            Trainer.Position p = Checkpoint.load(trainer, run.checkpoint());
            if (writer) {
                run.rewriteMetrics(p.history());
            }
            log.printf("resuming %s at epoch %d, step %d of %d%n", out, p.epoch(), p.step(), trainer.totalSteps(train.size()));
        }
        if (writer) {
            run.writeConfig(describe(data, trainer, loss, cfg));
        }

        log.printf("training %s (%d parameters) on %d samples with %s%n", modelOptions.model, net.numParams(), train.size(),
                cfg.method().describe());
        Progress progress = new Progress(log, "", true);
        // --save-best: the best evaluated test accuracy so far (a resumed run continues from its history).
        double[] best = {Double.NEGATIVE_INFINITY};
        trainer.position().history().forEach(m -> best[0] = Double.isFinite(m.testAccuracy()) ? Math.max(best[0], m.testAccuracy()) : best[0]);
        SharpnessLog sharpnessLog = new SharpnessLog(log, tracking, Math.min(sharpnessSubset, train.size()));
        List<EpochMetrics> history;
        try (Interruption interruption = new Interruption(trainer)) {
            try {
                history = trainer.fit(new Trainer.Data(train, data.test(), data.unlabeled(), data.black()), new Trainer.Listener() {
                    @Override
                    public void onStep(long step, long total, int epoch, double l) {
                        progress.onStep(step, total, epoch, l);
                    }

                    @Override
                    public void onEpoch(EpochMetrics metrics) {
                        if (writer) {
                            if (saveBest && Double.isFinite(metrics.testAccuracy()) && metrics.testAccuracy() > best[0]) {
                                best[0] = metrics.testAccuracy();
                                run.saveBest(net, metrics.epoch());
                            }
                            run.appendMetrics(metrics);
                            if (metrics.epoch() % checkpointEvery == 0) {
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
                        trainer.stepCount(), out);
                log.flush();
                return EXIT_INTERRUPTED;
            }
            if (trainer.reachedTrainAccuracy()) {
                progress.clearLine();
                log.printf("training accuracy %s reached at epoch %d (step %d): stopping there%n", stopAtTrainAccuracy,
                        history.get(history.size() - 1).epoch(), trainer.stepCount());
            }
            if (writer) {
                if (checkpointEvery > 1) {
                    Checkpoint.save(trainer, run.checkpoint()); // the last epoch's, for a later --resume with more epochs
                }
                run.finish(net, history, Map.of("model", modelOptions.model, "method", cfg.method().describe()));
            }
            sharpnessLog.finish();
        }
        Map<String, Object> s = RunDirectory.summary(history);
        if (data.test() != null) {
            log.printf("final test accuracy %.4f, best %.4f at epoch %s; run written to %s%n",
                    (double) s.get("final_test_accuracy"), (double) s.get("best_test_accuracy"), s.get("best_epoch"), out);
        } else {
            log.printf("final train loss %.4f (no test set); run written to %s%n", (double) s.get("final_train_loss"), out);
        }
        return 0;
    }

    /**
     * A run's data: the labeled training subset, the test set (may be null), unlabeled inputs (may be
     * null), and {@code black}, a zero pixel per channel after the source's normalization (CIFAR; else null).
     */
    record Prepared(Dataset train, Dataset test, Tensor unlabeled, Standardizer standardizer, double[] black) {}

    /** Whether this run cut or transformed its data itself (--holdout, --standardize): eval and analyze then use {@link #prepare}. */
    boolean cutsData() {
        return holdout > 0 || standardize;
    }

    /** The data flags that can be checked without data. */
    private void validateDataFlags(TrainConfig cfg) {
        if (!subset.equals("balanced") && !subset.equals("random")) {
            throw new GradregException("unknown --subset '" + subset + "': expected balanced or random");
        }
        if (holdout < 0) {
            throw new GradregException("--holdout must be >= 0, got " + holdout);
        }
        if (holdout > 0 && dataOptions.testData != null) {
            throw new GradregException("give --holdout or --test-data, not both: each makes the test set");
        }
        if (holdout > 0 && dataOptions.testSize > 0) {
            throw new GradregException("--test-size does not apply with --holdout: the last " + holdout + " samples are the test set");
        }
        if (unlabeledSize < 0) {
            throw new GradregException("--unlabeled-size must be >= 0, got " + unlabeledSize);
        }
        boolean unlabeled = unlabeledData != null || unlabeledSize > 0;
        if (unlabeled && !(cfg.method().unwrapped() instanceof InputPenalty ip && ip.labelFree())) {
            throw new GradregException("unlabeled inputs need a label-free input penalty (--method spectreg, frobreg or jacreg), got " + method);
        }
    }

    /**
     * Loads the data and cuts it as the flags say: the holdout test set, the labeled subset, the
     * unlabeled inputs, then standardization with the labeled subset's statistics.
     */
    Prepared prepare(DType dt, PrintWriter log) {
        DataOptions.Loaded data = dataOptions.load(dt, seed, log);
        Dataset pool = data.train();
        Dataset test = data.test();
        if (holdout > 0) {
            Splits.Holdout h = Splits.holdout(pool, holdout);
            pool = h.pool();
            test = h.test();
        }
        Splits.Draw draw = Splits.draw(pool, trainSize, subset.equals("balanced"), unlabeledData == null ? unlabeledSize : 0, seed);
        Dataset train = draw.labeled();
        Tensor unlabeled = draw.unlabeled();
        if (unlabeledData != null) {
            Dataset u = DataSources.read(unlabeledData, dt).train();
            if (!java.util.Arrays.equals(u.sampleShape(), train.sampleShape())) {
                throw new GradregException(unlabeledData + ": samples of shape " + java.util.Arrays.toString(u.sampleShape())
                        + " but the training samples have shape " + java.util.Arrays.toString(train.sampleShape()));
            }
            unlabeled = Splits.inputs(u.x(), unlabeledSize, seed);
        }
        Standardizer st = null;
        if (standardize) {
            st = Standardizer.fit(train.x());
            train = st.apply(train);
            test = st.apply(test);
            unlabeled = unlabeled == null ? null : st.apply(unlabeled);
        }
        return new Prepared(train, test, unlabeled, st, data.black());
    }

    /**
     * Under srun, world size, rank and master come from Slurm's environment when --world-size is
     * not given (explicit flags win, one by one), and the thread count from SLURM_CPUS_PER_TASK
     * when --threads is not.
     */
    void fromSlurm(Map<String, String> env, PrintWriter log) {
        var parsed = spec.commandLine().getParseResult();
        if (parsed.hasMatchedOption("--world-size")) {
            return;
        }
        SlurmTasks.fromEnv(env).ifPresent(t -> {
            worldSize = t.world();
            if (!parsed.hasMatchedOption("--rank")) {
                rank = t.rank();
            }
            if (!parsed.hasMatchedOption("--master")) {
                t.requireReachableMaster();
                master = t.master();
            }
            if (threads == null && env.containsKey("SLURM_CPUS_PER_TASK")) {
                try {
                    threads = Integer.parseInt(env.get("SLURM_CPUS_PER_TASK").trim());
                } catch (NumberFormatException e) {
                    throw new GradregException("SLURM_CPUS_PER_TASK is not a number: '" + env.get("SLURM_CPUS_PER_TASK") + "'; give --threads");
                }
            }
            if (t.world() > 1) {
                log.printf("slurm step: worker %d of %d, master %s%n", rank, worldSize, master);
            }
        });
    }

    private String masterHost() {
        int colon = master.lastIndexOf(':');
        if (colon <= 0) {
            throw new GradregException("--master must be HOST:PORT, got '" + master + "'");
        }
        return master.substring(0, colon);
    }

    private int masterPort() {
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

    private TrainConfig config() {
        Method m = Methods.build(method, new Methods.Options(SecondOrder.parse(secondOrder), gamma, eps, normalized,
                rho, eta, flood, lambda, delta, beta, projections, InputPenalty.Projection.parse(projection)));
        Map<String, StrengthSchedule> schedules = new LinkedHashMap<>();
        schedules.put("rho", StrengthSchedule.parse("--rho-schedule", rhoSchedule));
        schedules.put("gamma", StrengthSchedule.parse("--gamma-schedule", gammaSchedule));
        schedules.put("lambda", StrengthSchedule.parse("--lambda-schedule", lambdaSchedule));
        m = Methods.every(Methods.scheduled(m, schedules), every, reuse);
        OptimizerSpec opt = new OptimizerSpec(OptimizerSpec.parseKind(optimizer), lr, momentum, nesterov, weightDecay,
                OptimizerSpec.DecayOn.parse(weightDecayOn));
        if (epochs != null && steps != null) {
            throw new GradregException("give --epochs or --steps, not both");
        }
        return new TrainConfig(m, opt, Schedule.parse(schedule), steps == null ? (epochs == null ? 10 : epochs) : 0,
                steps == null ? 0 : steps, batchSize, !noShuffle, seed, accumulate, clipGradNorm);
    }

    /** config.json: every setting as resolved, what it resolved to, and the versions that ran it. */
    private Map<String, Object> describe(Prepared data, Trainer trainer, Loss loss, TrainConfig cfg) {
        Dataset train = data.train();
        Dataset test = data.test();
        Map<String, Object> c = new LinkedHashMap<>();
        Map<String, String> settings = RunSettings.of(spec);
        List<String> command = new ArrayList<>(List.of("gradreg", "train"));
        command.addAll(RunSettings.args(settings));
        command.addAll(List.of("--out", out.toString()));
        c.put("command", String.join(" ", command));
        c.put("settings", settings);
        c.put("train_size", train.size());
        c.put("test_size", test == null ? 0 : test.size());
        c.put("unlabeled_size", data.unlabeled() == null ? 0 : data.unlabeled().size(0));
        if (data.standardizer() != null) {
            c.put("standardization", data.standardizer().describe());
        }
        c.put("parameters", trainer.net().numParams());
        c.put("loss", loss.name().toLowerCase());
        c.put("method", cfg.method().describe());
        c.put("optimizer", cfg.optimizer());
        c.put("total_steps", trainer.totalSteps(train.size()));
        c.put("threads", Engine.threads());
        c.put("versions", Map.of("gradreg", "0.1.0", "libtorch", "2.10.0", "javacpp", "1.5.13", "java", System.getProperty("java.version")));
        c.put("git_commit", Versions.gitCommit());
        return c;
    }
}
