package io.gradreg.train;

import io.gradreg.GradregException;
import io.gradreg.method.Method;
import io.gradreg.method.Plain;

/**
 * Everything the {@link Trainer} needs to know about a run, in one value: the method, the
 * optimizer and its schedule, the run's length and batching, and what happens between epochs.
 * Exactly one of {@code epochs} and {@code steps} is positive. Derive variants with the
 * {@code with...} methods; {@link #builder()} names every field.
 *
 * @param seed seeds batch order and, per step, libtorch's generator (dropout, projections)
 * @param accumulate micro-batches per batch (gradient accumulation); 1 = the batch in one pass
 * @param clipGradNorm clip the final update direction to this total 2-norm ({@link Clipping}); 0 = off
 * @param evalEvery evaluate on the full training and test sets after every N-th epoch and after the last
 * @param stopAtTrainAccuracy end the run at the first evaluation whose training accuracy reaches this (0 = off)
 * @param syncBatchNorm data parallel: batch norm with the whole batch's statistics across workers
 * @param cropFlipPadding augment every training batch with a random crop after padding by this many black pixels, and a
 *     left-right flip ({@link io.gradreg.data.CropFlip}; {@code --augment crop-flip} pads 4); 0 = off
 * @param sharpness measure sharpness every few epochs, or null
 */
