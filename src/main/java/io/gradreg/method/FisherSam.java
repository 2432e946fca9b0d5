package io.gradreg.method;

import io.gradreg.engine.TensorList;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Fisher SAM (Kim et al., ICML 2022; methods.md section 2b): the ascent step preconditioned by
 * the diagonal empirical Fisher f = 1 + eta g^2 (elementwise, from the batch gradient g):
 * e = rho (g/f) / sqrt(sum g^2/f), d = grad L(theta + e). With eta = 0 it is SAM.
 */
public record FisherSam(double rho, double eta) implements ParamSpaceMethod, Tunable.Rho {
    public FisherSam {
        Checks.nonNegative("fishersam rho", rho);
        Checks.nonNegative("fishersam eta", eta);
    }

    @Override
    public Update direction(ParamOracle o) {
        Oracle.Eval e = o.eval(false);
        TensorList g = e.grad();
        Tensor[] v = new Tensor[g.size()];
        for (int i = 0; i < v.length; i++) {
            Tensor gi = g.get(i);
            v[i] = gi.div(gi.square().mul(new Scalar(eta)).add(new Scalar(1.0))); // g / (1 + eta g^2)
        }
        TensorList ascent = TensorList.of(v);
        double n = Math.sqrt(g.dot(ascent)); // the Fisher norm of the step: sqrt(g^T diag(f)^-1 g)
        return new Update(n > 0 ? o.gradAt(ascent, rho / n) : g, e.loss()).withGrad(g);
    }

    @Override
    public Method withStrength(double s) {
        return new FisherSam(s, eta);
    }

    @Override
    public String describe() {
        return "fishersam(rho=" + rho + ", eta=" + eta + ")";
    }
}
