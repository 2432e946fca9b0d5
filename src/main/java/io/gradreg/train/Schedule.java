package io.gradreg.train;

import io.gradreg.GradregException;

/** Learning-rate schedule as a factor of the base rate, a function of the step. */
public enum Schedule {
    /** Factor 1. */
    CONSTANT,
    /** 1/2 (1 + cos(pi t / T)). */
    COSINE,
    /** 1, then 0.1 from 50% of the steps, then 0.01 from 75%. */
    STEP;

    /** The factor at step {@code t} (0-based) of {@code total}. */
    public double factor(long t, long total) {
        return switch (this) {
            case CONSTANT -> 1.0;
            case COSINE -> 0.5 * (1 + Math.cos(Math.PI * t / Math.max(1, total)));
            case STEP -> t < total / 2 ? 1.0 : t < total * 3 / 4 ? 0.1 : 0.01;
        };
    }

    /** Parses constant | cosine | step. */
    public static Schedule parse(String s) {
        for (Schedule v : values()) {
            if (v.name().equalsIgnoreCase(s)) {
                return v;
            }
        }
        throw new GradregException("unknown schedule '" + s + "': expected constant, cosine or step");
    }
}
