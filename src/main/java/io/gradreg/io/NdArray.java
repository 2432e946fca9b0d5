package io.gradreg.io;

import io.gradreg.GradregException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A host-side n-dimensional array: contiguous, row-major, little-endian bytes plus a dtype and a
 * shape. An empty shape is a scalar (one element). Instances are immutable: the shape is copied and
 * {@link #data()} hands out read-only views.
 *
 * @param dtype element type
 * @param shape dimensions, each {@code >= 0}
 * @param data exactly {@code numel() * dtype.byteSize()} bytes (position to limit), little-endian
 */
public record NdArray(DType dtype, long[] shape, ByteBuffer data) {

    /** Validates that the data length matches the shape; stores private copies of shape and view. */
    public NdArray {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        shape = shape.clone();
        long bytes = Math.multiplyExact(numel(shape), (long) dtype.byteSize());
        if (bytes != data.remaining()) {
            throw new GradregException(dtype + " array of shape " + Arrays.toString(shape) + " needs "
                    + bytes + " bytes, but " + data.remaining() + " were given");
        }
        // slice() so position 0 is the first element; its byte order resets, so set it after.
        data = data.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A F32 array; with no shape given it is one-dimensional of length {@code v.length}. */
    public static NdArray ofFloats(float[] v, long... shape) {
        ByteBuffer b = allocate(v.length, 4);
        b.asFloatBuffer().put(v);
        return new NdArray(DType.F32, shapeOr(shape, v.length), b);
    }

    /** A F64 array; with no shape given it is one-dimensional of length {@code v.length}. */
    public static NdArray ofDoubles(double[] v, long... shape) {
        ByteBuffer b = allocate(v.length, 8);
        b.asDoubleBuffer().put(v);
        return new NdArray(DType.F64, shapeOr(shape, v.length), b);
    }

    /** An I64 array; with no shape given it is one-dimensional of length {@code v.length}. */
    public static NdArray ofLongs(long[] v, long... shape) {
        ByteBuffer b = allocate(v.length, 8);
        b.asLongBuffer().put(v);
        return new NdArray(DType.I64, shapeOr(shape, v.length), b);
    }

    /** An I32 array; with no shape given it is one-dimensional of length {@code v.length}. */
    public static NdArray ofInts(int[] v, long... shape) {
        ByteBuffer b = allocate(v.length, 4);
        b.asIntBuffer().put(v);
        return new NdArray(DType.I32, shapeOr(shape, v.length), b);
    }

    /** A U8 array of the given bytes (read as 0..255); no shape means one-dimensional. */
    public static NdArray ofUnsignedBytes(byte[] v, long... shape) {
        return new NdArray(DType.U8, shapeOr(shape, v.length), ByteBuffer.wrap(v.clone()));
    }

    /** Number of elements: the product of the shape (1 for a scalar). */
    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new GradregException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** A copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** A read-only little-endian view of the bytes, positioned at the first element. */
    @Override
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Number of elements. */
    public long numel() {
        return numel(shape);
    }

    /** Number of bytes of data. */
    public long byteSize() {
        return data.capacity();
    }

    /** True if the dtype holds whole numbers (integer types and BOOL). */
    public boolean isIntegral() {
        return dtype.isIntegral();
    }

    /** All elements converted to double (U8 as 0..255, BOOL as 0/1). */
    public double[] toDoubleArray() {
        int n = javaLength();
        double[] out = new double[n];
        ByteBuffer b = data();
        switch (dtype) {
            case F32 -> { for (int i = 0; i < n; i++) out[i] = b.getFloat(4 * i); }
            case F64 -> b.asDoubleBuffer().get(out);
            case I64 -> { for (int i = 0; i < n; i++) out[i] = b.getLong(8 * i); }
            case I32 -> { for (int i = 0; i < n; i++) out[i] = b.getInt(4 * i); }
            case U8, BOOL -> { for (int i = 0; i < n; i++) out[i] = b.get(i) & 0xff; }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = b.get(i); }
        }
        return out;
    }

    /**
     * All elements as longs. Float arrays are accepted only when every value is a whole number that
     * fits in a long; otherwise this throws a GradregException naming the first offending element.
     */
    public long[] toLongArray() {
        int n = javaLength();
        long[] out = new long[n];
        ByteBuffer b = data();
        switch (dtype) {
            case I64 -> b.asLongBuffer().get(out);
            case I32 -> { for (int i = 0; i < n; i++) out[i] = b.getInt(4 * i); }
            case U8, BOOL -> { for (int i = 0; i < n; i++) out[i] = b.get(i) & 0xff; }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = b.get(i); }
            case F32, F64 -> {
                double[] d = toDoubleArray();
                for (int i = 0; i < n; i++) {
                    // 2^63 itself is not representable as a long, hence the strict upper bound.
                    if (d[i] != Math.rint(d[i]) || d[i] < -0x1p63 || d[i] >= 0x1p63) {
                        throw new GradregException(dtype + " array has a non-integral value " + d[i]
                                + " at index " + i + "; expected whole numbers");
                    }
                    out[i] = (long) d[i];
                }
            }
        }
        return out;
    }

    private int javaLength() {
        long n = numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new GradregException("array of shape " + Arrays.toString(shape)
                    + " has too many elements for a Java array");
        }
        return (int) n;
    }

    private static ByteBuffer allocate(int count, int size) {
        return ByteBuffer.allocate(Math.multiplyExact(count, size)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static long[] shapeOr(long[] shape, int length) {
        return shape.length == 0 ? new long[] {length} : shape;
    }

    /** Value equality: same dtype, shape and bytes. */
    @Override
    public boolean equals(Object o) {
        return o instanceof NdArray a && a.dtype == dtype && Arrays.equals(a.shape, shape)
                && a.data.equals(data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), data);
    }

    @Override
    public String toString() {
        return "NdArray[" + dtype + " " + Arrays.toString(shape) + "]";
    }
}
