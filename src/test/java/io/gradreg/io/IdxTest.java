package io.gradreg.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradreg.GradregException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir
    Path dir;

    /** Big-endian IDX bytes: magic 00 00 type ndims, dims, then {@code data} as given. */
    static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length); // big-endian
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(bos)) {
            g.write(raw);
        }
        return bos.toByteArray();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private String error(Path f) {
        return assertThrows(GradregException.class, () -> Idx.read(f)).getMessage();
    }

    @Test
    void readsMnistStyleImagesAndLabels() throws IOException {
        byte[] pixels = new byte[2 * 3 * 3];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 15); // up to 255: checks that u8 is not sign-extended
        }
        Path images = write("train-images-idx3-ubyte", idx(0x08, new int[] {2, 3, 3}, pixels));
        NdArray a = Idx.read(images);
        assertEquals(DType.U8, a.dtype());
        assertArrayEquals(new long[] {2, 3, 3}, a.shape());
        assertEquals(255, a.toLongArray()[17]);
        assertEquals(30, a.toLongArray()[2]);

        Path labels = write("train-labels-idx1-ubyte", idx(0x08, new int[] {4}, new byte[] {5, 0, 4, 1}));
        assertArrayEquals(new long[] {5, 0, 4, 1}, Idx.read(labels).toLongArray());
    }

    @Test
    void detectsGzipByContentNotName() throws IOException {
        byte[] raw = idx(0x08, new int[] {3}, new byte[] {9, 8, 7});
        assertArrayEquals(new long[] {9, 8, 7}, Idx.read(write("labels.gz", gzip(raw))).toLongArray());
        assertArrayEquals(new long[] {9, 8, 7}, Idx.read(write("no-extension", gzip(raw))).toLongArray());
        assertArrayEquals(new long[] {9, 8, 7}, Idx.read(write("plain.gz", raw)).toLongArray());
    }

    @Test
    void convertsBigEndianTypes() throws IOException {
        ByteBuffer i16 = ByteBuffer.allocate(4).putShort((short) -300).putShort((short) 7);
        NdArray s = Idx.read(write("s.idx", idx(0x0B, new int[] {2}, i16.array())));
        assertEquals(DType.I32, s.dtype()); // widened: there is no I16
        assertArrayEquals(new long[] {-300, 7}, s.toLongArray());

        ByteBuffer i32 = ByteBuffer.allocate(8).putInt(-70000).putInt(123456789);
        NdArray i = Idx.read(write("i.idx", idx(0x0C, new int[] {1, 2}, i32.array())));
        assertEquals(DType.I32, i.dtype());
        assertArrayEquals(new long[] {-70000, 123456789}, i.toLongArray());

        ByteBuffer f32 = ByteBuffer.allocate(8).putFloat(1.5f).putFloat(-2.25f);
        NdArray f = Idx.read(write("f.idx", idx(0x0D, new int[] {2}, f32.array())));
        assertEquals(DType.F32, f.dtype());
        assertArrayEquals(new double[] {1.5, -2.25}, f.toDoubleArray());
        assertEquals(0x3fc00000, f.data().getInt(0)); // little-endian in memory

        ByteBuffer f64 = ByteBuffer.allocate(8).putDouble(Math.E);
        assertArrayEquals(new double[] {Math.E},
                Idx.read(write("d.idx", idx(0x0E, new int[] {1}, f64.array()))).toDoubleArray());

        NdArray b = Idx.read(write("b.idx", idx(0x09, new int[] {2}, new byte[] {-5, 5})));
        assertEquals(DType.I8, b.dtype());
        assertArrayEquals(new long[] {-5, 5}, b.toLongArray());
    }

    @Test
    void writesByteExactIdxAndRoundTrips() throws IOException {
        Path f = dir.resolve("u8.idx");
        NdArray u8 = NdArray.ofUnsignedBytes(new byte[] {1, 2, (byte) 200, 4}, 2, 2);
        Idx.write(f, u8);
        assertArrayEquals(idx(0x08, new int[] {2, 2}, new byte[] {1, 2, (byte) 200, 4}), Files.readAllBytes(f));
        assertEquals(u8, Idx.read(f));

        Path g = dir.resolve("f32.idx.gz");
        NdArray f32 = NdArray.ofFloats(new float[] {0.5f, -1, 3e9f}, 3, 1);
        Idx.write(g, f32);
        byte[] bytes = Files.readAllBytes(g);
        assertEquals(0x1f, bytes[0] & 0xff); // gzip because of the name
        assertEquals(0x8b, bytes[1] & 0xff);
        assertEquals(f32, Idx.read(g));
    }

    @Test
    void writeRejectsUnsupportedDtype() {
        Path f = dir.resolve("l.idx");
        GradregException e = assertThrows(GradregException.class, () -> Idx.write(f, NdArray.ofLongs(new long[] {1})));
        assertEquals(f + ": IDX cannot store I64 (supported: U8, I8, I32, F32, F64)", e.getMessage());
    }

    @Test
    void wrongMagic() throws IOException {
        Path f = write("bad.idx", new byte[] {0x50, 0x4b, 0x03, 0x04, 0, 0});
        assertEquals(f + ": not an IDX file: magic 0x504B0304 does not start with two zero bytes", error(f));
        Path g = write("tiny.idx", new byte[] {0, 0});
        assertEquals(g + ": not an IDX file: only 2 bytes, no 4-byte magic", error(g));
    }

    @Test
    void unsupportedTypeCode() throws IOException {
        Path f = write("t.idx", idx(0x0A, new int[] {1}, new byte[1]));
        assertEquals(f + ": unsupported IDX type code 0x0A (supported: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32,"
                + " 0x0D f32, 0x0E f64)", error(f));
    }

    @Test
    void truncatedDataAndHeader() throws IOException {
        Path f = write("trunc.idx", idx(0x08, new int[] {1, 28, 28}, new byte[100]));
        assertEquals(f + ": truncated data for shape [1, 28, 28]: expected 784 bytes of data, found 100", error(f));
        Path g = write("trunc.gz", gzip(idx(0x0D, new int[] {3}, new byte[8])));
        assertEquals(g + ": truncated data for shape [3]: expected 12 bytes of data, found 8", error(g));
        Path h = write("extra.idx", idx(0x08, new int[] {2}, new byte[5]));
        assertEquals(h + ": trailing data for shape [2]: expected 2 bytes of data, found 5", error(h));
        Path k = write("dims.idx", Arrays.copyOf(idx(0x08, new int[] {2, 2}, new byte[0]), 9));
        assertEquals(k + ": header is truncated: expected 2 dimensions (8 bytes), found 5 bytes", error(k));
    }

    @Test
    void corruptGzipIsOneLineError() throws IOException {
        byte[] gz = gzip(idx(0x08, new int[] {1000}, new byte[1000]));
        Path f = write("cut.gz", Arrays.copyOf(gz, gz.length / 2));
        String m = error(f);
        assertTrue(m.startsWith(f + ": cannot read: "), m);
        assertEquals(-1, m.indexOf('\n'));
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("absent");
        assertEquals(f + ": file not found", error(f));
    }
}
