package io.gradreg;

import io.gradreg.data.Dataset;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.method.Loss;
import io.gradreg.method.Method;
import io.gradreg.method.Oracle;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Mlp;
import io.gradreg.nn.Net;

/** Small float64 models and data shared by the tests of the math. */
public final class Fixtures {
    static {
        Engine.start();
    }

    private Fixtures() {}

    /** A float64 MLP with the given sizes and activation, initialised from {@code seed}. */
    public static Net mlp(long seed, Activation act, int... sizes) {
        Engine.seed(seed);
        return new Mlp(sizes, act, 0, false).to(DType.FLOAT64);
    }

    /** The direction of {@code m} at the net's current parameters, as float64 values. */
    public static double[] direction(Method m, Net net, Loss loss, Dataset d, long seed) {
        return m.direction(new Oracle(net, loss, d.x(), d.y(), seed)).direction().toDoubles();
    }

    /** Loss and flattened gradient at the current parameters. */
    public static Oracle.Eval eval(Net net, Loss loss, Dataset d) {
        return new Oracle(net, loss, d.x(), d.y(), 0).eval(false);
    }

    /** Sets the parameters to {@code theta + h u}. */
    public static void setParams(Net net, double[] theta, double h, double[] u) {
        double[] p = theta.clone();
        for (int i = 0; i < p.length; i++) {
            p[i] += h * u[i];
        }
        net.params().setFromDoubles(p);
    }

    public static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    public static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    public static double norm(double[] a) {
        return io.gradreg.analysis.FullBatch.norm(a);
    }

    /** ||a - b|| / ||b||. */
    public static double relErr(double[] a, double[] b) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return norm(d) / norm(b);
    }

    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    public static double[] gaussian(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian();
        }
        return v;
    }

}
