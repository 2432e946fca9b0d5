package io.gradreg.train;

import io.gradreg.GradregException;
import io.gradreg.method.Method;
import io.gradreg.method.Plain;

/**
 * Settings of a training run. Exactly one of {@code epochs} and {@code steps} is positive.
 *
 * @param seed seeds batch order and, per step, libtorch's generator (dropout, projections)
 * @param accumulate micro-batches per batch (gradient accumulation); 1 = the batch in one pass
 * @param clipGradNorm clip the final update direction to this total 2-norm ({@link Clipping}); 0 = off
 */
public record TrainConfig(Method method, OptimizerSpec optimizer, Schedule schedule, int epochs, long steps,
        int batchSize, boolean shuffle, long seed, int accumulate, double clipGradNorm) {

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
    }

    /** Plain SGD, constant rate, shuffled batches. */
    public static TrainConfig of(Method method, double lr, int epochs, int batchSize, long seed) {
        return new TrainConfig(method, OptimizerSpec.sgd(lr), Schedule.CONSTANT, epochs, 0, batchSize, true, seed);
    }

    public static TrainConfig plain(double lr, int epochs, int batchSize) {
        return of(new Plain(), lr, epochs, batchSize, 0);
    }

    public TrainConfig withMethod(Method m) {
        return new TrainConfig(m, optimizer, schedule, epochs, steps, batchSize, shuffle, seed, accumulate, clipGradNorm);
    }

    public TrainConfig withOptimizer(OptimizerSpec o) {
        return new TrainConfig(method, o, schedule, epochs, steps, batchSize, shuffle, seed, accumulate, clipGradNorm);
    }

    public TrainConfig withSchedule(Schedule s) {
        return new TrainConfig(method, optimizer, s, epochs, steps, batchSize, shuffle, seed, accumulate, clipGradNorm);
    }

    public TrainConfig withSteps(long s) {
        return new TrainConfig(method, optimizer, schedule, 0, s, batchSize, shuffle, seed, accumulate, clipGradNorm);
    }

    /** Clips the final update direction to total 2-norm {@code c} (0 = off), as PyTorch's clip_grad_norm_. */
    public TrainConfig withClipGradNorm(double c) {
        return new TrainConfig(method, optimizer, schedule, epochs, steps, batchSize, shuffle, seed, accumulate, c);
    }

    /** Splits every batch into {@code k} micro-batches whose results are accumulated exactly. */
    public TrainConfig withAccumulate(int k) {
        return new TrainConfig(method, optimizer, schedule, epochs, steps, batchSize, shuffle, seed, k, clipGradNorm);
    }
}
