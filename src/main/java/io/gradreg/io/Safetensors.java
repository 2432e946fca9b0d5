package io.gradreg.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gradreg.GradregException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length N, N bytes of
 * UTF-8 JSON mapping tensor names to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (plus
 * an optional {@code "__metadata__"} string map), then the data buffer that offsets point into.
 */
public final class Safetensors {
    /** Key of the free-form string map in the header. */
    public static final String METADATA_KEY = "__metadata__";
    /** The reference implementation refuses larger headers; so do we, before allocating. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    private Safetensors() {}

    /** Tensors of {@code file} in header order. Errors name the file and the problem. */
    public static Map<String, NdArray> read(Path file) {
        IoErrors.requireReadableFile(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = readHeader(file, ch);
            Map<String, NdArray> out = new LinkedHashMap<>();
            for (Entry e : h.entries) {
                long len = e.end - e.begin;
                if (len > Integer.MAX_VALUE - 8) {
                    throw IoErrors.error(file, "tensor '" + e.name + "' is " + len
                            + " bytes, too large for one Java buffer");
                }
                ByteBuffer buf = ByteBuffer.allocate((int) len);
                long pos = h.dataStart + e.begin;
                while (buf.hasRemaining()) {
                    int r = ch.read(buf, pos + buf.position());
                    if (r < 0) {
                        throw IoErrors.error(file, "tensor '" + e.name + "' is truncated: expected "
                                + len + " bytes, found " + buf.position());
                    }
                }
                out.put(e.name, new NdArray(e.dtype, e.shape, buf.flip()));
            }
            return out;
        } catch (IOException e) {
            throw IoErrors.wrap(file, "cannot read", e);
        }
    }

    /** The {@code __metadata__} map of {@code file} (empty if absent); reads only the header. */
    public static Map<String, String> readMetadata(Path file) {
        IoErrors.requireReadableFile(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file, ch).metadata;
        } catch (IOException e) {
            throw IoErrors.wrap(file, "cannot read", e);
        }
    }

    /**
     * Atomically writes {@code tensors} in iteration order, packed back to back, with
     * {@code metadata} (may be null or empty) as {@code __metadata__}. Like the reference writer,
     * the header is padded with spaces to a multiple of 8 bytes so the data stays aligned. Metadata
     * keys are written in sorted order, so equal inputs give byte-identical files.
     */
    public static void write(Path file, Map<String, NdArray> tensors, Map<String, String> metadata) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            // Sorted, so the same metadata gives the same bytes whatever map (Map.of's order varies per JVM) it came in.
            ObjectNode m = root.putObject(METADATA_KEY);
            new java.util.TreeMap<>(metadata).forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, NdArray> t : tensors.entrySet()) {
            if (t.getKey().equals(METADATA_KEY)) {
                throw new GradregException(file + ": '" + METADATA_KEY + "' cannot be a tensor name");
            }
            NdArray a = t.getValue();
            ObjectNode info = root.putObject(t.getKey());
            info.put("dtype", a.dtype().safetensorsName());
            ArrayNode shape = info.putArray("shape");
            Arrays.stream(a.shape()).forEach(shape::add);
            info.putArray("data_offsets").add(offset).add(offset + a.byteSize());
            offset += a.byteSize();
        }
        byte[] json = Json.writeCompact(root).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        AtomicFiles.write(file, out -> {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(header);
            for (NdArray a : tensors.values()) {
                Streams.write(out, a.data());
            }
        });
    }

    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

    private record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {}

    private static Header readHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw IoErrors.error(file, "not a safetensors file: it has " + size
                    + " bytes, fewer than the 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long n = lenBuf.flip().getLong();
        // n is unsigned on disk; a negative long means "more than 2^63", certainly too large.
        if (n < 0 || n > size - 8) {
            throw IoErrors.error(file, "header length " + Long.toUnsignedString(n)
                    + " is larger than the file (" + size + " bytes)");
        }
        if (n > MAX_HEADER_BYTES) {
            throw IoErrors.error(file, "header length " + n + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
        readFully(ch, headerBuf, 8);
        JsonNode root = Json.parse(file, "header is ", headerBuf.array());
        if (!root.isObject()) {
            throw IoErrors.error(file, "header is not a JSON object");
        }
        long dataStart = 8 + n;
        long bufferLen = size - dataStart;
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals(METADATA_KEY)) {
                readMetadata(file, f.getValue(), metadata);
            } else {
                entries.add(entry(file, f.getKey(), f.getValue(), bufferLen));
            }
        }
        return new Header(entries, metadata, dataStart);
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> into) {
        if (node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw IoErrors.error(file, METADATA_KEY + " is not a JSON object");
        }
        node.fields().forEachRemaining(m -> {
            if (!m.getValue().isTextual()) {
                throw IoErrors.error(file, METADATA_KEY + " value of '" + m.getKey() + "' is not a string");
            }
            into.put(m.getKey(), m.getValue().asText());
        });
    }

    private static Entry entry(Path file, String name, JsonNode node, long bufferLen) {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw IoErrors.error(file, where + " is not described by a JSON object");
        }
        JsonNode dt = node.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw IoErrors.error(file, where + " has no \"dtype\" string");
        }
        DType dtype = DType.fromSafetensorsName(dt.asText()).orElseThrow(() -> IoErrors.error(file,
                where + " has unsupported dtype '" + dt.asText() + "' (supported: "
                        + DType.safetensorsNames() + ")"));
        long[] shape = longs(file, where, node.get("shape"), "shape", -1);
        long[] off = longs(file, where, node.get("data_offsets"), "data_offsets", 2);
        String offText = "data_offsets [" + off[0] + ", " + off[1] + "]";
        if (off[0] > off[1] || off[1] > bufferLen) {
            throw IoErrors.error(file, where + " " + offText + " are out of range: the data buffer has "
                    + bufferLen + " bytes");
        }
        long need;
        try {
            need = Math.multiplyExact(NdArray.numel(shape), (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw IoErrors.error(file, where + " shape " + Arrays.toString(shape) + " is too large");
        }
        if (off[1] - off[0] != need) {
            throw IoErrors.error(file, where + " " + offText + " cover " + (off[1] - off[0])
                    + " bytes, but " + dtype + " shape " + Arrays.toString(shape) + " needs " + need);
        }
        return new Entry(name, dtype, shape, off[0], off[1]);
    }

    /** A JSON array of non-negative integers (of {@code length} elements, unless -1). */
    private static long[] longs(Path file, String where, JsonNode node, String key, int length) {
        boolean ok = node != null && node.isArray() && (length < 0 || node.size() == length);
        long[] out = new long[ok ? node.size() : 0];
        for (int i = 0; ok && i < out.length; i++) {
            JsonNode v = node.get(i);
            ok = v.isIntegralNumber() && v.canConvertToLong() && v.asLong() >= 0;
            out[i] = v.asLong();
        }
        if (!ok) {
            throw IoErrors.error(file, where + " has an invalid \"" + key + "\": expected "
                    + (length < 0 ? "a list" : "a list of " + length) + " of non-negative integers, found "
                    + (node == null ? "nothing" : IoErrors.abbreviate(node.toString(), 60)));
        }
        return out;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf, pos + buf.position()) < 0) {
                throw new EOFException();
            }
        }
    }
}
