package io.gradreg.method;

import io.gradreg.engine.TensorList;

/**
 * A gradient field restricted to a line: G(s) = grad_theta Phi(point + s v), where the point is
 * either the parameters or the inputs. Second-order terms of every method are slopes G'(0).
 */
public interface Line {
    /** G(s): the parameter gradient at the point moved by s along the line (point restored after). */
    TensorList gradAt(double s);

    /** G'(0) exactly, by double backpropagation through the graph of the base gradient. */
    TensorList exactSlope();
}
