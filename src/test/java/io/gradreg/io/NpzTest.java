package io.gradreg.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradreg.GradregException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzTest {
    @TempDir
    Path dir;

    /**
     * Written by numpy 2.4 with np.savez(f, x=(np.arange(6, dtype='<f4').reshape(2, 3) / 2),
     * y=np.array([1, -2, 3]), s=np.float64(2.5), m=np.array([True, False])): zip64 local headers.
     */
    static final String NUMPY_SAVEZ = "UEsDBC0AAAAAAAAAIQALwLB2//////////8FABQAeC5ucHkBABAAmAAAAAAAAACYAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmNCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCAzKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAAAD8AAIA/AADAPwAAAEAAACBAUEsDBC0AAAAAAAAAIQB0qPMw//////////8FABQAeS5ucHkBABAAmAAAAAAAAACYAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxpOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgzLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAQAAAAAAAAD+/////////wMAAAAAAAAAUEsDBC0AAAAAAAAAIQA1tDqT//////////8FABQAcy5ucHkBABAAiAAAAAAAAACIAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAABEBQSwMELQAAAAAAAAAhAO4Zu13//////////wUAFABtLm5weQEAEACCAAAAAAAAAIIAAAAAAAAAk05VTVBZAQB2AHsnZGVzY3InOiAnfGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAFBLAQItAy0AAAAAAAAAIQALwLB2mAAAAJgAAAAFAAAAAAAAAAAAAACAAQAAAAB4Lm5weVBLAQItAy0AAAAAAAAAIQB0qPMwmAAAAJgAAAAFAAAAAAAAAAAAAACAAc8AAAB5Lm5weVBLAQItAy0AAAAAAAAAIQA1tDqTiAAAAIgAAAAFAAAAAAAAAAAAAACAAZ4BAABzLm5weVBLAQItAy0AAAAAAAAAIQDuGbtdggAAAIIAAAAFAAAAAAAAAAAAAACAAV0CAABtLm5weVBLBQYAAAAABAAEAMwAAAAWAwAAAAA=";

    /** Written by numpy 2.4 with np.savez_compressed(f, img=np.arange(12, dtype='u1').reshape(3, 2, 2)). */
    static final String NUMPY_SAVEZ_COMPRESSED = "UEsDBC0AAAAIAAAAIQCaCbEc//////////8HABQAaW1nLm5weQEAEACMAAAAAAAAAFQAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgXlNqqK6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkaxjoKRkCkqaNQq0Ae4GJgZGJmYWVj5+Dk4gYAUEsBAi0DLQAAAAgAAAAhAJoJsRxUAAAAjAAAAAcAAAAAAAAAAAAAAIABAAAAAGltZy5ucHlQSwUGAAAAAAEAAQA1AAAAjQAAAAAA";

    /** A version 1.0 .npy: magic, version, u16 LE header length, the header text as given, data. */
    static byte[] npy(String header, byte[] data) {
        return npy(1, header, data);
    }

    static byte[] npy(int major, String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
        int lenBytes = major == 1 ? 2 : 4;
        ByteBuffer b = ByteBuffer.allocate(8 + lenBytes + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Npy.MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) h.length);
        } else {
            b.putInt(h.length);
        }
        return b.put(h).put(data).array();
    }

    static byte[] zip(boolean deflate, Object... nameAndBytes) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bos)) {
            for (int i = 0; i < nameAndBytes.length; i += 2) {
                byte[] content = (byte[]) nameAndBytes[i + 1];
                ZipEntry e = new ZipEntry((String) nameAndBytes[i]);
                if (!deflate) {
                    CRC32 crc = new CRC32();
                    crc.update(content);
                    e.setMethod(ZipEntry.STORED);
                    e.setSize(content.length);
                    e.setCrc(crc.getValue());
                }
                z.putNextEntry(e);
                z.write(content);
                z.closeEntry();
            }
        }
        return bos.toByteArray();
    }

    static byte[] le(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private String error(Path f) {
        return assertThrows(GradregException.class, () -> Npz.read(f)).getMessage();
    }

    @Test
    void readsFileWrittenByNumpySavez() throws IOException {
        Map<String, NdArray> a = Npz.read(write("np.npz", Base64.getDecoder().decode(NUMPY_SAVEZ)));
        assertEquals(List.of("x", "y", "s", "m"), List.copyOf(a.keySet()));
        assertEquals(NdArray.ofFloats(new float[] {0, 0.5f, 1, 1.5f, 2, 2.5f}, 2, 3), a.get("x"));
        assertEquals(NdArray.ofLongs(new long[] {1, -2, 3}), a.get("y"));
        assertArrayEquals(new long[0], a.get("s").shape());
        assertArrayEquals(new double[] {2.5}, a.get("s").toDoubleArray());
        assertEquals(DType.BOOL, a.get("m").dtype());
        assertArrayEquals(new long[] {1, 0}, a.get("m").toLongArray());
    }

    @Test
    void readsFileWrittenByNumpySavezCompressed() throws IOException {
        Map<String, NdArray> a = Npz.read(write("c.npz", Base64.getDecoder().decode(NUMPY_SAVEZ_COMPRESSED)));
        NdArray img = a.get("img");
        assertEquals(DType.U8, img.dtype());
        assertArrayEquals(new long[] {3, 2, 2}, img.shape());
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, img.toLongArray());
    }

    @Test
    void readsCraftedStoredAndDeflatedEntries() throws IOException {
        byte[] x = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }\n", le(1, 2, 3, 4));
        byte[] y = npy("{'shape': (5,), 'fortran_order': False, 'descr': '|u1'}\n", new byte[] {1, 2, 3, 4, 5});
        // Older numpy on Python 2 wrote long literals with an L suffix; '=' is fine for one-byte types.
        byte[] z = npy("{'descr': '=i1', 'fortran_order': False, 'shape': (2L,), }", new byte[] {-1, 7});
        for (boolean deflate : new boolean[] {false, true}) {
            Map<String, NdArray> a = Npz.read(write("t" + deflate + ".npz",
                    zip(deflate, "x.npy", x, "y.npy", y, "z.npy", z)));
            assertEquals(NdArray.ofFloats(new float[] {1, 2, 3, 4}, 2, 2), a.get("x"));
            assertEquals(NdArray.ofUnsignedBytes(new byte[] {1, 2, 3, 4, 5}), a.get("y"));
            assertArrayEquals(new long[] {-1, 7}, a.get("z").toLongArray());
        }
    }

    @Test
    void readsVersion2And3Headers() throws IOException {
        byte[] v2 = npy(2, "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }\n", new byte[] {9, 0, 0, 0});
        byte[] v3 = npy(3, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }\n", new byte[8]);
        Map<String, NdArray> a = Npz.read(write("v.npz", zip(false, "a.npy", v2, "b.npy", v3)));
        assertArrayEquals(new long[] {9}, a.get("a").toLongArray());
        assertArrayEquals(new double[] {0}, a.get("b").toDoubleArray());
    }

    @Test
    void writesNumpyCompatibleFiles() throws IOException {
        Map<String, NdArray> in = new LinkedHashMap<>();
        in.put("x", NdArray.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        in.put("y", NdArray.ofLongs(new long[] {1, 0}));
        in.put("s", new NdArray(DType.F64, new long[0], ByteBuffer.allocate(8)));
        in.put("b", new NdArray(DType.BOOL, new long[] {1}, ByteBuffer.wrap(new byte[] {1})));
        Path f = dir.resolve("out.npz");
        Npz.write(f, in);
        assertEquals(in, Npz.read(f));

        try (ZipFile z = new ZipFile(f.toFile())) {
            ZipEntry e = z.getEntry("x.npy");
            assertEquals(ZipEntry.STORED, e.getMethod());
            byte[] bytes = z.getInputStream(e).readAllBytes();
            int hlen = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
            assertEquals(1, bytes[6]);
            assertEquals(0, (10 + hlen) % 64); // data aligned like numpy's own files
            String header = new String(bytes, 10, hlen, StandardCharsets.ISO_8859_1);
            assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", header.strip());
            assertTrue(header.endsWith(" \n"));
            String y = new String(z.getInputStream(z.getEntry("y.npy")).readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(y.contains("'shape': (2,), }"), y);
            String s = new String(z.getInputStream(z.getEntry("s.npy")).readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(s.contains("'descr': '<f8', 'fortran_order': False, 'shape': (), }"), s);
        }
    }

    @Test
    void notAZip() throws IOException {
        Path f = write("plain.npz", "hello, this is text".getBytes(StandardCharsets.UTF_8));
        assertTrue(error(f).startsWith(f + ": not a zip archive (.npz): "), error(f));
        Path g = write("empty.npz", new byte[0]);
        assertTrue(error(g).startsWith(g + ": not a zip archive (.npz): "), error(g));
    }

    @Test
    void entryNotNpy() throws IOException {
        Path f = write("junk.npz", zip(false, "readme.txt", new byte[] {1}));
        assertEquals(f + ": entry 'readme.txt' is not a .npy array", error(f));
    }

    @Test
    void badMagic() throws IOException {
        Path f = write("magic.npz", zip(false, "x.npy", "PK not numpy at all".getBytes(StandardCharsets.UTF_8)));
        assertEquals(f + ": array 'x' is not a .npy array: bad magic (expected \\x93NUMPY)", error(f));
    }

    @Test
    void unsupportedDtypes() throws IOException {
        Path f = write("f2.npz", zip(false, "h.npy",
                npy("{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }", new byte[2])));
        assertEquals(f + ": array 'h' has unsupported dtype '<f2' (supported: <f4 <f8 <i8 <i4 |u1 |i1 |b1)", error(f));
        Path g = write("be.npz", zip(false, "w.npy",
                npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", new byte[4])));
        assertEquals(g + ": array 'w' is big-endian ('>f4'); only little-endian is supported, convert it with"
                + " a.astype('<f4')", error(g));
        Path h = write("rec.npz", zip(false, "r.npy",
                npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new byte[4])));
        assertEquals(h + ": array 'r' has a structured or missing dtype [[a, <f4]]; only plain numeric dtypes"
                + " are supported", error(h));
        Path k = write("native.npz", zip(false, "n.npy",
                npy("{'descr': '=f8', 'fortran_order': False, 'shape': (1,), }", new byte[8])));
        assertEquals(k + ": array 'n' has dtype '=f8' with no definite byte order; expected '<f8'", error(k));
    }

    @Test
    void fortranOrderIsRejected() throws IOException {
        Path f = write("f.npz", zip(false, "w.npy",
                npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new byte[16])));
        assertEquals(f + ": array 'w' is stored in Fortran (column-major) order, which is not supported; save it"
                + " from np.ascontiguousarray(...)", error(f));
    }

    @Test
    void truncatedData() throws IOException {
        Path f = write("train.npz", zip(true, "x.npy",
                npy("{'descr': '<f4', 'fortran_order': False, 'shape': (10, 28, 28), }", new byte[100])));
        assertEquals(f + ": array 'x' is truncated: expected 31360 bytes, found 100", error(f));
        Path g = write("extra.npz", zip(false, "x.npy",
                npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", new byte[3])));
        assertEquals(g + ": array 'x' is followed by extra data: expected 2 bytes, found 3", error(g));
    }

    @Test
    void malformedHeaders() throws IOException {
        Path f = write("h.npz", zip(false, "x.npy", npy("{'descr': '<f4', 'shape': (2, }", new byte[0])));
        assertEquals(f + ": array 'x' has an unreadable .npy header (unexpected '}'): {'descr': '<f4', 'shape': (2, }",
                error(f));
        Path g = write("shape.npz", zip(false, "x.npy",
                npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", new byte[0])));
        assertEquals(g + ": array 'x' has an invalid shape [-2]", error(g));
        Path h = write("ver.npz", zip(false, "x.npy", npy(4, "{}", new byte[0])));
        assertEquals(h + ": array 'x' has unsupported .npy version 4.0", error(h));
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("none.npz");
        assertEquals(f + ": file not found", error(f));
    }
}
