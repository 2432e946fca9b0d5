package io.gradreg.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradreg.GradregException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    /** A safetensors file: u64 LE header length, the header as given (padded here), then data. */
    static byte[] file(String headerJson, byte[] data) {
        byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) {
            b.put((byte) ' ');
        }
        return b.put(data).array();
    }

    static byte[] le(Object... values) {
        ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
        for (Object v : values) {
            if (v instanceof Float f) b.putFloat(f);
            else if (v instanceof Long l) b.putLong(l);
            else if (v instanceof Integer i) b.putInt(i);
            else if (v instanceof Double d) b.putDouble(d);
            else b.put((Byte) v);
        }
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private String error(Path f) {
        return assertThrows(GradregException.class, () -> Safetensors.read(f)).getMessage();
    }

    @Test
    void readsHandCraftedFileInPytorchLayout() throws IOException {
        // What safetensors.torch.save_file writes for {"a": float32 2x2, "b": int64 [2]}:
        // metadata first, tensors ordered by alignment then name, data packed back to back.
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"b\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[16,32]}}";
        Path f = write("m.safetensors", file(header, le(7L, -3L, 1f, 2f, 3f, 4.5f)));

        Map<String, NdArray> t = Safetensors.read(f);
        assertEquals(List.of("b", "a"), List.copyOf(t.keySet()));
        assertEquals(DType.I64, t.get("b").dtype());
        assertArrayEquals(new long[] {7, -3}, t.get("b").toLongArray());
        assertEquals(DType.F32, t.get("a").dtype());
        assertArrayEquals(new long[] {2, 2}, t.get("a").shape());
        assertArrayEquals(new double[] {1, 2, 3, 4.5}, t.get("a").toDoubleArray());
        assertEquals(Map.of("format", "pt"), Safetensors.readMetadata(f));
    }

    @Test
    void readsScalarsEmptyTensorsAndAllDtypes() throws IOException {
        String header = "{\"s\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[8,8]},"
                + "\"i\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[8,12]},"
                + "\"u\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[12,13]},"
                + "\"c\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[13,14]},"
                + "\"m\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[14,15]}}";
        Path f = write("s.safetensors", file(header, le(2.5, -9, (byte) 250, (byte) -2, (byte) 1)));
        Map<String, NdArray> t = Safetensors.read(f);
        assertArrayEquals(new long[0], t.get("s").shape());
        assertArrayEquals(new double[] {2.5}, t.get("s").toDoubleArray());
        assertEquals(0, t.get("e").numel());
        assertArrayEquals(new long[] {-9}, t.get("i").toLongArray());
        assertArrayEquals(new long[] {250}, t.get("u").toLongArray());
        assertArrayEquals(new long[] {-2}, t.get("c").toLongArray());
        assertArrayEquals(new long[] {1}, t.get("m").toLongArray());
        assertEquals(Map.of(), Safetensors.readMetadata(f));
    }

    @Test
    void writerProducesReferenceLayoutByteForByte() throws IOException {
        Path f = dir.resolve("w.safetensors");
        Map<String, NdArray> t = new LinkedHashMap<>();
        t.put("w", NdArray.ofFloats(new float[] {1, 2}, 2));
        t.put("n", NdArray.ofLongs(new long[] {5}, 1));
        Safetensors.write(f, t, Map.of("format", "pt"));

        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"n\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]}}";
        byte[] expected = file(header, le(1f, 2f, 5L));
        assertArrayEquals(expected, Files.readAllBytes(f));
        assertEquals(0, (expected.length - 16) % 8); // header padded to a multiple of 8
    }

    @Test
    void metadataKeysAreWrittenSortedSoEqualRunsGiveEqualBytes() throws IOException {
        Map<String, NdArray> t = Map.of("w", NdArray.ofFloats(new float[] {1, 2}, 2));
        Map<String, String> zyx = new LinkedHashMap<>();
        zyx.put("model", "mlp:2-1");
        zyx.put("method", "plain");
        Map<String, String> xyz = new LinkedHashMap<>();
        xyz.put("method", "plain");
        xyz.put("model", "mlp:2-1");
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        Safetensors.write(a, t, zyx);
        Safetensors.write(b, t, xyz);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        String header = "{\"__metadata__\":{\"method\":\"plain\",\"model\":\"mlp:2-1\"},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        assertArrayEquals(file(header, le(1f, 2f)), Files.readAllBytes(a));
    }

    @Test
    void roundTripsEveryDtype() throws IOException {
        Map<String, NdArray> t = new LinkedHashMap<>();
        t.put("f32", NdArray.ofFloats(new float[] {1.25f, Float.NaN, -0f, 3}, 2, 2));
        t.put("f64", NdArray.ofDoubles(new double[] {Math.PI}, 1, 1));
        t.put("i64", NdArray.ofLongs(new long[] {Long.MAX_VALUE, Long.MIN_VALUE}));
        t.put("i32", NdArray.ofInts(new int[] {1, 2, 3}, 3, 1));
        t.put("u8", NdArray.ofUnsignedBytes(new byte[] {(byte) 255}));
        t.put("i8", new NdArray(DType.I8, new long[] {2}, ByteBuffer.wrap(new byte[] {-1, 1})));
        t.put("bool", new NdArray(DType.BOOL, new long[] {1, 1}, ByteBuffer.wrap(new byte[] {1})));
        t.put("scalar", new NdArray(DType.F64, new long[0], ByteBuffer.wrap(le(6.5))));
        Path f = dir.resolve("all.safetensors");
        Safetensors.write(f, t, null);
        Map<String, NdArray> back = Safetensors.read(f);
        assertEquals(t, back);
        assertEquals(List.copyOf(t.keySet()), List.copyOf(back.keySet()));
        assertEquals(Map.of(), Safetensors.readMetadata(f));
    }

    @Test
    void writerRejectsReservedName() {
        Path f = dir.resolve("bad.safetensors");
        GradregException e = assertThrows(GradregException.class, () -> Safetensors.write(f,
                Map.of("__metadata__", NdArray.ofFloats(new float[] {1})), Map.of()));
        assertEquals(f + ": '__metadata__' cannot be a tensor name", e.getMessage());
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("nope.safetensors");
        assertEquals(f + ": file not found", error(f));
        assertEquals(f + ": file not found",
                assertThrows(GradregException.class, () -> Safetensors.readMetadata(f)).getMessage());
    }

    @Test
    void fileShorterThanEightBytes() throws IOException {
        Path f = write("short.safetensors", new byte[] {1, 2, 3, 4, 5});
        assertEquals(f + ": not a safetensors file: it has 5 bytes, fewer than the 8-byte header length", error(f));
    }

    @Test
    void headerLengthLargerThanFile() throws IOException {
        Path f = write("big.safetensors", le(1000L, (byte) '{', (byte) '}'));
        assertEquals(f + ": header length 1000 is larger than the file (10 bytes)", error(f));
        Path g = write("huge.safetensors", le(-1L, (byte) '{'));
        assertEquals(g + ": header length 18446744073709551615 is larger than the file (9 bytes)", error(g));
    }

    @Test
    void headerNotJson() throws IOException {
        Path f = write("json.safetensors", file("{\"a\": [1, 2", new byte[0]));
        String m = error(f);
        assertTrue(m.startsWith(f + ": header is not valid JSON: "), m);
        assertEquals(-1, m.indexOf('\n'));
        Path g = write("arr.safetensors", file("[1]", new byte[0]));
        assertEquals(g + ": header is not a JSON object", error(g));
    }

    @Test
    void unknownDtype() throws IOException {
        Path f = write("bf16.safetensors",
                file("{\"w\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]}}", new byte[2]));
        assertEquals(f + ": tensor 'w' has unsupported dtype 'BF16' (supported: F32, F64, I64, I32, U8, I8, BOOL)",
                error(f));
    }

    @Test
    void offsetsOutOfRange() throws IOException {
        Path f = write("range.safetensors",
                file("{\"w\":{\"dtype\":\"F32\",\"shape\":[100],\"data_offsets\":[0,400]}}", new byte[200]));
        assertEquals(f + ": tensor 'w' data_offsets [0, 400] are out of range: the data buffer has 200 bytes",
                error(f));
        Path g = write("backwards.safetensors",
                file("{\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,2]}}", new byte[8]));
        assertEquals(g + ": tensor 'w' data_offsets [4, 2] are out of range: the data buffer has 8 bytes", error(g));
    }

    @Test
    void offsetsNotMatchingShape() throws IOException {
        Path f = write("size.safetensors",
                file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}}", new byte[24]));
        assertEquals(f + ": tensor 'w' data_offsets [0, 16] cover 16 bytes, but F32 shape [2, 3] needs 24", error(f));
    }

    @Test
    void malformedEntries() throws IOException {
        Path f = write("shape.safetensors",
                file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", new byte[0]));
        assertEquals(f + ": tensor 'w' has an invalid \"shape\": expected a list of non-negative integers,"
                + " found [-1]", error(f));
        Path g = write("offs.safetensors", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]));
        assertEquals(g + ": tensor 'w' has an invalid \"data_offsets\": expected a list of 2 of non-negative"
                + " integers, found nothing", error(g));
        Path h = write("meta.safetensors", file("{\"__metadata__\":{\"epoch\":3}}", new byte[0]));
        assertEquals(h + ": __metadata__ value of 'epoch' is not a string",
                assertThrows(GradregException.class, () -> Safetensors.readMetadata(h)).getMessage());
    }

    @Test
    void duplicateTensorNamesAreRejected() throws IOException {
        String t = "{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}";
        Path f = write("dup.safetensors", file("{\"w\":" + t + ",\"w\":" + t + "}", new byte[0]));
        assertTrue(error(f).startsWith(f + ": header is not valid JSON: Duplicate field 'w'"), error(f));
    }

    @Test
    void writtenFileIsReadableAfterOverwrite() throws IOException {
        Path f = dir.resolve("o.safetensors");
        Safetensors.write(f, Map.of("a", NdArray.ofFloats(new float[] {1, 2, 3})), Map.of());
        Safetensors.write(f, Map.of("b", NdArray.ofLongs(new long[] {9})), Map.of("k", "v"));
        assertEquals(Map.of("b", NdArray.ofLongs(new long[] {9})), Safetensors.read(f));
        assertEquals(Map.of("k", "v"), Safetensors.readMetadata(f));
    }
}
