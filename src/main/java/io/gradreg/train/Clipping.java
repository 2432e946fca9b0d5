package io.gradreg.train;

import io.gradreg.engine.TensorList;

/**
 * Gradient-norm clipping of the final update direction, as PyTorch's
 * {@code torch.nn.utils.clip_grad_norm_(params, max_norm)} (norm_type 2): the total norm is the
 * 2-norm over all parameters together, and when max_norm / (norm + 1e-6) &lt; 1 every tensor is
 * scaled by that factor. gradreg applies it after the method (and after {@code --every}), before
 * the optimizer, so weight decay and momentum act on the clipped direction as in PyTorch.
 */
public final class Clipping {
    /** The 1e-6 PyTorch adds to the norm before dividing. */
    public static final double EPS = 1e-6;

    private Clipping() {}

    /** {@code d} scaled to total 2-norm at most about {@code maxNorm}; unchanged when {@code maxNorm <= 0} (off). */
    public static TensorList clipGradNorm(TensorList d, double maxNorm) {
        if (!(maxNorm > 0)) {
            return d;
        }
        double coef = maxNorm / (d.norm() + EPS);
        return coef < 1 ? d.scale(coef) : d;
    }
}
