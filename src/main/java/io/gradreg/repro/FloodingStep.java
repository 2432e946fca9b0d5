package io.gradreg.repro;

import io.gradreg.data.Dataset;
import io.gradreg.engine.TensorList;
import io.gradreg.method.Flooding;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.Loss;
import io.gradreg.method.Oracle;
import io.gradreg.method.SecondOrder;
import io.gradreg.method.Update;
import io.gradreg.nn.Net;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;

/**
 * The flooding mechanism of seed 000, one pair of steps at a time. From θ with L(θ) &lt; b, flooding
 * (d = sign(L − b) g) takes the ascent step θ₁ = θ + h g and then, with L(θ₁) &gt; b, the descent step
 * θ₂ = θ₁ − h ∇L(θ₁). So θ₂ − θ = −h[∇L(θ + h g) − g], which is −h times the penalty part of a
 * forward-GR direction with γ = ε = h (exactly, up to rounding), and −h² H g − (h³/2) ∇³L[g, g] + O(h⁴)
 * = −(h²/2) ∇‖∇L‖² + O(h³). Descent first (L(θ) &gt; b &gt; L(θ − h g)) gives the backward version.
 */
final class FloodingStep {
    private FloodingStep() {}

    /**
     * One flooding pair at step h from the net's current parameters, which are restored afterwards.
     *
     * @param ascentFirst start below b (ascent, then descent) or above it (descent, then ascent)
     */
    record Pair(double h, double level, boolean ascentFirst, boolean signsAsExpected, double displacementNorm, double errorToHessian,
            double errorToGrStep, double hessianStepNorm, double gradNorm) {
        /** The GR-step error on the scale of the two terms h g and h ∇L(θ ± h g) whose difference is the displacement: rounding is ~1e-16 here. */
        double identityError() {
            return errorToGrStep / (h * gradNorm);
        }
    }

    static Pair pair(Net net, Dataset data, double h, boolean ascentFirst) {
        TensorList params = net.params();
        try (PointerScope scope = new PointerScope()) {
            TensorList theta = params.copy();
            Oracle o0 = new Oracle(net, Loss.CROSS_ENTROPY, data.x(), data.y(), 0);
            Oracle.Eval e = o0.eval(true);
            TensorList g = e.grad().detach();
            double gg = g.dot(g);
            // −(h²/2) ∇‖∇L‖² = −h² H g, H g by double backpropagation.
            TensorList hessianStep = o0.paramLine(g, e).exactSlope().scale(-h * h);
            // The one-sided GR step on the penalty alone with γ = ε = h: −h (d − g).
            SecondOrder order = ascentFirst ? SecondOrder.FORWARD : SecondOrder.BACKWARD;
            Update gr = new GradientRegularization(h, h, order, false).direction(new Oracle(net, Loss.CROSS_ENTROPY, data.x(), data.y(), 0));
            TensorList grStep = gr.direction().sub(g).scale(-h);
            // A level between L(θ) and L(θ ± h g): L(θ ± h g) ≈ L ± h‖g‖².
            double level = e.loss() + (ascentFirst ? 0.5 : -0.5) * h * gg;
            Flooding flood = new Flooding(level);
            boolean signs = true;
            for (int step = 0; step < 2; step++) {
                Update u = flood.direction(new Oracle(net, Loss.CROSS_ENTROPY, data.x(), data.y(), 0));
                boolean below = u.loss() < level;
                signs &= below == (ascentFirst == (step == 0));
                try (NoGradGuard ng = new NoGradGuard()) {
                    params.addInPlace(u.direction(), -h);
                }
            }
            try (NoGradGuard ng = new NoGradGuard()) {
                TensorList displacement = params.sub(theta);
                Pair p = new Pair(h, level, ascentFirst, signs, displacement.norm(), displacement.sub(hessianStep).norm(),
                        displacement.sub(grStep).norm(), hessianStep.norm(), Math.sqrt(gg));
                params.copyFrom(theta);
                return p;
            }
        }
    }
}
