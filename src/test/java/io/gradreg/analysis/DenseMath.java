package io.gradreg.analysis;

/**
 * Reference linear algebra in plain Java doubles, independent of the code under test: explicit
 * Hessians of models solvable by hand, power iteration, Gaussian elimination and the exact
 * maximum of a convex quadratic on a ball.
 */
public final class DenseMath {
    private DenseMath() {}

    /**
     * Hessian of L(W, b) = (1/n) Σ ½(w·x_i + b − y_i)² in the order (w_1..w_d, b):
     * [X 1]ᵀ[X 1] / n, whatever W, b and y are.
     */
    public static double[][] linearRegressionHessian(double[] x, int n, int d) {
        double[][] a = new double[d + 1][d + 1];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= d; j++) {
                double xj = j < d ? x[i * d + j] : 1;
                for (int k = 0; k <= d; k++) {
                    double xk = k < d ? x[i * d + k] : 1;
                    a[j][k] += xj * xk / n;
                }
            }
        }
        return a;
    }

    /** Gradient [X 1]ᵀ r / n of the same loss, r_i = w·x_i + b − y_i; theta = (w, b). */
    public static double[] linearRegressionGradient(double[] x, double[] y, int n, int d, double[] theta) {
        double[] g = new double[d + 1];
        for (int i = 0; i < n; i++) {
            double r = residual(x, y, d, theta, i);
            for (int j = 0; j < d; j++) {
                g[j] += r * x[i * d + j] / n;
            }
            g[d] += r / n;
        }
        return g;
    }

    /** The loss (1/n) Σ ½ r_i². */
    public static double linearRegressionLoss(double[] x, double[] y, int n, int d, double[] theta) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            double r = residual(x, y, d, theta, i);
            s += 0.5 * r * r;
        }
        return s / n;
    }

    private static double residual(double[] x, double[] y, int d, double[] theta, int i) {
        double f = theta[d];
        for (int j = 0; j < d; j++) {
            f += theta[j] * x[i * d + j];
        }
        return f - y[i];
    }

    public static double[] mul(double[][] a, double[] v) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < v.length; j++) {
                r[i] += a[i][j] * v[j];
            }
        }
        return r;
    }

    public static double trace(double[][] a) {
        double t = 0;
        for (int i = 0; i < a.length; i++) {
            t += a[i][i];
        }
        return t;
    }

    /** 2 Σ_{i≠j} a_ij²: the variance of zᵀAz for a Rademacher z. */
    public static double hutchinsonVariance(double[][] a) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a.length; j++) {
                if (i != j) {
                    s += 2 * a[i][j] * a[i][j];
                }
            }
        }
        return s;
    }

    /**
     * The largest algebraic eigenvalue of symmetric {@code a}: power iteration on a + cI, with c a
     * Gershgorin bound that makes it positive semi-definite, then the Rayleigh quotient. Fails if
     * the eigen-residual is not at rounding level, so a slow reference cannot pass silently.
     */
    public static double topEigenvalue(double[][] a) {
        int n = a.length;
        double c = 0;
        for (double[] row : a) {
            double r = 0;
            for (double x : row) {
                r += Math.abs(x);
            }
            c = Math.max(c, r);
        }
        double[] v = new double[n];
        java.util.Random rnd = new java.util.Random(99);
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextGaussian();
        }
        double lambda = 0;
        for (int it = 0; it < 200_000; it++) {
            double[] w = mul(a, v);
            for (int i = 0; i < n; i++) {
                w[i] += c * v[i];
            }
            double nw = norm(w);
            for (int i = 0; i < n; i++) {
                v[i] = w[i] / nw;
            }
            if (it % 100 == 99) {
                double[] av = mul(a, v);
                lambda = dot(v, av);
                double res = 0;
                for (int i = 0; i < n; i++) {
                    res += (av[i] - lambda * v[i]) * (av[i] - lambda * v[i]);
                }
                if (Math.sqrt(res) < 1e-11 * c) {
                    return lambda;
                }
            }
        }
        throw new AssertionError("reference power iteration did not converge");
    }

    /** Solves a x = b by Gaussian elimination with partial pivoting. */
    public static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[][] m = new double[n][n + 1];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, m[i], 0, n);
            m[i][n] = b[i];
        }
        for (int col = 0; col < n; col++) {
            int p = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(m[r][col]) > Math.abs(m[p][col])) {
                    p = r;
                }
            }
            double[] t = m[col];
            m[col] = m[p];
            m[p] = t;
            for (int r = col + 1; r < n; r++) {
                double f = m[r][col] / m[col][col];
                for (int k = col; k <= n; k++) {
                    m[r][k] -= f * m[col][k];
                }
            }
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = m[i][n];
            for (int k = i + 1; k < n; k++) {
                s -= m[i][k] * x[k];
            }
            x[i] = s / m[i][i];
        }
        return x;
    }

    /**
     * max over ‖δ‖ ≤ ρ of gᵀδ + ½ δᵀAδ for positive semi-definite A (g not orthogonal to the top
     * eigenvector): the maximizer is δ(μ) = (μI − A)⁻¹ g with μ > λ_max and ‖δ(μ)‖ = ρ, found by
     * bisection on μ (‖δ(μ)‖ decreases in μ).
     */
    public static double ballMaximum(double[][] a, double[] g, double rho) {
        int n = g.length;
        double lo = topEigenvalue(a);
        double hi = lo + norm(g) / rho + 1;
        for (int it = 0; it < 200; it++) {
            double mu = 0.5 * (lo + hi);
            if (mu == lo || mu == hi) {
                break;
            }
            if (norm(solve(shifted(a, mu), g)) > rho) {
                lo = mu;
            } else {
                hi = mu;
            }
        }
        double[] delta = solve(shifted(a, hi), g);
        return dot(g, delta) + 0.5 * dot(delta, mul(a, delta));
    }

    /** μI − A. */
    private static double[][] shifted(double[][] a, double mu) {
        int n = a.length;
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                s[i][j] = (i == j ? mu : 0) - a[i][j];
            }
        }
        return s;
    }

    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    public static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    public static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
