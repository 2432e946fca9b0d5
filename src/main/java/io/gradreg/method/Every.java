package io.gradreg.method;

import io.gradreg.engine.TensorList;

/**
 * Cheaper regularized steps (methods.md, "Every K steps"): the base method runs on every k-th step
 * (steps t with t mod k = 0, counted from the start of the run); the steps between take the plain
 * gradient g. With {@code reuse}, a full step also keeps its regularization component
 * c = d − g, and the steps between take g + c with the last kept c (LookSAM's idea; with k = 1 it
 * is the base method). The component is state of the run: the trainer keeps it, hands it back in
 * {@link Step#component()} and checkpoints it.
 */
public record Every(Method base, int k, boolean reuse) implements Method {
    public Every {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
    }

    /** Whether step {@code t} runs the base method. */
    public boolean full(long t) {
        return t % k == 0;
    }

    @Override
    public boolean keepsComponent(long t) {
        return reuse && full(t);
    }

    @Override
    public Method at(Step step) {
        if (full(step.index())) {
            return reuse ? base.at(step).reportingGrad() : base.at(step);
        }
        return reuse && step.component() != null ? new PlusComponent(step.component()) : new Plain();
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
        return base.describe() + " every " + k + " steps" + (reuse ? ", reusing d - g between" : ", plain between");
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
