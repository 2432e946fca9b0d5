package io.gradreg.analysis;

/**
 * Eigen-decomposition of a small dense symmetric matrix by cyclic Jacobi rotations. Lanczos uses
 * it on its k×k tridiagonal matrix; k is at most a few hundred, where Jacobi's O(k³) sweeps cost
 * far less than the Hessian-vector products that built the matrix, and it is accurate to
 * machine precision without the subtleties of a tridiagonal QR.
 */
public final class SymmetricEigen {
    /** Eigenvalues in decreasing order; {@code vectors[i][j]} is component i of eigenvector j. */
    public record Result(double[] values, double[][] vectors) {}

    private SymmetricEigen() {}

    /** Decomposes {@code a} (symmetric, not modified). */
    public static Result of(double[][] a) {
        int n = a.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = a[i].clone();
        }
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) {
            v[i][i] = 1;
        }
        for (int sweep = 0; sweep < 100 && offDiagonal(m) > 0; sweep++) {
            double scale = frobenius(m);
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (Math.abs(m[p][q]) > 1e-300 && Math.abs(m[p][q]) > 1e-18 * scale) {
                        rotate(m, v, p, q);
                    } else {
                        m[p][q] = m[q][p] = 0; // negligible: below what double precision can resolve
                    }
                }
            }
        }
        return sorted(m, v);
    }

    /** Zeroes m[p][q] by a rotation applied on both sides; accumulates it into v. */
    private static void rotate(double[][] m, double[][] v, int p, int q) {
        int n = m.length;
        double theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
        // the smaller rotation angle, for stability (Golub & Van Loan, sym.schur2)
        double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        if (theta == 0) {
            t = 1;
        }
        double c = 1 / Math.sqrt(t * t + 1);
        double s = t * c;
        for (int k = 0; k < n; k++) {
            double mkp = m[k][p];
            double mkq = m[k][q];
            m[k][p] = c * mkp - s * mkq;
            m[k][q] = s * mkp + c * mkq;
        }
        for (int k = 0; k < n; k++) {
            double mpk = m[p][k];
            double mqk = m[q][k];
            m[p][k] = c * mpk - s * mqk;
            m[q][k] = s * mpk + c * mqk;
        }
        m[p][q] = m[q][p] = 0;
        for (int k = 0; k < n; k++) {
            double vkp = v[k][p];
            double vkq = v[k][q];
            v[k][p] = c * vkp - s * vkq;
            v[k][q] = s * vkp + c * vkq;
        }
    }

    private static double offDiagonal(double[][] m) {
        double s = 0;
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m.length; j++) {
                if (i != j) {
                    s += m[i][j] * m[i][j];
                }
            }
        }
        return s;
    }

    private static double frobenius(double[][] m) {
        double s = 0;
        for (double[] row : m) {
            for (double x : row) {
                s += x * x;
            }
        }
        return Math.sqrt(s);
    }

    private static Result sorted(double[][] m, double[][] v) {
        int n = m.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(m[y][y], m[x][x]));
        double[] values = new double[n];
        double[][] vectors = new double[n][n];
        for (int j = 0; j < n; j++) {
            values[j] = m[order[j]][order[j]];
            for (int i = 0; i < n; i++) {
                vectors[i][j] = v[i][order[j]];
            }
        }
        return new Result(values, vectors);
    }
}
