package io.gradreg.engine;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Conversions between Java arrays and libtorch tensors, and small tensor helpers. */
public final class Tensors {
    private Tensors() {}

    /** A new tensor holding a copy of {@code values}, float64, with the given shape. */
    public static Tensor fromDoubles(double[] values, long... shape) {
        if (values.length == 0) {
            return torch.empty(shape).to(ScalarType.Double);
        }
        // from_blob borrows the buffer; clone() gives libtorch its own copy before the buffer is freed.
        try (DoublePointer p = new DoublePointer(values)) {
            return torch.from_blob(p, shape, new TensorOptions(ScalarType.Double)).clone();
        }
    }

    /** A new tensor holding a copy of {@code values}, in {@code dtype}, with the given shape. */
    public static Tensor fromDoubles(double[] values, DType dtype, long... shape) {
        return fromDoubles(values, shape).to(dtype.scalarType);
    }

    /**
     * Standard normal samples shaped like {@code like}, in its type, drawn in float64
     * and rounded: libtorch's float32 and float64 samplers give different values from one seed, so this
     * keeps a float32 run on the same random draws as its float64 twin.
     */
    public static Tensor standardNormalLike(Tensor like) {
        return torch.randn(like.sizes(), new TensorOptions(ScalarType.Double)).to(like.scalar_type());
    }

    /** A new int64 tensor holding a copy of {@code values}. */
    public static Tensor fromLongs(long[] values, long... shape) {
        try (LongPointer p = new LongPointer(values)) {
            return torch.from_blob(p, shape, new TensorOptions(ScalarType.Long)).clone();
        }
    }

    /** The values of {@code t}, row-major, converted to float64. */
    public static double[] toDoubles(Tensor t) {
        Tensor c = t.detach().to(ScalarType.Double).contiguous();
        double[] out = new double[(int) c.numel()];
        if (out.length == 0) {
            return out; // an empty tensor has no data pointer
        }
        new DoublePointer(c.data_ptr()).capacity(out.length).get(out);
        return out;
    }

    /** The values of an integer tensor, row-major, as int64. */
    public static long[] toLongs(Tensor t) {
        Tensor c = t.detach().to(ScalarType.Long).contiguous();
        long[] out = new long[(int) c.numel()];
        if (out.length == 0) {
            return out;
        }
        new LongPointer(c.data_ptr()).capacity(out.length).get(out);
        return out;
    }

    /**
     * True if {@code t} holds {@code type}. JavaCPP hands back a fresh enum instance per call, so
     * scalar types must be compared by value, never with ==.
     */
    public static boolean is(Tensor t, ScalarType type) {
        return t.scalar_type().value == type.value;
    }

    /** True for int64 / int32 tensors (class labels). */
    public static boolean isIntegral(Tensor t) {
        return is(t, ScalarType.Long) || is(t, ScalarType.Int);
    }

    /** The shape of {@code t}. */
    public static long[] shape(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.size(i);
        }
        return s;
    }
}
