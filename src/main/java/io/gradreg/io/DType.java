package io.gradreg.io;

import java.util.Arrays;
import java.util.Optional;

/**
 * Element types an {@link NdArray} can hold, with their byte size and their names in the
 * safetensors and numpy ({@code .npy}) formats.
 */
public enum DType {
    F32(4, "F32", "<f4", false),
    F64(8, "F64", "<f8", false),
    I64(8, "I64", "<i8", true),
    I32(4, "I32", "<i4", true),
    U8(1, "U8", "|u1", true),
    I8(1, "I8", "|i1", true),
    BOOL(1, "BOOL", "|b1", true);

    private final int byteSize;
    private final String safetensorsName;
    private final String numpyDescr;
    private final boolean integral;

    DType(int byteSize, String safetensorsName, String numpyDescr, boolean integral) {
        this.byteSize = byteSize;
        this.safetensorsName = safetensorsName;
        this.numpyDescr = numpyDescr;
        this.integral = integral;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The dtype string used in safetensors headers, e.g. {@code "F32"}. */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** The little-endian numpy descr, e.g. {@code "<f4"} or {@code "|u1"}. */
    public String numpyDescr() {
        return numpyDescr;
    }

    /** True for integer types and BOOL (values are whole numbers), false for F32/F64. */
    public boolean isIntegral() {
        return integral;
    }

    /** The dtype whose safetensors name is {@code name}, if this library supports it. */
    public static Optional<DType> fromSafetensorsName(String name) {
        return Arrays.stream(values()).filter(d -> d.safetensorsName.equals(name)).findFirst();
    }

    /** Comma-separated list of supported safetensors names, for error messages. */
    static String safetensorsNames() {
        return String.join(", ", Arrays.stream(values()).map(DType::safetensorsName).toList());
    }
}
