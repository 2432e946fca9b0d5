package io.gradreg.nn;

import io.gradreg.GradregException;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Elementwise nonlinearity between layers. Smooth ones (tanh, gelu, softplus) suit Hessian tests. */
public enum Activation {
    RELU, TANH, GELU, SOFTPLUS;

    public Tensor apply(Tensor x) {
        return switch (this) {
            case RELU -> torch.relu(x);
            case TANH -> torch.tanh(x);
            case GELU -> torch.gelu(x);
            case SOFTPLUS -> torch.softplus(x);
        };
    }

    /** Parses relu | tanh | gelu | softplus. */
    public static Activation parse(String s) {
        for (Activation a : values()) {
            if (a.name().equalsIgnoreCase(s)) {
                return a;
            }
        }
        throw new GradregException("unknown activation '" + s + "': expected relu, tanh, gelu or softplus");
    }

    @Override
    public String toString() {
        return name().toLowerCase();
    }
}
