package io.gradreg.method;

/**
 * Flooding at level b: trains on |L - b| + b, so d = sign(L - b) g. Below the flood level the
 * step is an ascent step (at L = b the gradient of |.| is taken as 0, as autograd does).
 */
public record Flooding(double level) implements ParamSpaceMethod {
    @Override
    public Update direction(ParamOracle o) {
        Oracle.Eval e = o.eval(false);
        return new Update(e.grad().scale(Math.signum(e.loss() - level)), e.loss()).withGrad(e.grad());
    }

    @Override
    public String describe() {
        return "flood(b=" + level + ")";
    }
}
