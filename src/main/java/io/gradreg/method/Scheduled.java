package io.gradreg.method;

import io.gradreg.engine.TensorList;

/**
 * A method whose strength follows a {@link StrengthSchedule}: at step t it is {@code base} with
 * strength s₀ · factor(t). Nothing is stored between steps; the trainer asks {@link #at} for the
 * method of each step.
 */
public record Scheduled(Tunable base, StrengthSchedule schedule) implements Method {
    @Override
    public Method at(Step step) {
        return base.withStrength(base.strength() * schedule.factor(step)).at(step);
    }

    /** A schedule changes the strength only: the base method's kept state is kept as it is. */
    @Override
    public boolean keepsState(long t) {
        return base.keepsState(t);
    }

    @Override
    public TensorList keptState(Step step, Update u) {
        return base.keptState(step, u);
    }

    @Override
    public Method unwrapped() {
        return base.unwrapped();
    }

    /** Only the method of a step has a direction: ask {@link #at} first. */
    @Override
    public Update direction(Oracle oracle) {
        throw new IllegalStateException("a scheduled method has a direction only at a step: call at(step) first");
    }

    @Override
    public String describe() {
        return base.describe() + " with " + base.strengthName() + " schedule " + schedule;
    }
}
