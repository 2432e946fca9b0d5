package io.gradreg.method;

import io.gradreg.GradregException;

/** One-line checks of a method's hyperparameters, thrown as {@link GradregException}s naming the problem. */
final class Checks {
    private Checks() {}

    /** {@code v}, a finite number >= 0. */
    static double nonNegative(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new GradregException(what + " must be a finite number >= 0, got " + v);
        }
        return v;
    }

    /** {@code v}, a finite number > 0. */
    static double positive(String what, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new GradregException(what + " must be a finite number > 0, got " + v);
        }
        return v;
    }

    /** {@code v} in (0, 1]. */
    static double fraction(String what, double v) {
        if (!(v > 0 && v <= 1)) {
            throw new GradregException(what + " must be in (0, 1], got " + v);
        }
        return v;
    }
}
