package io.gradreg.engine;

import io.gradreg.GradregException;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Floating-point precision of a model and its data. Tests of the math use {@link #FLOAT64}. */
public enum DType {
    FLOAT32(ScalarType.Float),
    FLOAT64(ScalarType.Double);

    public final ScalarType scalarType;

    DType(ScalarType scalarType) {
        this.scalarType = scalarType;
    }

    /** Parses {@code float32} or {@code float64}. */
    public static DType parse(String s) {
        return switch (s) {
            case "float32", "f32" -> FLOAT32;
            case "float64", "f64" -> FLOAT64;
            default -> throw new GradregException("unknown dtype '" + s + "': expected float32 or float64");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase();
    }
}