public record TrainConfig(Method method, OptimizerSpec optimizer, Schedule schedule, int epochs, long steps,
        int batchSize, boolean shuffle, long seed, int accumulate, double clipGradNorm, int evalEvery, double stopAtTrainAccuracy,
        boolean syncBatchNorm, int cropFlipPadding, SharpnessTracking sharpness) {

    public TrainConfig(Method method, OptimizerSpec optimizer, Schedule schedule, int epochs, long steps, int batchSize,
            boolean shuffle, long seed, int accumulate, double clipGradNorm) {
        this(method, optimizer, schedule, epochs, steps, batchSize, shuffle, seed, accumulate, clipGradNorm, 1, 0, false, 0, null);
    }

    public TrainConfig(Method method, OptimizerSpec optimizer, Schedule schedule, int epochs, long steps, int batchSize,
            boolean shuffle, long seed, int accumulate) {
        this(method, optimizer, schedule, epochs, steps, batchSize, shuffle, seed, accumulate, 0);
    }

    public TrainConfig(Method method, OptimizerSpec optimizer, Schedule schedule, int epochs, long steps, int batchSize,
            boolean shuffle, long seed) {
        this(method, optimizer, schedule, epochs, steps, batchSize, shuffle, seed, 1);
    }

    public TrainConfig {
        if ((epochs > 0) == (steps > 0)) {
            throw new GradregException("give either a number of epochs or a number of steps (one positive)");
        }
        if (epochs < 0 || steps < 0) {
            throw new GradregException("epochs and steps must be >= 0");
        }
        if (batchSize < 1) {
            throw new GradregException("batch size must be >= 1, got " + batchSize);
        }
        if (accumulate < 1 || accumulate > batchSize) {
            throw new GradregException("--accumulate must be between 1 and the batch size (" + batchSize + "), got " + accumulate);
        }
        if (!(clipGradNorm >= 0) || Double.isInfinite(clipGradNorm)) {
            throw new GradregException("--clip-grad-norm must be a positive number (0 = off), got " + clipGradNorm);
        }
        if (evalEvery < 1) {
            throw new GradregException("--eval-every must be >= 1, got " + evalEvery);
        }
        requireAccuracyTarget(stopAtTrainAccuracy);
        if (cropFlipPadding < 0) {
            throw new GradregException("crop padding must be >= 0 pixels, got " + cropFlipPadding);
        }
    }

    /** {@code accuracy} if it is a valid target for {@code stopAtTrainAccuracy} (0 = off, else up to 1); else a one-line error. */
    public static double requireAccuracyTarget(double accuracy) {
        if (!(accuracy >= 0 && accuracy <= 1)) {
            throw new GradregException("--stop-at-train-accuracy must be in [0, 1] (0 = off), got " + accuracy);
        }
        return accuracy;
    }

    /** Plain SGD, constant rate, shuffled batches. */
    public static TrainConfig of(Method method, double lr, int epochs, int batchSize, long seed) {
        return new TrainConfig(method, OptimizerSpec.sgd(lr), Schedule.CONSTANT, epochs, 0, batchSize, true, seed);
    }

    public static TrainConfig plain(double lr, int epochs, int batchSize) {
        return of(new Plain(), lr, epochs, batchSize, 0);
    }

    /** A builder that names every field: plain SGD at lr 0.1, 10 epochs of batch 128, seed 0 until told otherwise. */
    public static Builder builder() {
        return new Builder();
    }

    /** This configuration as a builder, to change a few fields. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.method = method;
        b.optimizer = optimizer;
        b.schedule = schedule;
        b.epochs = epochs;
        b.steps = steps;
        b.batchSize = batchSize;
        b.shuffle = shuffle;
        b.seed = seed;
        b.accumulate = accumulate;
        b.clipGradNorm = clipGradNorm;
        b.evalEvery = evalEvery;
        b.stopAtTrainAccuracy = stopAtTrainAccuracy;
        b.syncBatchNorm = syncBatchNorm;
        b.cropFlipPadding = cropFlipPadding;
        b.sharpness = sharpness;
        return b;
    }

    public TrainConfig withMethod(Method m) {
        return toBuilder().method(m).build();
    }

    public TrainConfig withOptimizer(OptimizerSpec o) {
        return toBuilder().optimizer(o).build();
    }

    public TrainConfig withSchedule(Schedule s) {
        return toBuilder().schedule(s).build();
    }

    public TrainConfig withSteps(long s) {
        return toBuilder().steps(s).build();
    }

    /** Clips the final update direction to total 2-norm {@code c} (0 = off), as PyTorch's clip_grad_norm_. */
    public TrainConfig withClipGradNorm(double c) {
        return toBuilder().clipGradNorm(c).build();
    }

    /** Splits every batch into {@code k} micro-batches whose results are accumulated exactly. */
    public TrainConfig withAccumulate(int k) {
        return toBuilder().accumulate(k).build();
    }

    /** Evaluates on the full sets only after every {@code k}-th epoch and after the last. */
    public TrainConfig withEvalEvery(int k) {
        return toBuilder().evalEvery(k).build();
    }

    /** Measures sharpness as {@code s} says (null: never). */
    public TrainConfig withSharpness(SharpnessTracking s) {
        return toBuilder().sharpness(s).build();
    }

    /** Ends the run at the first evaluation whose training accuracy reaches {@code a} (0 = never). */
    public TrainConfig withStopAtTrainAccuracy(double a) {
        return toBuilder().stopAtTrainAccuracy(a).build();
    }

    /** Data parallel: normalizes with the whole batch's statistics across workers. */
    public TrainConfig withSyncBatchNorm(boolean on) {
        return toBuilder().syncBatchNorm(on).build();
    }

    /** Named setters for a {@link TrainConfig}; {@link #build()} validates. */
    public static final class Builder {
        private Method method = new Plain();
        private OptimizerSpec optimizer = OptimizerSpec.sgd(0.1);
        private Schedule schedule = Schedule.CONSTANT;
        private int epochs = 10;
        private long steps;
        private int batchSize = 128;
        private boolean shuffle = true;
        private long seed;
        private int accumulate = 1;
        private double clipGradNorm;
        private int evalEvery = 1;
        private double stopAtTrainAccuracy;
        private boolean syncBatchNorm;
        private int cropFlipPadding;
        private SharpnessTracking sharpness;

        private Builder() {}

        public Builder method(Method m) {
            method = m;
            return this;
        }

        public Builder optimizer(OptimizerSpec o) {
            optimizer = o;
            return this;
        }

        /** Plain SGD at learning rate {@code lr} (a shortcut for {@code optimizer(OptimizerSpec.sgd(lr))}). */
        public Builder lr(double lr) {
            optimizer = OptimizerSpec.sgd(lr);
            return this;
        }

        public Builder schedule(Schedule s) {
            schedule = s;
            return this;
        }

        /** Trains for {@code n} epochs (and not a number of steps). */
        public Builder epochs(int n) {
            epochs = n;
            steps = 0;
            return this;
        }

        /** Trains for {@code n} steps (and not a number of epochs). */
        public Builder steps(long n) {
            steps = n;
            epochs = 0;
            return this;
        }

        public Builder batchSize(int n) {
            batchSize = n;
            return this;
        }

        public Builder shuffle(boolean on) {
            shuffle = on;
            return this;
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        public Builder accumulate(int k) {
            accumulate = k;
            return this;
        }

        public Builder clipGradNorm(double c) {
            clipGradNorm = c;
            return this;
        }

        public Builder evalEvery(int k) {
            evalEvery = k;
            return this;
        }

        public Builder stopAtTrainAccuracy(double a) {
            stopAtTrainAccuracy = a;
            return this;
        }

        public Builder syncBatchNorm(boolean on) {
            syncBatchNorm = on;
            return this;
        }

        /** Crop after padding by {@code pixels} black pixels, and flip (0 = no augmentation). */
        public Builder cropFlip(int pixels) {
            cropFlipPadding = pixels;
            return this;
        }

        public Builder sharpness(SharpnessTracking s) {
            sharpness = s;
            return this;
        }

        public TrainConfig build() {
            return new TrainConfig(method, optimizer, schedule, epochs, steps, batchSize, shuffle, seed, accumulate, clipGradNorm, evalEvery,
                    stopAtTrainAccuracy, syncBatchNorm, cropFlipPadding, sharpness);
        }
    }
}
