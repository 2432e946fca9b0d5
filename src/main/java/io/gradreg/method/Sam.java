package io.gradreg.method;

import io.gradreg.engine.TensorList;

/** Sharpness-aware minimization: d = grad L(theta + rho g / ||g||). */
public record Sam(double rho) implements ParamSpaceMethod, Tunable {
    @Override
    public Update direction(ParamOracle o) {
        Oracle.Eval e = o.eval(false);
        TensorList g = e.grad();
        double n = g.norm();
        return new Update(n > 0 ? o.gradAt(g, rho / n) : g, e.loss()).withGrad(g);
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
