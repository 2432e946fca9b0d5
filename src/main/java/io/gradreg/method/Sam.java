package io.gradreg.method;

import io.gradreg.engine.TensorList;
import java.util.function.UnaryOperator;

/**
 * Sharpness-aware minimization: d = grad L(theta + rho Pg / ||Pg||), where P keeps the tensors
 * {@code filter} selects (the identity for {@link PerturbationFilter#ALL}, SAM-ON's restriction
 * to normalization layers for {@link PerturbationFilter#NORM}).
 */
public record Sam(double rho, PerturbationFilter filter) implements ParamSpaceMethod, Tunable.Rho {
    /** SAM over every parameter. */
    public Sam(double rho) {
        this(rho, PerturbationFilter.ALL);
    }

    @Override
    public Update direction(ParamOracle o) {
        return ascend(o, rho, filter, UnaryOperator.identity());
    }

    /**
     * The step SAM and ASAM share: g at θ, then d = grad L(θ + rho T(TPg) / ||TPg||), where
     * {@code t} multiplies by the preconditioner T (the identity for SAM) and P zeroes the tensors
     * {@code filter} drops. With TPg = 0 the direction is g.
     */
    static Update ascend(ParamOracle o, double rho, PerturbationFilter filter, UnaryOperator<TensorList> t) {
        Oracle.Eval e = o.eval(false);
        TensorList g = e.grad();
        TensorList tg = t.apply(filter.apply(o.net(), g));
        double n = tg.norm();
        return new Update(n > 0 ? o.gradAt(t.apply(tg), rho / n) : g, e.loss()).withGrad(g);
    }

    @Override
    public Method withStrength(double s) {
        return new Sam(s, filter);
    }

    @Override
    public String describe() {
        return "sam(rho=" + rho + filterNote(filter) + ")";
    }

    /** ", perturb-only=F" for a filter other than all (so unfiltered descriptions stay as they were). */
    static String filterNote(PerturbationFilter f) {
        return f == PerturbationFilter.ALL ? "" : ", perturb-only=" + f;
    }
}
