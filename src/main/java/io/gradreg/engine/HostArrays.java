package io.gradreg.engine;

import io.gradreg.io.DType;
import io.gradreg.io.NdArray;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Converts between host arrays ({@link NdArray}, the file formats' type) and libtorch tensors. */
public final class HostArrays {
    private HostArrays() {}

    /** A new tensor with a copy of {@code a}'s values, dtype and shape. */
    public static Tensor toTensor(NdArray a) {
        ByteBuffer src = a.data();
        byte[] bytes = new byte[src.remaining()];
        src.duplicate().get(bytes);
        try (BytePointer p = new BytePointer(bytes)) {
            return torch.from_blob(p, a.shape(), new TensorOptions(scalarType(a.dtype()))).clone();
        }
    }

    /** A host copy of {@code t} (contiguous, little-endian). */
    public static NdArray toHost(Tensor t) {
        Tensor c = t.detach().contiguous();
        DType dtype = dtype(c);
        byte[] bytes = new byte[(int) (c.numel() * dtype.byteSize())];
        new BytePointer(c.data_ptr()).capacity(bytes.length).get(bytes);
        return new NdArray(dtype, Tensors.shape(c), ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
    }

    static ScalarType scalarType(DType d) {
        return switch (d) {
            case F32 -> ScalarType.Float;
            case F64 -> ScalarType.Double;
            case I64 -> ScalarType.Long;
            case I32 -> ScalarType.Int;
            case U8 -> ScalarType.Byte;
            case I8 -> ScalarType.Char;
            case BOOL -> ScalarType.Bool;
        };
    }

    static DType dtype(Tensor t) {
        for (DType d : DType.values()) {
            if (Tensors.is(t, scalarType(d))) {
                return d;
            }
        }
        throw new IllegalArgumentException("no host type for tensor type " + t.scalar_type());
    }
}
