package io.gradreg.method;

import io.gradreg.engine.TensorList;

/**
 * What a method returns for one batch: the update direction d handed to the optimizer, the batch
 * loss L at the unperturbed parameters, the regularizer's value (NaN when there is none) and the
 * plain gradient g = ∇L(θ) when the method computed it (null otherwise), so that the
 * regularization component d − g can be kept and reused ({@link Every}).
 */
public record Update(TensorList direction, double loss, double penalty, TensorList grad) {
    public Update(TensorList direction, double loss, double penalty) {
        this(direction, loss, penalty, null);
    }

    public Update(TensorList direction, double loss) {
        this(direction, loss, Double.NaN, null);
    }

    /** This update with the plain gradient {@code g} attached. */
    public Update withGrad(TensorList g) {
        return new Update(direction, loss, penalty, g);
    }

    /** This update with the direction replaced (e.g. clipped), everything else kept. */
    public Update withDirection(TensorList d) {
        return new Update(d, loss, penalty, grad);
    }
}
