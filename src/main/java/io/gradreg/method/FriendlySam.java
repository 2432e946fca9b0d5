package io.gradreg.method;

import io.gradreg.GradregException;
import io.gradreg.engine.TensorList;

/**
 * Friendly SAM (Li et al., CVPR 2024; methods.md section 2b), as the authors' code (nblt/F-SAM,
 * {@code utils.py}, {@code FriendlySAM.first_step}) orders it: the ascent runs along
 * a = g − σ m_prev, and then m = λ m_prev + (1 − λ) g; at the first step m = g and a = g.
 * d = grad L(θ + ρ a / ‖a‖). The moving average m is state of the run: the trainer keeps it
 * ({@link #keptState}), hands it back in {@link Step#kept()} and checkpoints it; g is the whole
 * batch's, so m is exact under accumulation and data parallelism. With σ = 0 it is SAM.
 *
 * @param m the moving average before this step (null at the first step); set by {@link #at}
 */
public record FriendlySam(double rho, double sigma, double lambda, TensorList m) implements ParamSpaceMethod, Tunable.Rho {
    public FriendlySam {
        Checks.nonNegative("fsam rho", rho);
        Checks.nonNegative("fsam sigma", sigma);
        if (!(lambda >= 0 && lambda <= 1)) {
            throw new GradregException("fsam lambda must be in [0, 1], got " + lambda);
        }
    }

    /** F-SAM before its first step (no moving average yet). */
    public FriendlySam(double rho, double sigma, double lambda) {
        this(rho, sigma, lambda, null);
    }

    @Override
    public Method at(Step step) {
        return new FriendlySam(rho, sigma, lambda, step.kept());
    }

    @Override
    public Update direction(ParamOracle o) {
        Oracle.Eval e = o.eval(false);
        TensorList g = e.grad();
        TensorList a = m == null || sigma == 0 ? g : g.add(m, -sigma);
        double n = a.norm();
        return new Update(n > 0 ? o.gradAt(a, rho / n) : g, e.loss()).withGrad(g);
    }

    @Override
    public boolean keepsState(long t) {
        return true;
    }

    /** m = λ m_prev + (1 − λ) g, in the code's order of operations; m = g at the first step. */
    @Override
    public TensorList keptState(Step step, Update u) {
        TensorList prev = step.kept();
        return prev == null ? u.grad() : prev.scale(lambda).add(u.grad(), 1 - lambda);
    }

    @Override
    public Method withStrength(double s) {
        return new FriendlySam(s, sigma, lambda, m);
    }

    @Override
    public String describe() {
        return "fsam(rho=" + rho + ", sigma=" + sigma + ", lambda=" + lambda + ")";
    }
}
