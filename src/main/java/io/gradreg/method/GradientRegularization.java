package io.gradreg.method;

import io.gradreg.engine.TensorList;

/**
 * Parameter-space gradient regularization (methods.md section 1): minimizes
 * L + (gamma/2) ||grad L||^2, whose gradient is d = g + gamma H g. H g is the slope of
 * s -> grad L(theta + s g), obtained by the chosen {@link SecondOrder}. With {@code normalized}
 * the finite-difference step is eps / ||g||, so the perturbation has length eps.
 * Forward with gamma = eps is an unnormalized SAM step.
 *
 * <p>With a {@link PerturbationFilter} other than {@code all}, the line runs along Pg (g with the
 * dropped tensors zeroed): d = g + gamma H Pg, the exact gradient of L + (gamma/2) ||P grad L||^2,
 * which penalizes the gradient of the kept tensors only and still moves every parameter
 * (methods.md section 2b).
 */
public record GradientRegularization(double gamma, double eps, SecondOrder secondOrder, boolean normalized,
        PerturbationFilter filter) implements ParamSpaceMethod, Tunable {

    /** GR over every parameter. */
    public GradientRegularization(double gamma, double eps, SecondOrder secondOrder, boolean normalized) {
        this(gamma, eps, secondOrder, normalized, PerturbationFilter.ALL);
    }

    @Override
    public Update direction(ParamOracle o) {
        Oracle.Eval e = o.eval(secondOrder.needsGraph());
        TensorList g = e.grad().detach();
        TensorList v = filter.apply(o.net(), g);
        double step = eps;
        if (normalized) {
            double n = v.norm();
            step = n > 0 ? eps / n : eps;
        }
        Line line = o.paramLine(v, e);
        // One-sided differences fold into one fused pass: g + (γ/ε)(G(±ε) − g) = lerp(g, G(±ε), ±γ/ε).
        // G(0) = g on every line, filtered or not, so the folding holds for Pg too.
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
        return new GradientRegularization(s, eps, secondOrder, normalized, filter);
    }

    @Override
    public String describe() {
        return "gr(" + secondOrder + ", gamma=" + gamma + (secondOrder.needsGraph() ? "" : ", eps=" + eps)
                + (normalized ? ", normalized" : "") + Sam.filterNote(filter) + ")";
    }
}
