package io.gradreg.analysis;

import io.gradreg.engine.TensorList;
import io.gradreg.engine.Tensors;
import java.util.Arrays;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;

/**
 * Parameter-space vectors kept on the host as float64 arrays, in {@link io.gradreg.nn.Net#params()}
 * order. The iterative estimators keep their state here, so nothing they hold lives in a native
 * scope: every Hessian-vector product can then free all it allocated.
 */
final class HostVectors {
    private HostVectors() {}

    /** New tensors shaped and typed like {@code params}, holding {@code v} (created in the caller's scope). */
    static TensorList like(TensorList params, double[] v) {
        Tensor[] out = new Tensor[params.size()];
        int off = 0;
        for (int i = 0; i < out.length; i++) {
            Tensor p = params.get(i);
            int n = (int) p.numel();
            out[i] = Tensors.fromDoubles(Arrays.copyOfRange(v, off, off + n), Tensors.shape(p)).to(p.scalar_type());
            off += n;
        }
        if (off != v.length) {
            throw new IllegalArgumentException("expected " + off + " values, got " + v.length);
        }
        return TensorList.of(out);
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** {@code y += alpha * x}. */
    static void axpy(double alpha, double[] x, double[] y) {
        for (int i = 0; i < y.length; i++) {
            y[i] += alpha * x[i];
        }
    }

    static double[] scaled(double[] v, double alpha) {
        double[] r = new double[v.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = alpha * v[i];
        }
        return r;
    }

    /** Independent N(0, 1) entries. */
    static double[] gaussian(int n, Random r) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian();
        }
        return v;
    }

    /** Independent ±1 entries with equal probability. */
    static double[] rademacher(int n, Random r) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextBoolean() ? 1 : -1;
        }
        return v;
    }

    /**
     * Sample mean and standard deviation (divisor n - 1; NaN for a single value). The mean is taken
     * as an offset from the first value, so equal values give exactly that value and zero spread.
     */
    static double[] meanStd(double[] xs) {
        double offset = 0;
        for (double x : xs) {
            offset += x - xs[0];
        }
        double mean = xs[0] + offset / xs.length;
        double ss = 0;
        for (double x : xs) {
            ss += (x - mean) * (x - mean);
        }
        return new double[] {mean, xs.length > 1 ? Math.sqrt(ss / (xs.length - 1)) : Double.NaN};
    }
}
