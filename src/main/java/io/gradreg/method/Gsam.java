package io.gradreg.method;

import io.gradreg.engine.TensorList;
import java.util.function.UnaryOperator;

/**
 * Surrogate-gap guided SAM (Zhuang et al., ICLR 2022; methods.md section 2b): SAM's perturbed
 * gradient g_s = grad L(theta + rho g / ||g||) minus alpha times the part of the plain gradient g
 * orthogonal to it: d = g_s - alpha (g - (g . u) u), u = g_s / ||g_s||. With alpha = 0 it is SAM.
 * The paper lets rho follow the learning rate (the {@code follow-lr} schedule of rho).
 */
public record Gsam(double rho, double alpha) implements ParamSpaceMethod, Tunable.Rho {
    public Gsam {
        Checks.nonNegative("gsam rho", rho);
        Checks.nonNegative("gsam alpha", alpha);
    }

    @Override
    public Update direction(ParamOracle o) {
        Update sam = Sam.ascend(o, rho, PerturbationFilter.ALL, UnaryOperator.identity());
        TensorList g = sam.grad();
        TensorList gs = sam.direction();
        double gs2 = gs.dot(gs);
        // The part of g along g_s; with g_s = 0 there is none and all of g is orthogonal (the
        // authors' cosine, with its 1e-12 guard, is 0 there too).
        TensorList vertical = gs2 > 0 ? g.add(gs, -g.dot(gs) / gs2) : g;
        return sam.withDirection(gs.add(vertical, -alpha));
    }

    @Override
    public Method withStrength(double s) {
        return new Gsam(s, alpha);
    }

    @Override
    public String describe() {
        return "gsam(rho=" + rho + ", alpha=" + alpha + ")";
    }
}
