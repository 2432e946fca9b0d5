package io.gradreg.method;

import io.gradreg.GradregException;
import io.gradreg.engine.TensorList;

/**
 * Cheaper regularized steps (methods.md, "Every K steps"): the base method runs on every k-th step
 * (steps t with t mod k = 0, counted from the start of the run); the steps between take the plain
 * gradient g, or, with reuse, g plus what a full step kept:
 * <ul>
 *   <li>{@link Reuse#DIFFERENCE}: the regularization component c = d − g; between, d = g + c;
 *   <li>{@link Reuse#LOOKSAM}: LookSAM's g_v, the part of d orthogonal to g, per tensor; between,
 *       d = g + α (‖g‖ / ‖g_v‖) g_v per tensor ({@link LookSam}).
 * </ul>
 * What is kept is state of the run: the trainer keeps it ({@link #keptState}), hands it back in
 * {@link Step#kept()} and checkpoints it. Without reuse, a base method that keeps state of its own
 * ({@link FriendlySam}) keeps it on its full steps.
 *
 * @param alpha LookSAM's α (unused by the other reuse modes)
 */
public record Every(Method base, int k, Reuse reuse, double alpha) implements Method {
    /** What the steps between full steps reuse. */
    public enum Reuse {
        /** Nothing: plain steps between. */
        NONE,
        /** The component d − g of the last full step. */
        DIFFERENCE,
        /** LookSAM's g_v of the last full step. */
        LOOKSAM;

        /**
         * Parses {@code none | difference | looksam}; {@code true} and {@code false} are what a bare
         * {@code --reuse} flag and its absence were stored as before the modes existed.
         */
        public static Reuse parse(String s) {
            return switch (s.trim().toLowerCase()) {
                case "none", "false" -> NONE;
                case "difference", "true" -> DIFFERENCE;
                case "looksam" -> LOOKSAM;
                default -> throw new GradregException("--reuse: unknown mode '" + s + "': expected difference or looksam");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase();
        }
    }

    public Every {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        if (reuse != Reuse.NONE && base.keepsState(0)) {
            throw new GradregException("--reuse keeps state between steps, and " + base.unwrapped().describe()
                    + " keeps its own: a run keeps one; use --every K without --reuse");
        }
        if (reuse != Reuse.NONE && base.unwrapped() instanceof Wsam w && w.decoupled()) {
            throw new GradregException("--reuse needs the whole step in the direction, but decoupled wsam applies its sharpness term"
                    + " outside the optimizer; use --wsam-form combined");
        }
    }

    /** {@code base} every k steps, plain steps between or (with {@code reuse}) g + the last d − g. */
    public Every(Method base, int k, boolean reuse) {
        this(base, k, reuse ? Reuse.DIFFERENCE : Reuse.NONE, 0);
    }

    /** Whether step {@code t} runs the base method. */
    public boolean full(long t) {
        return t % k == 0;
    }

    @Override
    public boolean keepsState(long t) {
        return full(t) && (reuse != Reuse.NONE || base.keepsState(t));
    }

    @Override
    public TensorList keptState(Step step, Update u) {
        return switch (reuse) {
            case NONE -> base.keptState(step, u);
            case DIFFERENCE -> u.direction().sub(u.grad());
            case LOOKSAM -> LookSam.orthogonal(u.direction(), u.grad());
        };
    }

    @Override
    public Method at(Step step) {
        if (full(step.index())) {
            return reuse != Reuse.NONE ? base.at(step).reportingGrad() : base.at(step);
        }
        if (reuse == Reuse.NONE || step.kept() == null) {
            return new Plain();
        }
        return reuse == Reuse.DIFFERENCE ? new PlusComponent(step.kept()) : new LookSam.Between(step.kept(), alpha);
    }

    @Override
    public Method unwrapped() {
        return base.unwrapped();
    }

    /** Only the method of a step has a direction: ask {@link #at} first. */
    @Override
    public Update direction(Oracle oracle) {
        throw new IllegalStateException("an every-k method has a direction only at a step: call at(step) first");
    }

    @Override
    public String describe() {
        String between = switch (reuse) {
            case NONE -> ", plain between";
            case DIFFERENCE -> ", reusing d - g between";
            case LOOKSAM -> ", reusing LookSAM's g_v between (alpha=" + alpha + ")";
        };
        return base.describe() + " every " + k + " steps" + between;
    }

    /** d = g + c for a fixed vector c: a plain pass plus a kept regularization component. */
    record PlusComponent(TensorList component) implements ParamSpaceMethod {
        @Override
        public Update direction(ParamOracle o) {
            Oracle.Eval e = o.eval(false);
            return new Update(e.grad().add(component), e.loss()).withGrad(e.grad());
        }

        @Override
        public String describe() {
            return "plain + kept component";
        }
    }
}
