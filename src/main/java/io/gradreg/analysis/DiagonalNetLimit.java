package io.gradreg.analysis;

import io.gradreg.GradregException;
import io.gradreg.engine.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The implicit-bias problem of a diagonal linear network (Woodworth et al. 2020, with one scale
 * per coordinate as in seed 000): minimize Σ_i w_i q(β_i / w_i) subject to Xβ = y, with
 * q(z) = 2 − √(4 + z²) + z·arcsinh(z/2) and w_i = α_i² &gt; 0.
 *
 * <p>Solved by damped Newton on the dual. Since q'(z) = arcsinh(z/2) and the convex conjugate of
 * w q(·/w) is s ↦ 2w(cosh s − 1), the dual is: minimize D(ν) = Σ_i 2w_i(cosh (Xᵀν)_i − 1) − νᵀy over
 * ν ∈ ℝⁿ, with ∇D = Xβ(ν) − y, ∇²D = X diag(2w cosh Xᵀν) Xᵀ and primal β(ν)_i = 2w_i sinh (Xᵀν)_i.
 * D is smooth and strictly convex when X has full row rank, so Newton with Armijo backtracking
 * converges from ν = 0; the n×n Newton systems are solved by libtorch (float64).
 */
public final class DiagonalNetLimit {
    private DiagonalNetLimit() {}

    /** The minimizer β, the number of Newton steps and the final residual ‖Xβ − y‖ / ‖y‖. */
    public record Solution(double[] beta, int iterations, double residual) {}

    /** q(z) = 2 − √(4 + z²) + z·arcsinh(z/2). */
    public static double q(double z) {
        return 2 - Math.sqrt(4 + z * z) + z * asinh(z / 2);
    }

    static double asinh(double x) {
        return Math.signum(x) * Math.log(Math.abs(x) + Math.sqrt(x * x + 1));
    }

    /** The objective Σ w_i q(β_i / w_i). */
    public static double objective(double[] beta, double[] w) {
        double s = 0;
        for (int i = 0; i < beta.length; i++) {
            s += w[i] * q(beta[i] / w[i]);
        }
        return s;
    }

    /**
     * @param x the n×d design, row-major
     * @param y the n targets
     * @param w the d weights α_i² (positive)
     * @param tol stop when ‖Xβ − y‖ ≤ tol·‖y‖
     */
    public static Solution solve(double[] x, int n, int d, double[] y, double[] w, double tol) {
        for (double wi : w) {
            if (!(wi > 0) || !Double.isFinite(wi)) {
                throw new GradregException("implicit-bias problem: every weight α_i² must be positive and finite, got " + wi);
            }
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor xs = Tensors.fromDoubles(x, n, d);
            Tensor ys = Tensors.fromDoubles(y, n);
            Tensor ws = Tensors.fromDoubles(w, d);
            double yNorm = Math.max(ys.norm().item_double(), Double.MIN_NORMAL);
            Tensor nu = torch.zeros(new long[] {n}).to(xs.scalar_type());
            double value = dual(xs, ys, ws, nu);
            for (int it = 0; it < 500; it++) {
                Tensor z = xs.t().matmul(nu);
                Tensor beta = ws.mul(torch.sinh(z)).mul(new org.bytedeco.pytorch.Scalar(2.0));
                Tensor grad = xs.matmul(beta).sub(ys);
                double res = grad.norm().item_double() / yNorm;
                if (res <= tol) {
                    return new Solution(Tensors.toDoubles(beta), it, res);
                }
                Tensor curv = ws.mul(torch.cosh(z)).mul(new org.bytedeco.pytorch.Scalar(2.0));
                Tensor hess = xs.mul(curv.unsqueeze(0)).matmul(xs.t());
                Tensor step = torch.linalg_solve(hess, grad.unsqueeze(1)).squeeze(1);
                double slope = grad.dot(step).item_double(); // the decrease rate along −step, > 0
                double t = 1;
                Tensor next = nu.sub(step);
                double nextValue = dual(xs, ys, ws, next);
                while (!(nextValue <= value - 0.25 * t * slope) && t > 1e-12) {
                    t /= 2;
                    next = nu.sub(step.mul(new org.bytedeco.pytorch.Scalar(t)));
                    nextValue = dual(xs, ys, ws, next);
                }
                if (!(nextValue <= value) && t <= 1e-12) {
                    break; // no further decrease representable in float64
                }
                nu = next;
                value = nextValue;
            }
            Tensor z = xs.t().matmul(nu);
            double[] beta = Tensors.toDoubles(ws.mul(torch.sinh(z)).mul(new org.bytedeco.pytorch.Scalar(2.0)));
            double res = xs.matmul(Tensors.fromDoubles(beta, d)).sub(ys).norm().item_double() / yNorm;
            if (res > Math.max(tol, 1e-6)) {
                throw new GradregException(String.format("implicit-bias problem: Newton stopped at residual %.2e (is X of full row rank?)", res));
            }
            return new Solution(beta, 500, res);
        }
    }

    /** D(ν) = Σ 2w(cosh Xᵀν − 1) − νᵀy; cosh − 1 as 2 sinh²(z/2) keeps small z exact. */
    private static double dual(Tensor xs, Tensor ys, Tensor ws, Tensor nu) {
        Tensor half = torch.sinh(xs.t().matmul(nu).mul(new org.bytedeco.pytorch.Scalar(0.5)));
        return ws.mul(half.mul(half)).sum().item_double() * 4 - nu.dot(ys).item_double();
    }
}
