package io.gradreg.io;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One chart axis: its limits (in axis units: log10 of the data on log axes) and ticks. Limits are
 * the data range plus a small margin. Linear ticks use "nice" steps of 1, 2 or 5 × 10^k; log ticks
 * sit on powers of 10 (with 2× and 5× labelled too when the axis spans few decades).
 */
final class Axis {
    /** A tick at {@code value} (axis units); minor ticks only get a faint grid line. */
    record Tick(double value, String label, boolean major) {}

    final double lo;
    final double hi;
    final List<Tick> ticks;

    private Axis(double lo, double hi, List<Tick> ticks) {
        this.lo = lo;
        this.hi = hi;
        this.ticks = ticks;
    }

    /** Maps {@code v} (axis units) linearly from [lo, hi] onto pixels [p0, p1]. */
    double toPixel(double v, double p0, double p1) {
        return p0 + (v - lo) / (hi - lo) * (p1 - p0);
    }

    /** An axis covering [min, max] with about {@code target} major ticks. */
    static Axis of(double min, double max, boolean log, int target) {
        return log ? log(min, max, target) : linear(min, max, target);
    }

    /** Share of the data span left empty at each end, so points do not sit on the frame. */
    private static final double MARGIN = 0.04;

    private static Axis linear(double min, double max, int target) {
        // Keep hi - lo finite, and widen a flat (or floating-point-flat) range so it has a span.
        double lo = Math.max(min, -1e300), hi = Math.min(max, 1e300);
        double mag = Math.max(Math.abs(lo), Math.abs(hi));
        if (hi - lo <= Math.ulp(mag) * 64) {
            double d = mag == 0 ? 1 : mag * 0.1;
            lo -= d;
            hi += d;
        }
        double pad = (hi - lo) * MARGIN;
        lo -= pad;
        hi += pad;
        double step = niceStep((hi - lo) / target);
        double first = Math.ceil(lo / step) * step;
        int n = (int) Math.floor((hi - first) / step + 1e-9);
        double last = first + n * step;
        boolean sci = Math.max(Math.abs(first), Math.abs(last)) >= 1e6 || step < 1e-4;
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
        int sigDigits = Math.max(0, (int) (Math.floor(Math.log10(Math.max(Math.abs(first), Math.abs(last))) + 1e-9)
                - Math.floor(Math.log10(step) + 1e-9)));
        List<Tick> ticks = new ArrayList<>();
        for (int i = 0; i <= n; i++) {
            double v = first + i * step;
            if (Math.abs(v) < step * 1e-9) {
                v = 0; // avoid labels like "-0.0" or "1e-17"
            }
            ticks.add(new Tick(v, sci ? sci(v, sigDigits) : String.format(Locale.ROOT, "%." + decimals + "f", v), true));
        }
        return new Axis(lo, hi, ticks);
    }

    private static Axis log(double min, double max, int target) {
        // Span at least one decade, so at least one power of ten is inside and labelled.
        double lo = min, hi = max;
        if (hi - lo < 1) {
            double mid = (lo + hi) / 2;
            lo = mid - 0.5;
            hi = mid + 0.5;
        }
        double pad = (hi - lo) * MARGIN;
        lo -= pad;
        hi += pad;
        int a = (int) Math.floor(lo), b = (int) Math.ceil(hi);
        int inside = (int) (Math.floor(hi) - Math.ceil(lo)) + 1; // powers of ten within [lo, hi]
        int k = Math.max(1, (int) Math.ceil(inside / (double) target));
        boolean plain = a >= -3 && b <= 5;
        boolean fewDecades = b - a <= 3; // then 2× and 5× get labels too
        List<Tick> ticks = new ArrayList<>();
        for (int e = a; e <= b; e++) {
            if (Math.floorMod(e, k) == 0 && e >= lo && e <= hi) {
                ticks.add(new Tick(e, plain ? plainPower(e, 1) : "10" + superscript(e), true));
            }
            for (int m = 2; m <= 9 && k == 1 && b - a <= 8; m++) {
                double v = e + Math.log10(m);
                if (v >= lo && v <= hi) {
                    boolean labelled = fewDecades && (m == 2 || m == 5);
                    ticks.add(new Tick(v, labelled ? (plain ? plainPower(e, m) : m + "×10" + superscript(e)) : "",
                            labelled));
                }
            }
        }
        return new Axis(lo, hi, ticks);
    }

    /** The step of the form 1, 2 or 5 × 10^k nearest to {@code raw} (on a log scale, roughly). */
    static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / p;
        return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
    }

    private static String sci(double v, int digits) {
        if (v == 0) {
            return "0";
        }
        String s = String.format(Locale.ROOT, "%." + digits + "e", v); // e.g. 2.50e+06
        String[] parts = s.split("e");
        String mant = parts[0].contains(".") ? parts[0].replaceAll("0+$", "").replaceAll("\\.$", "") : parts[0];
        return mant + "e" + Integer.parseInt(parts[1]);
    }

    /** {@code m × 10^e} written out, e.g. (−2, 5) → "0.05", (3, 2) → "2000". */
    private static String plainPower(int e, int m) {
        return e >= 0 ? m + "0".repeat(e) : "0." + "0".repeat(-e - 1) + m;
    }

    private static String superscript(int e) {
        String digits = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        StringBuilder sb = new StringBuilder(e < 0 ? "⁻" : "");
        for (char c : Integer.toString(Math.abs(e)).toCharArray()) {
            sb.append(digits.charAt(c - '0'));
        }
        return sb.toString();
    }
}
