package io.gradreg.method;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** Per-sample loss l_i; the batch loss L is its mean (methods.md, notation). */
public enum Loss {
    /** Cross-entropy on logits; targets are int64 class indices. */
    CROSS_ENTROPY,
    /** 1/2 ||f - y||^2 per sample; targets have the outputs' shape (or [N] for one output). */
    SQUARED_ERROR;

    /** Per-sample losses, shape [N]. */
    public Tensor perSample(Tensor out, Tensor y) {
        return switch (this) {
            case CROSS_ENTROPY -> torch.nll_loss(torch.log_softmax(out, 1), y, new TensorOptional(), 0, -100);
            case SQUARED_ERROR -> out.sub(y.reshape_as(out)).square().flatten(1, -1).sum(1).mul(new org.bytedeco.pytorch.Scalar(0.5));
        };
    }

    /** The batch loss L = mean_i l_i, as a 0-dim tensor carrying the graph. */
    public Tensor mean(Tensor out, Tensor y) {
        return switch (this) {
            case CROSS_ENTROPY -> torch.cross_entropy(out, y);
            case SQUARED_ERROR -> perSample(out, y).mean();
        };
    }

    /** The loss that fits targets {@code y}: integer targets mean classification. */
    public static Loss forTargets(Tensor y) {
        return io.gradreg.engine.Tensors.isIntegral(y) ? CROSS_ENTROPY : SQUARED_ERROR;
    }
}
