package io.gradreg.method;

import io.gradreg.GradregException;
import io.gradreg.engine.TensorList;
import java.util.function.UnaryOperator;

/**
 * Weighted SAM (Yue et al., KDD 2023; methods.md section 2b): sharpness as a regularization term of
 * weight a = γ / (1 − γ), with g_s = grad L(θ + ρ g / ‖g‖) SAM's perturbed gradient.
 * <ul>
 *   <li>{@code decoupled} (the authors' default, {@code WeightedSAM(decouple=True)} in
 *       alipay/dlrover's {@code atorch/optimizers/wsam.py}): the optimizer steps with g, and
 *       a (g_s − g) is applied outside it, θ ← θ − lr·a (g_s − g) after its step
 *       ({@link Update#outside()}); momentum and Adam's moments never see the sharpness term.
 *   <li>combined: d = (1 − a) g + a g_s, handed to the optimizer whole.
 * </ul>
 * With γ = ½ (a = 1) the combined form is SAM, and under plain SGD without weight decay so is the
 * decoupled one, up to rounding.
 */
public record Wsam(double rho, double gamma, boolean decoupled) implements ParamSpaceMethod, Tunable.Rho {
    public Wsam {
        Checks.nonNegative("wsam rho", rho);
        if (!(gamma >= 0 && gamma < 1)) {
            throw new GradregException("wsam gamma must be in [0, 1) (the sharpness weight is gamma / (1 - gamma)), got " + gamma);
        }
    }

    /** The weight a = γ / (1 − γ) of the sharpness term. */
    public double weight() {
        return gamma / (1 - gamma);
    }

    @Override
    public Update direction(ParamOracle o) {
        Update sam = Sam.ascend(o, rho, PerturbationFilter.ALL, UnaryOperator.identity());
        TensorList g = sam.grad();
        TensorList gs = sam.direction();
        if (decoupled) {
            return sam.withDirection(g).withOutside(gs.sub(g).scale(weight()));
        }
        // lerp(g, g_s, a) = (1 - a) g + a g_s in one pass; at a = 1 libtorch returns g_s exactly.
        return sam.withDirection(g.lerp(gs, weight()));
    }

    @Override
    public Method withStrength(double s) {
        return new Wsam(s, gamma, decoupled);
    }

    @Override
    public String describe() {
        return "wsam(rho=" + rho + ", gamma=" + gamma + ", " + (decoupled ? "decoupled" : "combined") + ")";
    }
}
