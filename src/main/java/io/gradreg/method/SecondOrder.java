package io.gradreg.method;

import io.gradreg.GradregException;
import io.gradreg.engine.TensorList;

/**
 * How a method obtains the slope G'(0) of a gradient along a line (methods.md section 1): exactly
 * by double backpropagation, or by finite differences with step eps. The same four choices serve
 * parameter space (H g) and input space (mixed derivatives of the input penalties).
 */
public enum SecondOrder {
    /** Double backpropagation: the base gradient is built with a graph. */
    EXACT,
    /** (G(eps) - G(0)) / eps: first order, one extra gradient; seed 000's F-GR. */
    FORWARD,
    /** (G(0) - G(-eps)) / eps: first order, one extra gradient; seed 000's B-GR. */
    BACKWARD,
    /** (G(eps) - G(-eps)) / (2 eps): second order, two extra gradients. */
    CENTRAL;

    /** True when the base gradient must keep its graph for {@link Line#exactSlope()}. */
    public boolean needsGraph() {
        return this == EXACT;
    }

    /**
     * The slope G'(0) of {@code line}.
     *
     * @param g0 G(0), already known to the caller (unused by {@link #EXACT} and {@link #CENTRAL})
     * @param eps the finite-difference step (unused by {@link #EXACT})
     */
    public TensorList slope(Line line, TensorList g0, double eps) {
        return switch (this) {
            case EXACT -> line.exactSlope();
            case FORWARD -> line.gradAt(eps).sub(g0).scale(1.0 / eps);
            case BACKWARD -> g0.sub(line.gradAt(-eps)).scale(1.0 / eps);
            case CENTRAL -> line.gradAt(eps).sub(line.gradAt(-eps)).scale(0.5 / eps);
        };
    }

    /** Parses exact | forward | backward | central. */
    public static SecondOrder parse(String s) {
        for (SecondOrder o : values()) {
            if (o.name().equalsIgnoreCase(s)) {
                return o;
            }
        }
        throw new GradregException("unknown second order '" + s + "': expected exact, forward, backward or central");
    }

    @Override
    public String toString() {
        return name().toLowerCase();
    }
}
