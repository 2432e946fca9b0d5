package io.gradreg.train;

import io.gradreg.GradregException;
import io.gradreg.engine.DType;
import io.gradreg.method.Every;
import io.gradreg.method.InputPenalty;
import io.gradreg.method.Method;
import io.gradreg.method.Methods;
import io.gradreg.method.SecondOrder;
import io.gradreg.method.StrengthSchedule;
import io.gradreg.nn.Activation;
import java.nio.file.Path;

/**
 * One training run, typed and immutable: where the data comes from and how it is cut, the model,
 * the method with its strengths and second order, the optimizer and its schedule, the run's length,
 * what happens between epochs, the seed, and where and how it runs. {@link RunFlags} parses it from
 * the command line (and from a sweep's YAML, config.json and a worker's arguments, through the same
 * options); {@link Run} runs it. Derive variants with the {@code with...} methods.
 *
 * <p>Every part validates itself, with the command line's one-line messages, so a bad run is
 * refused before anything is loaded or written.
 */
public record RunSpec(Data data, Model model, MethodSpec method, Optimization optimization, Length length, Evaluation evaluation,
        long seed, Execution execution) {

    /** How {@code --train-size} draws its subset. */
    public enum Subset {
        /** N/K samples per class. */
        BALANCED,
        /** The first N of a seeded permutation (seed 002's code). */
        RANDOM;

        static Subset parse(String s) {
            return switch (s) {
                case "balanced" -> BALANCED;
                case "random" -> RANDOM;
                default -> throw new GradregException("unknown --subset '" + s + "': expected balanced or random");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase();
        }
    }

    /** Training-batch augmentation. */
    public enum Augment {
        NONE, CROP_FLIP;

        static Augment parse(String s) {
            return switch (s) {
                case "none" -> NONE;
                case "crop-flip" -> CROP_FLIP;
                default -> throw new GradregException("unknown --augment '" + s + "': expected none or crop-flip");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    /**
     * The data: a source ({@code mnist}, {@code cifar10:DIR}, or a file), an optional test file and
     * test subset, the labeled training subset, a holdout test set cut from the training data,
     * standardization, unlabeled inputs for the input penalties, and augmentation.
     */
    public record Data(String source, Path testData, long testSize, long trainSize, Subset subset, long holdout, boolean standardize,
            Path unlabeledData, long unlabeledSize, Augment augment) {
        public Data {
            if (trainSize < 0) {
                throw new GradregException("--train-size must be >= 0, got " + trainSize);
            }
            if (holdout < 0) {
                throw new GradregException("--holdout must be >= 0, got " + holdout);
            }
            if (holdout > 0 && testData != null) {
                throw new GradregException("give --holdout or --test-data, not both: each makes the test set");
            }
            if (holdout > 0 && testSize > 0) {
                throw new GradregException("--test-size does not apply with --holdout: the last " + holdout + " samples are the test set");
            }
            if (unlabeledSize < 0) {
                throw new GradregException("--unlabeled-size must be >= 0, got " + unlabeledSize);
            }
        }

        /** Data from {@code source}, whole, as it comes. */
        public static Data of(String source) {
            return new Data(source, null, 0, 0, Subset.BALANCED, 0, false, null, 0, Augment.NONE);
        }

        /** Whether unlabeled inputs are asked for. */
        public boolean unlabeled() {
            return unlabeledData != null || unlabeledSize > 0;
        }

        /** Whether the run cuts or transforms its data itself (--holdout, --standardize): eval and analyze then cut it the same way. */
        public boolean cutsData() {
            return holdout > 0 || standardize;
        }

        public Data withSource(String s) {
            return new Data(s, testData, testSize, trainSize, subset, holdout, standardize, unlabeledData, unlabeledSize, augment);
        }

        public Data withTestData(Path p) {
            return new Data(source, p, testSize, trainSize, subset, holdout, standardize, unlabeledData, unlabeledSize, augment);
        }

        public Data withTrainSize(long n) {
            return new Data(source, testData, testSize, n, subset, holdout, standardize, unlabeledData, unlabeledSize, augment);
        }

        public Data withSubset(Subset s) {
            return new Data(source, testData, testSize, trainSize, s, holdout, standardize, unlabeledData, unlabeledSize, augment);
        }

        public Data withHoldout(long n) {
            return new Data(source, testData, testSize, trainSize, subset, n, standardize, unlabeledData, unlabeledSize, augment);
        }

        public Data withStandardize(boolean on) {
            return new Data(source, testData, testSize, trainSize, subset, holdout, on, unlabeledData, unlabeledSize, augment);
        }

        public Data withUnlabeledSize(long n) {
            return new Data(source, testData, testSize, trainSize, subset, holdout, standardize, unlabeledData, n, augment);
        }

        public Data withAugment(Augment a) {
            return new Data(source, testData, testSize, trainSize, subset, holdout, standardize, unlabeledData, unlabeledSize, a);
        }
    }

    /** The model: a spec ({@code mlp:784-512-512-10}, {@code lenet5}, ...), its activation, dropout, batch norm, dtype and initial weights. */
    public record Model(String spec, Activation activation, double dropout, boolean batchNorm, DType dtype, Path initWeights) {
        public Model {
            if (spec == null) {
                throw new GradregException("missing --model");
            }
        }

        public static Model of(String spec) {
            return new Model(spec, Activation.RELU, 0, false, DType.FLOAT32, null);
        }

        public Model withSpec(String s) {
            return new Model(s, activation, dropout, batchNorm, dtype, initWeights);
        }

        public Model withDropout(double p) {
            return new Model(spec, activation, p, batchNorm, dtype, initWeights);
        }

        public Model withBatchNorm(boolean on) {
            return new Model(spec, activation, dropout, on, dtype, initWeights);
        }

        public Model withDtype(DType t) {
            return new Model(spec, activation, dropout, batchNorm, t, initWeights);
        }

        public Model withActivation(Activation a) {
            return new Model(spec, a, dropout, batchNorm, dtype, initWeights);
        }
    }

    /** The strength schedules: SAM/ASAM's ρ, GR's γ and the input penalties' λ over training. */
    public record Schedules(StrengthSchedule rho, StrengthSchedule gamma, StrengthSchedule lambda) {
        public static final Schedules CONSTANT = new Schedules(StrengthSchedule.CONSTANT, StrengthSchedule.CONSTANT, StrengthSchedule.CONSTANT);
    }

    /**
     * The method: its name, every hyperparameter a method may read, the strength schedules,
     * {@code --every K [--reuse difference|looksam]} and the clipping of the final direction.
     */
    public record MethodSpec(String name, Methods.Options options, Schedules schedules, int every, Every.Reuse reuse, double clipGradNorm) {
        /** {@code name} with the defaults of every hyperparameter. */
        public static MethodSpec of(String name) {
            return new MethodSpec(name, Methods.Options.defaults(), Schedules.CONSTANT, 1, Every.Reuse.NONE, 0);
        }

        /** The method to train with: built, scheduled and thinned out as the flags say (errors name the bad flag). */
        public Method build() {
            Method m = Methods.build(name, options);
            return Methods.every(Methods.scheduled(m, schedules.rho(), schedules.gamma(), schedules.lambda()), every, reuse, options.alpha());
        }

        public MethodSpec withName(String n) {
            return new MethodSpec(n, options, schedules, every, reuse, clipGradNorm);
        }

        public MethodSpec withOptions(Methods.Options o) {
            return new MethodSpec(name, o, schedules, every, reuse, clipGradNorm);
        }

        public MethodSpec withSchedules(Schedules s) {
            return new MethodSpec(name, options, s, every, reuse, clipGradNorm);
        }

        /** Every {@code k}-th step, reusing the last full step's d − g between when {@code keep}. */
        public MethodSpec withEvery(int k, boolean keep) {
            return withEvery(k, keep ? Every.Reuse.DIFFERENCE : Every.Reuse.NONE);
        }

        /** Every {@code k}-th step, reusing between what {@code r} says. */
        public MethodSpec withEvery(int k, Every.Reuse r) {
            return new MethodSpec(name, options, schedules, k, r, clipGradNorm);
        }
    }

    /** The optimizer (with its weight decay) and the learning-rate schedule. */
    public record Optimization(OptimizerSpec optimizer, Schedule schedule) {
        public static Optimization sgd(double lr) {
            return new Optimization(OptimizerSpec.sgd(lr), Schedule.CONSTANT);
        }
    }

    /**
     * How long and in which batches: epochs or steps (null when not given; neither means 10 epochs),
     * batch size, micro-batches, shuffling, and synchronized batch norm across workers.
     */
    public record Length(Integer epochs, Long steps, int batchSize, int accumulate, boolean shuffle, boolean syncBatchNorm) {
        public Length {
            if (epochs != null && steps != null) {
                throw new GradregException("give --epochs or --steps, not both");
            }
        }

        public static Length epochs(int n, int batchSize) {
            return new Length(n, null, batchSize, 1, true, false);
        }

        /** Epochs to run (0 when the run is counted in steps). */
        public int epochCount() {
            return steps == null ? (epochs == null ? 10 : epochs) : 0;
        }

        /** Steps to run (0 when the run is counted in epochs). */
        public long stepCount() {
            return steps == null ? 0 : steps;
        }

        public Length withEpochs(int n) {
            return new Length(n, null, batchSize, accumulate, shuffle, syncBatchNorm);
        }

        public Length withSteps(long n) {
            return new Length(null, n, batchSize, accumulate, shuffle, syncBatchNorm);
        }

        public Length withBatchSize(int n) {
            return new Length(epochs, steps, n, accumulate, shuffle, syncBatchNorm);
        }

        public Length withAccumulate(int k) {
            return new Length(epochs, steps, batchSize, k, shuffle, syncBatchNorm);
        }

        public Length withShuffle(boolean on) {
            return new Length(epochs, steps, batchSize, accumulate, on, syncBatchNorm);
        }
    }

    /**
     * Between epochs: the evaluation interval, the training-accuracy target that ends the run,
     * sharpness tracking (every N epochs, 0 = off, with its subset and estimator sizes), the
     * checkpoint interval, and whether the best weights are kept.
     */
    public record Evaluation(int evalEvery, double stopAtTrainAccuracy, int trackSharpness, long sharpnessSubset, int sharpnessLanczos,
            int sharpnessHutchinson, int checkpointEvery, boolean saveBest) {
        public Evaluation {
            if (checkpointEvery < 1) {
                throw new GradregException("--checkpoint-every must be >= 1, got " + checkpointEvery);
            }
            if (evalEvery < 1) {
                throw new GradregException("--eval-every must be >= 1, got " + evalEvery);
            }
            TrainConfig.requireAccuracyTarget(stopAtTrainAccuracy);
            if (trackSharpness < 0) {
                throw new GradregException("--track-sharpness must be >= 0 epochs (0 = off), got " + trackSharpness);
            }
        }

        public static final Evaluation DEFAULTS = new Evaluation(1, 0, 0, SharpnessTracking.DEFAULT_SUBSET, SharpnessTracking.DEFAULT_LANCZOS,
                SharpnessTracking.DEFAULT_HUTCHINSON, 1, false);

        /** The sharpness measurement asked for, or null. */
        public SharpnessTracking sharpness() {
            return trackSharpness == 0 ? null : new SharpnessTracking(trackSharpness, sharpnessSubset, sharpnessLanczos, sharpnessHutchinson);
        }

        public Evaluation withEvalEvery(int k) {
            return new Evaluation(k, stopAtTrainAccuracy, trackSharpness, sharpnessSubset, sharpnessLanczos, sharpnessHutchinson,
                    checkpointEvery, saveBest);
        }

        public Evaluation withCheckpointEvery(int k) {
            return new Evaluation(evalEvery, stopAtTrainAccuracy, trackSharpness, sharpnessSubset, sharpnessLanczos, sharpnessHutchinson,
                    k, saveBest);
        }

        public Evaluation withStopAtTrainAccuracy(double a) {
            return new Evaluation(evalEvery, a, trackSharpness, sharpnessSubset, sharpnessLanczos, sharpnessHutchinson, checkpointEvery,
                    saveBest);
        }

        public Evaluation withSaveBest(boolean on) {
            return new Evaluation(evalEvery, stopAtTrainAccuracy, trackSharpness, sharpnessSubset, sharpnessLanczos, sharpnessHutchinson,
                    checkpointEvery, on);
        }
    }

    /**
     * Where and how the run executes, none of it part of what the run computes: the run directory,
     * the thread count (null: the free cores), and data parallelism (world size, rank and master null:
     * from Slurm's environment under srun, else one process at 127.0.0.1:29500).
     */
    public record Execution(Path out, Integer threads, Integer worldSize, Integer rank, String master, int distTimeout) {
        public static final String DEFAULT_MASTER = "127.0.0.1:29500";
        public static final Path DEFAULT_OUT = Path.of("runs", "train");

        public Execution {
            if (threads != null && threads < 1) {
                throw new GradregException("--threads must be >= 1, got " + threads);
            }
        }

        public static Execution in(Path out) {
            return new Execution(out, null, null, null, null, 60);
        }

        public Execution withOut(Path p) {
            return new Execution(p, threads, worldSize, rank, master, distTimeout);
        }

        public Execution withThreads(Integer n) {
            return new Execution(out, n, worldSize, rank, master, distTimeout);
        }

        /** One process, whatever the environment says (what sweep workers run as). */
        public Execution alone() {
            return new Execution(out, threads, 1, 0, master, distTimeout);
        }

        public Execution withParallel(int world, int r, String m) {
            return new Execution(out, threads, world, r, m, distTimeout);
        }
    }

    public RunSpec {
        if (data.unlabeled() && !labelFree(method)) {
            throw new GradregException("unlabeled inputs need a label-free input penalty (--method spectreg, frobreg or jacreg), got "
                    + method.name());
        }
    }

    private static boolean labelFree(MethodSpec m) {
        return m.build().unwrapped() instanceof InputPenalty ip && ip.labelFree();
    }

    /** A builder with a named setter per setting ({@link RunSpecBuilder}): train's defaults until told otherwise. */
    public static RunSpecBuilder builder() {
        return new RunSpecBuilder();
    }

    /** A plain-SGD run of {@code model} on {@code data} for 10 epochs of batch 128, seed 0, into runs/train. */
    public static RunSpec of(String data, String model) {
        return new RunSpec(Data.of(data), Model.of(model), MethodSpec.of("plain"), Optimization.sgd(0.1), new Length(null, null, 128, 1, true,
                false), Evaluation.DEFAULTS, 0, Execution.in(Execution.DEFAULT_OUT));
    }

    /** The Trainer's configuration for this run. */
    public TrainConfig trainConfig() {
        return new TrainConfig(method.build(), optimization.optimizer(), optimization.schedule(), length.epochCount(), length.stepCount(),
                length.batchSize(), length.shuffle(), seed, length.accumulate(), method.clipGradNorm(), evaluation.evalEvery(),
                evaluation.stopAtTrainAccuracy(), length.syncBatchNorm(), data.augment() == Augment.CROP_FLIP ? 4 : 0, evaluation.sharpness());
    }

    public RunSpec withData(Data d) {
        return new RunSpec(d, model, method, optimization, length, evaluation, seed, execution);
    }

    public RunSpec withModel(Model m) {
        return new RunSpec(data, m, method, optimization, length, evaluation, seed, execution);
    }

    public RunSpec withMethod(MethodSpec m) {
        return new RunSpec(data, model, m, optimization, length, evaluation, seed, execution);
    }

    public RunSpec withOptimization(Optimization o) {
        return new RunSpec(data, model, method, o, length, evaluation, seed, execution);
    }

    public RunSpec withLength(Length l) {
        return new RunSpec(data, model, method, optimization, l, evaluation, seed, execution);
    }

    public RunSpec withEvaluation(Evaluation e) {
        return new RunSpec(data, model, method, optimization, length, e, seed, execution);
    }

    public RunSpec withSeed(long s) {
        return new RunSpec(data, model, method, optimization, length, evaluation, s, execution);
    }

    public RunSpec withExecution(Execution e) {
        return new RunSpec(data, model, method, optimization, length, evaluation, seed, e);
    }

    /** The run directory. */
    public Path out() {
        return execution.out();
    }

    /** This run writing to {@code dir}. */
    public RunSpec withOut(Path dir) {
        return withExecution(execution.withOut(dir));
    }

    /** The method named {@code name} with the same hyperparameters. */
    public RunSpec withMethodName(String name) {
        return withMethod(method.withName(name));
    }

    /** The optimizer with learning rate {@code lr}. */
    public RunSpec withLr(double lr) {
        OptimizerSpec o = optimization.optimizer();
        return withOptimization(new Optimization(new OptimizerSpec(o.kind(), lr, o.momentum(), o.nesterov(), o.weightDecay(), o.decayOn()),
                optimization.schedule()));
    }

    /** The optimizer with weight decay {@code wd} (on the same parameters). */
    public RunSpec withWeightDecay(double wd) {
        OptimizerSpec o = optimization.optimizer();
        return withOptimization(new Optimization(new OptimizerSpec(o.kind(), o.lr(), o.momentum(), o.nesterov(), wd, o.decayOn()),
                optimization.schedule()));
    }

    /** Hyperparameters as {@code f} rewrites them (e.g. {@code o -> o.withLambda(0.03)}). */
    public RunSpec withOptions(java.util.function.UnaryOperator<Methods.Options> f) {
        return withMethod(method.withOptions(f.apply(method.options())));
    }

    /** The second order of GR and the input penalties. */
    public RunSpec withSecondOrder(SecondOrder so) {
        return withOptions(o -> o.withSecondOrder(so));
    }

    /** SpectReg's projection mode. */
    public RunSpec withProjection(InputPenalty.Projection p) {
        return withOptions(o -> o.withProjection(p));
    }
}
