package io.gradreg.method;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Confidence penalty (seed 002's baseline): minimizes L - beta (1/N) sum_i H(p_i), with
 * H(p) = -sum_k p_k log p_k and p = softmax(f). The penalty reported is the mean entropy.
 */
public record ConfidencePenalty(double beta) implements Method {
    @Override
    public Update direction(Oracle o) {
        Tensor out = o.forward(o.x());
        Tensor l = o.loss(out);
        Tensor logp = torch.log_softmax(out, 1);
        Tensor entropy = torch.softmax(out, 1).mul(logp).sum(1).mean().neg();
        Tensor objective = l.sub(entropy, new Scalar(beta));
        return new Update(Oracle.grad(objective, o.params(), false, false), l.item_double(), entropy.item_double());
    }

    @Override
    public String describe() {
        return "confpen(beta=" + beta + ")";
    }
}
