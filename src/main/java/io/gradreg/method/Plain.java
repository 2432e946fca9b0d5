package io.gradreg.method;

/** Plain gradient: d = g. */
public final class Plain implements ParamSpaceMethod {
    @Override
    public Update direction(ParamOracle o) {
        Oracle.Eval e = o.eval(false);
        return new Update(e.grad(), e.loss()).withGrad(e.grad());
    }

    @Override
    public String describe() {
        return "plain";
    }
}
