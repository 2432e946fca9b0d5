package io.gradreg.method;

import io.gradreg.engine.TensorList;

/**
 * Gradient norm penalty (Zhao et al., ICML 2022; methods.md section 2b):
 * d = (1 - alpha) g + alpha grad L(theta + r g / ||g||), the forward difference with radius r of
 * the gradient of L + lambda ||grad L|| (the norm, not its square), alpha = lambda / r. With
 * alpha = 1 it is SAM with rho = r; alpha &gt; 1 extrapolates (lambda &gt; r). The first term is the
 * raw g, as in the paper; the authors' code defaults to g / ||g|| there ({@code norm_perturbations}).
 * Its strength for schedules is alpha (the code's {@code lambda} warm-up strategy).
 */
public record Gnp(double alpha, double r) implements ParamSpaceMethod, Tunable {
    public Gnp {
        Checks.nonNegative("gnp alpha", alpha);
        Checks.positive("gnp r", r);
    }

    @Override
    public Update direction(ParamOracle o) {
        Oracle.Eval e = o.eval(false);
        TensorList g = e.grad();
        double n = g.norm();
        if (n == 0) {
            return new Update(g, e.loss()).withGrad(g);
        }
        // lerp(g, G, alpha) = (1 - alpha) g + alpha G, in one pass; at alpha = 1 libtorch returns G exactly.
        return new Update(g.lerp(o.gradAt(g, r / n), alpha), e.loss()).withGrad(g);
    }

    @Override
    public String strengthName() {
        return "alpha";
    }

    @Override
    public double strength() {
        return alpha;
    }

    @Override
    public Method withStrength(double s) {
        return new Gnp(s, r);
    }

    @Override
    public String describe() {
        return "gnp(alpha=" + alpha + ", r=" + r + ")";
    }
}
