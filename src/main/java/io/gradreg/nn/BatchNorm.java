package io.gradreg.nn;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Batch normalization with PyTorch's parameter and buffer names ({@code weight}, {@code bias},
 * {@code running_mean}, {@code running_var}, {@code num_batches_tracked}) and defaults
 * (momentum 0.1, eps 1e-5), for 2-d [N, C] and 4-d [N, C, H, W] inputs.
 *
 * <p>Unlike libtorch's module it can be {@linkplain #freeze frozen}: in training mode it then
 * normalizes with batch statistics but leaves the running statistics untouched. Perturbed passes
 * of a step (SAM, finite differences) run frozen, so they never move the statistics and never
 * modify, in place, a buffer an earlier pass saved for backward.
 *
 * <p>It can also be {@linkplain #sync synchronized} across data-parallel workers: the batch mean
 * and variance are then those of the whole batch over all workers, and the backward pass
 * all-reduces the gradients of the statistics, so the gradient is the unsplit batch's too (see
 * {@link SyncedStatistics}).
 */
public final class BatchNorm extends Module {
    static final double MOMENTUM = 0.1;
    static final double EPS = 1e-5;

    private final Tensor weight;
    private final Tensor bias;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final Tensor batches;
    private boolean frozen;
    private BatchSync sync;

    public BatchNorm(long features) {
        weight = new Tensor(register_parameter("weight", torch.ones(features)));
        bias = new Tensor(register_parameter("bias", torch.zeros(features)));
        runningMean = new Tensor(register_buffer("running_mean", torch.zeros(features)));
        runningVar = new Tensor(register_buffer("running_var", torch.ones(features)));
        batches = new Tensor(register_buffer("num_batches_tracked",
                torch.zeros(new long[] {}, new TensorOptions(torch.ScalarType.Long))));
    }

    /** While frozen, training-mode passes do not update the running statistics. */
    public void freeze(boolean frozen) {
        this.frozen = frozen;
    }

    /**
     * Normalizes training-mode batches with the statistics of the whole batch across workers,
     * summed by {@code sync} ({@code null}: this worker's own batch, the default).
     */
    public void sync(BatchSync sync) {
        this.sync = sync;
    }

    public Tensor forward(Tensor x) {
        boolean training = is_training();
        boolean update = training && !frozen;
        if (training && sync != null) {
            return SyncedStatistics.normalize(x, weight, bias, update ? runningMean : null, runningVar, batches, sync, MOMENTUM, EPS);
        }
        if (update) {
            try (NoGradGuard g = new NoGradGuard()) {
                batches.add_(new Scalar(1L));
            }
        }
        TensorOptional mean = training && !update ? new TensorOptional() : new TensorOptional(runningMean);
        TensorOptional var = training && !update ? new TensorOptional() : new TensorOptional(runningVar);
        return torch.batch_norm(x, new TensorOptional(weight), new TensorOptional(bias), mean, var,
                training, MOMENTUM, EPS, false);
    }
}
