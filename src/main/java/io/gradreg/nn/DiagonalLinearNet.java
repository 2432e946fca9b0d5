package io.gradreg.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The diagonal linear network of seed 000: beta = u*u - v*v, f(x) = &lt;beta, x&gt;, with
 * u = v = alpha at start (so beta = 0). Parameters {@code u}, {@code v} of shape [D]; the output
 * has shape [N, 1]. Small alpha gives the rich (sparse) regime, large alpha the kernel regime.
 * The parameters are created in the default dtype (float32), so alpha is rounded to float32 even
 * after {@code to(FLOAT64)}: use an alpha exact in float32 (0.5, 0.25, ...) when comparing with
 * float64 computations.
 */
public final class DiagonalLinearNet extends Net {
    private final Tensor u;
    private final Tensor v;

    public DiagonalLinearNet(int dim, double alpha) {
        super(dim);
        u = new Tensor(register_parameter("u", torch.full(new long[] {dim}, new org.bytedeco.pytorch.Scalar(alpha))));
        v = new Tensor(register_parameter("v", torch.full(new long[] {dim}, new org.bytedeco.pytorch.Scalar(alpha))));
    }

    /** beta = u*u - v*v, the linear predictor this network represents. */
    public Tensor beta() {
        return u.mul(u).sub(v.mul(v));
    }

    @Override
    protected Tensor forwardShaped(Tensor x) {
        return x.matmul(beta()).unsqueeze(1);
    }
}
