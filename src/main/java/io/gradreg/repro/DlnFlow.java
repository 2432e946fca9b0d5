package io.gradreg.repro;

/**
 * Full-batch descent on the diagonal linear network β = u⊙u − v⊙v, L = (1/2n)‖Xβ − y‖², with
 * closed-form gradients in plain doubles: ∇_u L = 2u⊙g, ∇_v L = −2v⊙g, g = Xᵀ(Xβ − y)/n, and for
 * exact GR ∇(½‖∇L‖²) = (4u⊙g² + 8u⊙M(s⊙g), 4v⊙g² − 8v⊙M(s⊙g)), M = XᵀX/n, s = u² + v². The one-sided
 * differences follow methods.md §1 exactly (the same formulas as {@code method/GradientRegularization},
 * checked against it in DlnFlowTest). Closed form because the theory needs runs of 10⁵–10⁶ steps of
 * a 100-parameter model, where libtorch's per-operation overhead would dominate a hundredfold.
 *
 * <p>Along the run it integrates ∫ g_i g̃_i dt (dt = h per step; g̃ is g at the point where the
 * second gradient is taken), so that α_i,∞ = α·exp(−4γ∫ g_i g̃_i dt) (paper-protocols.md, seed 000).
 */
final class DlnFlow {
    enum Kind { PLAIN, EXACT, FORWARD, BACKWARD }

    /** A method: plain GD, or GR with γ, ε and whether the difference step is ε/‖∇L‖. */
    record Spec(Kind kind, double gamma, double eps, boolean normalized) {
        String label() {
            return switch (kind) {
                case PLAIN -> "plain GD";
                case EXACT -> "GR exact γ=" + gamma;
                default -> "GR " + kind.name().toLowerCase() + " γ=" + gamma + " ε=" + eps + (normalized ? " (normalized)" : "");
            };
        }
    }

    final double[] x;
    final double[] y;
    final int n;
    final int d;
    final double alpha;
    final double[] u;
    final double[] v;
    /** ∫ g_i g̃_i dt so far. */
    final double[] integral;
    long steps;

    DlnFlow(double[] x, double[] y, int n, int d, double alpha) {
        this.x = x;
        this.y = y;
        this.n = n;
        this.d = d;
        this.alpha = alpha;
        u = new double[d];
        v = new double[d];
        java.util.Arrays.fill(u, alpha);
        java.util.Arrays.fill(v, alpha);
        integral = new double[d];
    }

    double[] beta() {
        return beta(u, v);
    }

    static double[] beta(double[] u, double[] v) {
        double[] b = new double[u.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = u[i] * u[i] - v[i] * v[i];
        }
        return b;
    }

    /** The loss at the current point. */
    double loss() {
        double[] r = residual(beta());
        double s = 0;
        for (double ri : r) {
            s += ri * ri;
        }
        return s / (2 * n);
    }

    private double[] residual(double[] b) {
        double[] r = new double[n];
        for (int a = 0; a < n; a++) {
            double s = -y[a];
            int row = a * d;
            for (int j = 0; j < d; j++) {
                s += x[row + j] * b[j];
            }
            r[a] = s;
        }
        return r;
    }

    /** Xᵀ r / n. */
    private double[] back(double[] r) {
        double[] g = new double[d];
        for (int a = 0; a < n; a++) {
            int row = a * d;
            double ra = r[a] / n;
            for (int j = 0; j < d; j++) {
                g[j] += x[row + j] * ra;
            }
        }
        return g;
    }

    /** g = Xᵀ(Xβ − y)/n at (u, v). */
    double[] g(double[] uu, double[] vv) {
        return back(residual(beta(uu, vv)));
    }

    /** The method's direction (first d entries for u, next d for v) at the current point; adds h·g⊙g̃ to the integral. */
    double[] direction(Spec s, double h) {
        double[] g = g(u, v);
        double[] dir = new double[2 * d];
        for (int i = 0; i < d; i++) {
            dir[i] = 2 * u[i] * g[i];
            dir[d + i] = -2 * v[i] * g[i];
        }
        double[] gt = null;
        switch (s.kind()) {
            case PLAIN -> { }
            case EXACT -> {
                double[] sg = new double[d];
                for (int i = 0; i < d; i++) {
                    sg[i] = (u[i] * u[i] + v[i] * v[i]) * g[i];
                }
                double[] msg = back(residual0(sg));
                for (int i = 0; i < d; i++) {
                    dir[i] += s.gamma() * (4 * u[i] * g[i] * g[i] + 8 * u[i] * msg[i]);
                    dir[d + i] += s.gamma() * (4 * v[i] * g[i] * g[i] - 8 * v[i] * msg[i]);
                }
                gt = g;
            }
            case FORWARD, BACKWARD -> {
                double sign = s.kind() == Kind.FORWARD ? 1 : -1;
                double step = s.eps();
                if (s.normalized()) {
                    double norm = Math.sqrt(dot(dir, dir));
                    step = norm > 0 ? s.eps() / norm : s.eps();
                }
                double[] u2 = new double[d];
                double[] v2 = new double[d];
                for (int i = 0; i < d; i++) {
                    u2[i] = u[i] + sign * step * dir[i];
                    v2[i] = v[i] + sign * step * dir[d + i];
                }
                gt = g(u2, v2);
                double w = s.gamma() / step;
                for (int i = 0; i < d; i++) {
                    // forward: g + (γ/ε)(G(ε) − g); backward: g + (γ/ε)(g − G(−ε))
                    double gu = 2 * u2[i] * gt[i];
                    double gv = -2 * v2[i] * gt[i];
                    dir[i] += sign * w * (gu - dir[i]);
                    dir[d + i] += sign * w * (gv - dir[d + i]);
                }
            }
        }
        if (gt != null) {
            for (int i = 0; i < d; i++) {
                integral[i] += h * g[i] * gt[i];
            }
        }
        return dir;
    }

    /** X b (no target subtracted). */
    private double[] residual0(double[] b) {
        double[] r = new double[n];
        for (int a = 0; a < n; a++) {
            double s = 0;
            int row = a * d;
            for (int j = 0; j < d; j++) {
                s += x[row + j] * b[j];
            }
            r[a] = s;
        }
        return r;
    }

    /** One step θ ← θ − h·d. */
    void step(Spec s, double h) {
        double[] dir = direction(s, h);
        for (int i = 0; i < d; i++) {
            u[i] -= h * dir[i];
            v[i] -= h * dir[d + i];
        }
        steps++;
    }

    /** The flow theory's per-coordinate scale α·exp(−4γ ∫ g_i g̃_i dt). */
    double[] alphaTheory(double gamma) {
        double[] a = new double[d];
        for (int i = 0; i < d; i++) {
            a[i] = alpha * Math.exp(-4 * gamma * integral[i]);
        }
        return a;
    }

    /** The run's own per-coordinate scale √(u_i v_i), equal to the theory's under the exact flow. */
    double[] alphaMeasured() {
        double[] a = new double[d];
        for (int i = 0; i < d; i++) {
            a[i] = Math.sqrt(Math.max(u[i] * v[i], 0));
        }
        return a;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
