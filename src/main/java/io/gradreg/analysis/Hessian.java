package io.gradreg.analysis;

import io.gradreg.data.Dataset;
import io.gradreg.engine.TensorList;
import io.gradreg.method.Loss;
import io.gradreg.method.Oracle;
import io.gradreg.nn.Net;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * The Hessian H of the full-dataset mean loss L(θ) = (1/n) Σ_i ℓ_i(θ) at the model's current
 * parameters, seen only through exact Hessian-vector products (double backpropagation), and the
 * estimators built on them: the top eigenvalue by Lanczos and the trace by Hutchinson.
 *
 * <p>The model runs in evaluation mode (no dropout, batch-norm running statistics), as in
 * {@link FullBatch}, so L is a deterministic function of θ and H is symmetric. Vectors are host
 * float64 arrays in {@link Net#params()} order; each product runs in its own native-memory scope,
 * so memory stays flat however many products an estimator takes.
 */
public final class Hessian {
    /**
     * Samples per chunk of a Hessian-vector product. Kept at 1000 when {@link FullBatch#CHUNK}
     * went down to a batch's size: the chunking fixes the summation order, so changing it would
     * move the last bits of every eigenvalue and trace already recorded; an analysis runs a few
     * dozen products per run, where the per-epoch evaluation runs every epoch.
     */
    static final long CHUNK = 1000;

    /**
     * The largest (algebraic) eigenvalue found by Lanczos.
     *
     * @param iterations Lanczos steps taken (one Hessian-vector product each)
     * @param residual ‖H y − λ y‖ for the Ritz vector y (unit norm): the error bound on λ
     * @param converged residual ≤ tol·|λ|, or the Krylov space became invariant (λ is then exact)
     * @param smallest the smallest Ritz value, a rough estimate of the most negative curvature
     */
    public record Eigen(double value, int iterations, double residual, boolean converged, double smallest) {}

    /** Hutchinson's estimate of tr H: the mean of zᵀHz over {@code samples} Rademacher z, with its standard error. */
    public record Trace(double mean, double stdError, int samples) {}

    private final Net net;
    private final Loss loss;
    private final Dataset data;
    private final int dim;
    private ProgressListener listener = ProgressListener.NONE;
    private long products;

    /** H of {@code loss} over all of {@code data}, at {@code net}'s parameters when a product is taken. */
    public Hessian(Net net, Loss loss, Dataset data) {
        if (data.size() == 0) {
            throw new IllegalArgumentException("the Hessian of an empty dataset is undefined");
        }
        this.net = net;
        this.loss = loss;
        this.data = data;
        this.dim = Math.toIntExact(net.numParams());
    }

    /** Reports progress of {@link #topEigenvalue} and {@link #trace} to {@code l}. */
    public Hessian listener(ProgressListener l) {
        this.listener = l;
        return this;
    }

    /** Number of parameters m (the dimension of H). */
    public int dimension() {
        return dim;
    }

    /** Hessian-vector products taken so far by this object. */
    public long products() {
        return products;
    }

    /**
     * H v, exact up to rounding in the model's dtype: per chunk of {@link #CHUNK} samples,
     * g = ∇θ Σ ℓ_i with its graph, then ∇θ (gᵀv); summed and divided by n.
     */
    public double[] hvp(double[] v) {
        if (v.length != dim) {
            throw new IllegalArgumentException("expected a vector of " + dim + " values, got " + v.length);
        }
        products++;
        boolean wasTraining = net.is_training();
        net.eval();
        double[] total = new double[dim];
        try (PointerScope scope = new PointerScope()) {
            TensorList params = net.params();
            TensorList vt = HostVectors.like(params, v);
            // a scope per chunk too: the double-backprop graph holds every activation of the chunk
            FullBatch.forEachChunk(data, CHUNK, c -> {
                Tensor sum = loss.perSample(net.forward(c.x()), c.y()).sum();
                TensorList g = Oracle.grad(sum, params, true, true);
                Tensor gv = directional(g, vt);
                if (gv != null) { // null: the gradient does not depend on θ here, so H v = 0
                    HostVectors.axpy(1.0, Oracle.grad(gv, params, false, false).toDoubles(), total);
                }
            });
        } finally {
            net.train(wasTraining);
        }
        for (int i = 0; i < dim; i++) {
            total[i] /= data.size();
        }
        return total;
    }

    /**
     * gᵀv as a scalar carrying the graph. Parts of g that do not depend on θ (Oracle fills them
     * with constant zeros) are left out: torch.grad rejects outputs without a graph.
     */
    private static Tensor directional(TensorList g, TensorList v) {
        Tensor s = null;
        for (int i = 0; i < g.size(); i++) {
            if (g.get(i).requires_grad()) {
                Tensor term = g.get(i).mul(v.get(i)).sum();
                s = s == null ? term : s.add(term);
            }
        }
        return s;
    }

    /**
     * The largest eigenvalue of H by the Lanczos method with full reorthogonalization, started from
     * a seeded Gaussian vector. Lanczos needs far fewer products than power iteration: its Krylov
     * space holds the polynomial that best separates the top eigenvalue, not just the k-th power,
     * and it finds the largest algebraic eigenvalue even when a negative one is larger in magnitude.
     *
     * <p>Stops when the Ritz residual ‖H y − λ y‖ ≤ tol·|λ| (so |λ − λ_true| ≤ tol·|λ|, and usually
     * far less), when the Krylov space is invariant, or after {@code maxIters} products. Keeps
     * {@code maxIters} vectors of m doubles.
     */
    public Eigen topEigenvalue(int maxIters, double tol, long seed) {
        if (maxIters < 1) {
            throw new IllegalArgumentException("maxIters must be >= 1, got " + maxIters);
        }
        int limit = Math.min(maxIters, dim); // the Krylov space cannot grow beyond m
        List<double[]> basis = new ArrayList<>();
        List<Double> alpha = new ArrayList<>();
        List<Double> beta = new ArrayList<>();
        double[] q = HostVectors.gaussian(dim, new Random(seed));
        q = HostVectors.scaled(q, 1 / FullBatch.norm(q));
        double top = Double.NaN;
        double smallest = Double.NaN;
        double residual = Double.NaN;
        for (int k = 0; k < limit; k++) {
            basis.add(q);
            double[] w = hvp(q);
            double a = HostVectors.dot(q, w);
            alpha.add(a);
            // Full reorthogonalization, twice ("twice is enough"): plain Lanczos loses orthogonality
            // once a Ritz value converges and then finds spurious copies of it.
            for (int pass = 0; pass < 2; pass++) {
                for (double[] b : basis) {
                    HostVectors.axpy(-HostVectors.dot(b, w), b, w);
                }
            }
            double b = FullBatch.norm(w);
            SymmetricEigen.Result ritz = SymmetricEigen.of(tridiagonal(alpha, beta));
            top = ritz.values()[0];
            smallest = ritz.values()[k];
            residual = b * Math.abs(ritz.vectors()[k][0]);
            listener.onProgress("lanczos", k + 1, limit, top);
            double scale = Math.max(Math.abs(top), Math.abs(smallest));
            if (b <= 1e-12 * scale || residual <= tol * Math.abs(top)) {
                return new Eigen(top, k + 1, residual, true, smallest);
            }
            beta.add(b);
            q = HostVectors.scaled(w, 1 / b);
        }
        return new Eigen(top, limit, residual, limit == dim, smallest);
    }

    private static double[][] tridiagonal(List<Double> alpha, List<Double> beta) {
        int k = alpha.size();
        double[][] t = new double[k][k];
        for (int i = 0; i < k; i++) {
            t[i][i] = alpha.get(i);
            if (i + 1 < k) {
                t[i][i + 1] = t[i + 1][i] = beta.get(i);
            }
        }
        return t;
    }

    /**
     * Hutchinson's estimator: tr H = E[zᵀHz] for z with independent ±1 entries. Rademacher vectors
     * give the smallest variance among such estimators, 2 Σ_{i≠j} H_ij² per sample (zero when H is
     * diagonal). One product per sample; the standard error is the sample std / √samples.
     */
    public Trace trace(int samples, long seed) {
        if (samples < 2) {
            throw new IllegalArgumentException("Hutchinson needs at least 2 samples for an error bar, got " + samples);
        }
        Random r = new Random(seed);
        double[] values = new double[samples];
        for (int s = 0; s < samples; s++) {
            double[] z = HostVectors.rademacher(dim, r);
            values[s] = HostVectors.dot(z, hvp(z));
            listener.onProgress("hutchinson", s + 1, samples, values[s]);
        }
        double[] ms = HostVectors.meanStd(values);
        return new Trace(ms[0], ms[1] / Math.sqrt(samples), samples);
    }
}
