package io.gradreg.method;

import io.gradreg.engine.TensorList;

/**
 * What a method returns for one batch: the update direction d handed to the optimizer, the batch
 * loss L at the unperturbed parameters, and the regularizer's value (NaN when there is none).
 */
public record Update(TensorList direction, double loss, double penalty) {
    public Update(TensorList direction, double loss) {
        this(direction, loss, Double.NaN);
    }
}
