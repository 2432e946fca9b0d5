package io.gradreg.method;

import io.gradreg.engine.TensorList;

/**
 * Parameter-space gradient regularization (methods.md section 1): minimizes
 * L + (gamma/2) ||grad L||^2, whose gradient is d = g + gamma H g. H g is the slope of
 * s -> grad L(theta + s g), obtained by the chosen {@link SecondOrder}. With {@code normalized}
 * the finite-difference step is eps / ||g||, so the perturbation has length eps.
 * Forward with gamma = eps is an unnormalized SAM step.
 */
public record GradientRegularization(double gamma, double eps, SecondOrder secondOrder, boolean normalized)
        implements ParamSpaceMethod, Tunable {

    @Override
    public Update direction(ParamOracle o) {
        Oracle.Eval e = o.eval(secondOrder.needsGraph());
        TensorList g = e.grad().detach();
        double step = eps;
        if (normalized) {
            double n = g.norm();
            step = n > 0 ? eps / n : eps;
        }
        Line line = o.paramLine(g, e);
        // One-sided differences fold into one fused pass: g + (γ/ε)(G(±ε) − g) = lerp(g, G(±ε), ±γ/ε).
        TensorList d = switch (secondOrder) {
            case FORWARD -> g.lerp(line.gradAt(step), gamma / step);
            case BACKWARD -> g.lerp(line.gradAt(-step), -gamma / step);
            default -> g.add(secondOrder.slope(line, g, step), gamma);
        };
        return new Update(d, e.loss()).withGrad(g);
    }

    @Override
    public String strengthName() {
        return "gamma";
    }

    @Override
    public double strength() {
        return gamma;
    }

    @Override
    public Method withStrength(double s) {
        return new GradientRegularization(s, eps, secondOrder, normalized);
    }

    @Override
    public String describe() {
        return "gr(" + secondOrder + ", gamma=" + gamma + (secondOrder.needsGraph() ? "" : ", eps=" + eps)
                + (normalized ? ", normalized" : "") + ")";
    }
}
