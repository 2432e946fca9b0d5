package io.gradreg.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The two-parameter model of seed 001: f(x) = a*b*x. On the single sample (x, y) = (1, 1) with
 * squared error, the loss is E(a, b) = 1/2 (1 - a b)^2, whose minima lie on the hyperbola ab = 1.
 */
public final class TwoParam extends Net {
    private final Tensor a;
    private final Tensor b;

    public TwoParam(double a0, double b0) {
        super(1);
        a = new Tensor(register_parameter("a", torch.full(new long[] {}, new org.bytedeco.pytorch.Scalar(a0))));
        b = new Tensor(register_parameter("b", torch.full(new long[] {}, new org.bytedeco.pytorch.Scalar(b0))));
    }

    @Override
    protected Tensor forwardShaped(Tensor x) {
        return x.mul(a.mul(b));
    }
}
