package io.gradreg.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradreg.GradregException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class NdArrayTest {
    @Test
    void factoriesStoreLittleEndianRowMajor() {
        NdArray a = NdArray.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertEquals(DType.F32, a.dtype());
        assertArrayEquals(new long[] {2, 3}, a.shape());
        assertEquals(6, a.numel());
        assertEquals(24, a.byteSize());
        ByteBuffer b = a.data();
        assertEquals(ByteOrder.LITTLE_ENDIAN, b.order());
        assertEquals(0x3f800000, b.getInt(0)); // 1.0f
        assertEquals(0x00, b.get(0));
        assertEquals((byte) 0x80, b.get(2));
        assertEquals(6.0f, b.getFloat(20));
    }

    @Test
    void shapeDefaultsToOneDimension() {
        assertArrayEquals(new long[] {3}, NdArray.ofLongs(new long[] {7, 8, 9}).shape());
        assertArrayEquals(new long[] {2}, NdArray.ofDoubles(new double[] {0.5, 1.5}).shape());
    }

    @Test
    void scalarHasEmptyShapeAndOneElement() {
        NdArray s = new NdArray(DType.F64, new long[0],
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(0, 2.5));
        assertEquals(1, s.numel());
        assertArrayEquals(new double[] {2.5}, s.toDoubleArray());
    }

    @Test
    void toDoubleArrayConvertsEveryDtype() {
        assertArrayEquals(new double[] {1.5, -2}, NdArray.ofFloats(new float[] {1.5f, -2}).toDoubleArray());
        assertArrayEquals(new double[] {1e300, -0.25}, NdArray.ofDoubles(new double[] {1e300, -0.25}).toDoubleArray());
        assertArrayEquals(new double[] {-5, 1L << 40}, NdArray.ofLongs(new long[] {-5, 1L << 40}).toDoubleArray());
        assertArrayEquals(new double[] {-7, 9}, NdArray.ofInts(new int[] {-7, 9}).toDoubleArray());
        byte[] raw = {(byte) 255, 0, (byte) 128};
        assertArrayEquals(new double[] {255, 0, 128}, NdArray.ofUnsignedBytes(raw).toDoubleArray());
        assertArrayEquals(new double[] {-1, 0, -128},
                new NdArray(DType.I8, new long[] {3}, ByteBuffer.wrap(raw)).toDoubleArray());
        assertArrayEquals(new double[] {1, 0},
                new NdArray(DType.BOOL, new long[] {2}, ByteBuffer.wrap(new byte[] {1, 0})).toDoubleArray());
    }

    @Test
    void toLongArrayAcceptsIntegralFloats() {
        assertArrayEquals(new long[] {3, -4, 0}, NdArray.ofDoubles(new double[] {3, -4, 0}).toLongArray());
        assertArrayEquals(new long[] {200}, NdArray.ofUnsignedBytes(new byte[] {(byte) 200}).toLongArray());
        assertArrayEquals(new long[] {Long.MIN_VALUE, 1}, NdArray.ofLongs(new long[] {Long.MIN_VALUE, 1}).toLongArray());
    }

    @Test
    void toLongArrayRejectsFractionsAndNaN() {
        GradregException e = assertThrows(GradregException.class,
                () -> NdArray.ofFloats(new float[] {1, 2.5f}).toLongArray());
        assertEquals("F32 array has a non-integral value 2.5 at index 1; expected whole numbers", e.getMessage());
        e = assertThrows(GradregException.class, () -> NdArray.ofDoubles(new double[] {Double.NaN}).toLongArray());
        assertEquals("F64 array has a non-integral value NaN at index 0; expected whole numbers", e.getMessage());
    }

    @Test
    void isIntegralFollowsDtype() {
        assertTrue(NdArray.ofLongs(new long[] {1}).isIntegral());
        assertTrue(NdArray.ofUnsignedBytes(new byte[] {1}).isIntegral());
        assertFalse(NdArray.ofDoubles(new double[] {1}).isIntegral());
    }

    @Test
    void dtypeNames() {
        assertEquals("<f4", DType.F32.numpyDescr());
        assertEquals("|b1", DType.BOOL.numpyDescr());
        assertEquals("I64", DType.I64.safetensorsName());
        assertEquals(8, DType.F64.byteSize());
        assertEquals(DType.U8, DType.fromSafetensorsName("U8").orElseThrow());
        assertTrue(DType.fromSafetensorsName("BF16").isEmpty());
    }

    @Test
    void dataLengthMustMatchShape() {
        GradregException e = assertThrows(GradregException.class,
                () -> new NdArray(DType.F32, new long[] {2, 3}, ByteBuffer.allocate(20)));
        assertEquals("F32 array of shape [2, 3] needs 24 bytes, but 20 were given", e.getMessage());
        e = assertThrows(GradregException.class, () -> NdArray.ofFloats(new float[] {1, 2}, 3));
        assertEquals("F32 array of shape [3] needs 12 bytes, but 8 were given", e.getMessage());
        e = assertThrows(GradregException.class, () -> new NdArray(DType.U8, new long[] {-1}, ByteBuffer.allocate(0)));
        assertEquals("negative dimension in shape [-1]", e.getMessage());
    }

    @Test
    void isImmutableAndComparesByValue() {
        long[] shape = {2};
        float[] v = {1, 2};
        NdArray a = NdArray.ofFloats(v, shape);
        shape[0] = 99;
        v[0] = 42;
        a.shape()[0] = 77;
        assertArrayEquals(new long[] {2}, a.shape());
        assertEquals(1f, a.data().getFloat(0));
        assertThrows(java.nio.ReadOnlyBufferException.class, () -> a.data().put(0, (byte) 1));
        assertEquals(NdArray.ofFloats(new float[] {1, 2}), a);
        assertEquals(NdArray.ofFloats(new float[] {1, 2}).hashCode(), a.hashCode());
        assertNotEquals(NdArray.ofFloats(new float[] {1, 2}, 2, 1), a);
        assertEquals("NdArray[F32 [2]]", a.toString());
    }

    @Test
    void acceptsBufferWithNonZeroPosition() {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 99).putInt(4, 5).putInt(8, 6).position(4);
        assertArrayEquals(new long[] {5, 6}, new NdArray(DType.I32, new long[] {2}, b).toLongArray());
    }
}
