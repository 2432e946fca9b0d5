package io.gradreg.method;

import io.gradreg.engine.TensorList;
import java.util.function.UnaryOperator;

/** Sharpness-aware minimization: d = grad L(theta + rho g / ||g||). */
public record Sam(double rho) implements ParamSpaceMethod, Tunable {
    @Override
    public Update direction(ParamOracle o) {
        return ascend(o, rho, UnaryOperator.identity());
    }

    /**
     * The step SAM and ASAM share: g at θ, then d = grad L(θ + rho T(Tg) / ||Tg||), where
     * {@code t} multiplies by the preconditioner T (the identity for SAM). With g = 0 the
     * direction is g.
     */
    static Update ascend(ParamOracle o, double rho, UnaryOperator<TensorList> t) {
        Oracle.Eval e = o.eval(false);
        TensorList g = e.grad();
        TensorList tg = t.apply(g);
        double n = tg.norm();
        return new Update(n > 0 ? o.gradAt(t.apply(tg), rho / n) : g, e.loss()).withGrad(g);
    }

    @Override
    public String strengthName() {
        return "rho";
    }

    @Override
    public double strength() {
        return rho;
    }

    @Override
    public Method withStrength(double s) {
        return new Sam(s);
    }

    @Override
    public String describe() {
        return "sam(rho=" + rho + ")";
    }
}
