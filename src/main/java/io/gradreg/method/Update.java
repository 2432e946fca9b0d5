package io.gradreg.method;

import io.gradreg.engine.TensorList;

/**
 * What a method returns for one batch: the update direction d handed to the optimizer, the batch
 * loss L at the unperturbed parameters, the regularizer's value (NaN when there is none), the plain
 * gradient g = ∇L(θ) when the method computed it (null otherwise), so that state built from it can
 * be kept ({@link Method#keptState}), and a part of the step taken outside the optimizer (null when
 * there is none): after the optimizer's step, θ ← θ − lr·outside, as decoupled WSAM applies its
 * sharpness term ({@link Wsam}).
 */
public record Update(TensorList direction, double loss, double penalty, TensorList grad, TensorList outside) {
    public Update(TensorList direction, double loss, double penalty, TensorList grad) {
        this(direction, loss, penalty, grad, null);
    }

    public Update(TensorList direction, double loss, double penalty) {
        this(direction, loss, penalty, null, null);
    }

    public Update(TensorList direction, double loss) {
        this(direction, loss, Double.NaN, null, null);
    }

    /** This update with the plain gradient {@code g} attached. */
    public Update withGrad(TensorList g) {
        return new Update(direction, loss, penalty, g, outside);
    }

    /** This update with the direction replaced (e.g. clipped), everything else kept. */
    public Update withDirection(TensorList d) {
        return new Update(d, loss, penalty, grad, outside);
    }

    /** This update with {@code o} applied outside the optimizer (θ ← θ − lr·o after its step). */
    public Update withOutside(TensorList o) {
        return new Update(direction, loss, penalty, grad, o);
    }
}
