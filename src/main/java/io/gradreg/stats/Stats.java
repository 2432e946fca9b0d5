package io.gradreg.stats;

import java.util.Arrays;

/**
 * The statistics the reproductions report, in one place: mean ± sample standard deviation, the
 * median, paired differences with their standard error and the seeds won, Spearman's rank
 * correlation for a monotone trend, and the slope of a log-log fit for an order of convergence.
 * Each is computed in a fixed order of operations, so a report rebuilt from the same runs prints
 * the same digits.
 */
public final class Stats {
    private Stats() {}

    /** A mean and the sample standard deviation around it. */
    public record MeanStd(double mean, double std) {}

    /** The mean of paired differences and its standard error (NaN with one pair). */
    public record Paired(double mean, double se) {}

    /** Mean and sample standard deviation (n − 1 in the denominator; 0 for a single value). */
    public static MeanStd meanStd(double[] v) {
        double mean = 0;
        for (double x : v) {
            mean += x / v.length;
        }
        double ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        return new MeanStd(mean, v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0);
    }

    /** The median of the finite values (NaN and infinities left out); NaN when there are none. */
    public static double median(double[] v) {
        double[] f = Arrays.stream(v).filter(Double::isFinite).sorted().toArray();
        if (f.length == 0) {
            return Double.NaN;
        }
        return f.length % 2 == 1 ? f[f.length / 2] : (f[f.length / 2 - 1] + f[f.length / 2]) / 2;
    }

    /**
     * The paired differences a[i] − b[i] (e.g. two methods run on the same seeds): their mean, and
     * its standard error, the differences' sample standard deviation over √n.
     */
    public static Paired pairedDiff(double[] a, double[] b) {
        requirePairs(a, b);
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        MeanStd ms = meanStd(d);
        return new Paired(ms.mean(), d.length > 1 ? ms.std() / Math.sqrt(d.length) : Double.NaN);
    }

    /** How many pairs (seeds) have a[i] > b[i] strictly: a tie is not won. */
    public static int seedsWon(double[] a, double[] b) {
        requirePairs(a, b);
        int won = 0;
        for (int i = 0; i < a.length; i++) {
            won += a[i] > b[i] ? 1 : 0;
        }
        return won;
    }

    /**
     * Spearman's rank correlation of finite values: the Pearson correlation of their ranks, tied
     * values sharing the mean of their ranks. 1 for a strictly increasing relation, −1 for a
     * strictly decreasing one.
     */
    public static double spearman(double[] x, double[] y) {
        requirePairs(x, y);
        double[] rx = ranks(x);
        double[] ry = ranks(y);
        double mx = 0;
        double my = 0;
        for (int i = 0; i < x.length; i++) {
            mx += rx[i] / x.length;
            my += ry[i] / x.length;
        }
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (rx[i] - mx) * (ry[i] - my);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - my) * (ry[i] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }

    /** Ranks from 0.5 up (the values below, plus half of the equal ones, itself included): ties get the mean rank. */
    private static double[] ranks(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            for (double w : v) {
                r[i] += w < v[i] ? 1 : w == v[i] ? 0.5 : 0;
            }
        }
        return r;
    }

    /**
     * The least-squares slope of log y against log x (positive values): the exponent p of
     * y ≈ c·x^p, e.g. an error's order in the step size.
     */
    public static double logLogSlope(double[] x, double[] y) {
        requirePairs(x, y);
        double mx = 0;
        double my = 0;
        for (int i = 0; i < x.length; i++) {
            mx += Math.log(x[i]) / x.length;
            my += Math.log(y[i]) / x.length;
        }
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (Math.log(x[i]) - mx) * (Math.log(y[i]) - my);
            sxx += (Math.log(x[i]) - mx) * (Math.log(x[i]) - mx);
        }
        return sxy / sxx;
    }

    private static void requirePairs(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("paired values need equal lengths, got " + a.length + " and " + b.length);
        }
    }
}
