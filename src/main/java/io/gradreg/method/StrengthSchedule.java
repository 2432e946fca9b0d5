package io.gradreg.method;

import io.gradreg.GradregException;

/**
 * How a regularization strength s changes over training, as a factor of its configured value s₀:
 * s(t) = s₀ · factor(t), a pure function of the step, so a resumed run recomputes it exactly.
 * <ul>
 *   <li>{@code constant}: 1;
 *   <li>{@code follow-lr}: lr(t) / lr, the learning-rate schedule's factor (GSAM's ρ_t ∝ lr_t);
 *   <li>{@code warmup:STEPS}: min(1, t / STEPS), a linear ramp from 0 at step 0 to s₀ at step STEPS.
 * </ul>
 */
public record StrengthSchedule(Kind kind, long warmupSteps) {
    /** The three schedules. */
    public enum Kind { CONSTANT, FOLLOW_LR, WARMUP }

    public static final StrengthSchedule CONSTANT = new StrengthSchedule(Kind.CONSTANT, 0);

    /** The factor at {@code step}. */
    public double factor(Step step) {
        return switch (kind) {
            case CONSTANT -> 1.0;
            case FOLLOW_LR -> step.lrFactor();
            case WARMUP -> Math.min(1.0, (double) step.index() / warmupSteps);
        };
    }

    public boolean isConstant() {
        return kind == Kind.CONSTANT;
    }

    /** Parses {@code constant | follow-lr | warmup:STEPS}; {@code flag} names the option in errors. */
    public static StrengthSchedule parse(String flag, String s) {
        String v = s.trim().toLowerCase();
        if (v.equals("constant")) {
            return CONSTANT;
        }
        if (v.equals("follow-lr")) {
            return new StrengthSchedule(Kind.FOLLOW_LR, 0);
        }
        if (v.startsWith("warmup:")) {
            try {
                long n = Long.parseLong(v.substring("warmup:".length()));
                if (n >= 1) {
                    return new StrengthSchedule(Kind.WARMUP, n);
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new GradregException(flag + " warmup:STEPS needs a whole number of steps >= 1, got '" + s + "'");
        }
        throw new GradregException(flag + ": unknown schedule '" + s + "': expected constant, follow-lr or warmup:STEPS");
    }

    @Override
    public String toString() {
        return switch (kind) {
            case CONSTANT -> "constant";
            case FOLLOW_LR -> "follow-lr";
            case WARMUP -> "warmup:" + warmupSteps;
        };
    }
}
