package io.gradreg.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The numpy {@code .npy} array format: magic "\x93NUMPY", version, header length, a Python dict
 * literal header ({@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }}), then the
 * raw data. Errors name the containing file and the array.
 */
final class Npy {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy aligns the data start to this many bytes. */
    static final int ALIGN = 64;
    private static final int MAX_HEADER = 1 << 20;

    private Npy() {}

    /** Reads one .npy stream; {@code where} is e.g. "array 'x'" and prefixes error messages. */
    static NdArray read(Path file, String where, InputStream in) throws IOException {
        byte[] pre = new byte[8];
        if (Streams.readUpTo(in, pre, 8) < 8 || !Arrays.equals(pre, 0, 6, MAGIC, 0, 6)) {
            throw IoErrors.error(file, where + " is not a .npy array: bad magic (expected \\x93NUMPY)");
        }
        int major = pre[6] & 0xff, minor = pre[7] & 0xff;
        int lenBytes = major == 1 ? 2 : (major == 2 || major == 3) ? 4 : 0;
        if (lenBytes == 0) {
            throw IoErrors.error(file, where + " has unsupported .npy version " + major + "." + minor);
        }
        byte[] lb = new byte[lenBytes];
        int got = Streams.readUpTo(in, lb, lenBytes);
        ByteBuffer lbuf = ByteBuffer.wrap(lb).order(ByteOrder.LITTLE_ENDIAN);
        long hlen = got < lenBytes ? -1 : lenBytes == 2 ? lbuf.getShort() & 0xffff : lbuf.getInt() & 0xffffffffL;
        if (hlen < 0 || hlen > MAX_HEADER) {
            throw IoErrors.error(file, where + " has an invalid .npy header length");
        }
        byte[] hb = new byte[(int) hlen];
        got = Streams.readUpTo(in, hb, hb.length);
        if (got < hb.length) {
            throw IoErrors.error(file, where + " header is truncated: expected " + hlen
                    + " bytes, found " + got);
        }
        // Versions 1 and 2 use latin-1 headers; version 3 allows UTF-8.
        String header = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> dict = parseHeader(file, where, header);
        DType dtype = dtype(file, where, dict.get("descr"));
        if (!Boolean.FALSE.equals(dict.get("fortran_order"))) {
            throw IoErrors.error(file, where + " is stored in Fortran (column-major) order, which is not"
                    + " supported; save it from np.ascontiguousarray(...)");
        }
        long[] shape = shape(file, where, dict.get("shape"));
        long expected;
        try {
            expected = Math.multiplyExact(NdArray.numel(shape), (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            expected = Long.MAX_VALUE;
        }
        if (expected > Integer.MAX_VALUE - 8) {
            throw IoErrors.error(file, where + " of shape " + Arrays.toString(shape) + " is too large to load");
        }
        // readNBytes grows with what arrives, so a corrupt header claiming a huge shape costs no memory.
        byte[] data = in.readNBytes((int) expected);
        got = data.length;
        long found = got < expected ? got : got + Streams.countRemaining(in);
        if (found != expected) {
            throw IoErrors.error(file, where + " is " + (found < expected ? "truncated" : "followed by extra data")
                    + ": expected " + expected + " bytes, found " + found);
        }
        return new NdArray(dtype, shape, ByteBuffer.wrap(data));
    }

    /** The version 1.0 preamble and header for {@code a}, padded so data starts at a multiple of 64. */
    static byte[] header(NdArray a) {
        String shape = Arrays.stream(a.shape()).mapToObj(Long::toString).collect(Collectors.joining(", "));
        if (a.shape().length == 1) {
            shape += ",";
        }
        String dict = "{'descr': '" + a.dtype().numpyDescr() + "', 'fortran_order': False, 'shape': ("
                + shape + "), }";
        int prefix = 10; // magic, version, u16 length
        int pad = (ALIGN - (prefix + dict.length() + 1) % ALIGN) % ALIGN;
        if (dict.length() + 1 + pad > 0xFFFF) { // only with absurdly many dims: version 2.0, u32 length
            prefix = 12;
            pad = (ALIGN - (prefix + dict.length() + 1) % ALIGN) % ALIGN;
        }
        byte[] text = (dict + " ".repeat(pad) + "\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer out = ByteBuffer.allocate(prefix + text.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) (prefix == 10 ? 1 : 2)).put((byte) 0);
        if (prefix == 10) {
            out.putShort((short) text.length);
        } else {
            out.putInt(text.length);
        }
        return out.put(text).array();
    }

    private static DType dtype(Path file, String where, Object descr) {
        if (!(descr instanceof String d)) {
            throw IoErrors.error(file, where + " has a structured or missing dtype "
                    + IoErrors.abbreviate(String.valueOf(descr), 60) + "; only plain numeric dtypes are supported");
        }
        DType t = null;
        if (d.length() == 3) {
            for (DType c : DType.values()) {
                if (c.numpyDescr().substring(1).equals(d.substring(1))) {
                    t = c;
                }
            }
        }
        char order = d.isEmpty() ? '?' : d.charAt(0);
        if (t == null || "<>|=".indexOf(order) < 0) {
            throw IoErrors.error(file, where + " has unsupported dtype '" + d + "' (supported: "
                    + Arrays.stream(DType.values()).map(DType::numpyDescr).collect(Collectors.joining(" ")) + ")");
        }
        // Byte order only matters for multi-byte types; there, only explicit little-endian is certain.
        if (t.byteSize() > 1 && order == '>') {
            throw IoErrors.error(file, where + " is big-endian ('" + d + "'); only little-endian is supported,"
                    + " convert it with a.astype('<" + d.substring(1) + "')");
        }
        if (t.byteSize() > 1 && order != '<') {
            throw IoErrors.error(file, where + " has dtype '" + d + "' with no definite byte order;"
                    + " expected '<" + d.substring(1) + "'");
        }
        return t;
    }

    private static long[] shape(Path file, String where, Object shape) {
        if (shape instanceof List<?> l && l.stream().allMatch(v -> v instanceof Long n && n >= 0)) {
            return l.stream().mapToLong(v -> (Long) v).toArray();
        }
        throw IoErrors.error(file, where + " has an invalid shape " + IoErrors.abbreviate(String.valueOf(shape), 60));
    }

    private static Map<String, Object> parseHeader(Path file, String where, String header) {
        try {
            Object v = new Literal(header).parseAll();
            if (v instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<String, Object> dict = (Map<String, Object>) m;
                return dict;
            }
            throw new IllegalArgumentException("not a dict");
        } catch (IllegalArgumentException e) {
            throw IoErrors.error(file, where + " has an unreadable .npy header ("
                    + e.getMessage() + "): " + IoErrors.abbreviate(header, 80));
        }
    }

    /**
     * Parser for the Python literal subset numpy writes: dicts, tuples, lists, quoted strings,
     * integers (with an optional Python 2 'L' suffix), True, False and None. Tuples and lists become
     * Lists; failures are IllegalArgumentExceptions.
     */
    static final class Literal {
        private final String s;
        private int i;

        Literal(String s) {
            this.s = s;
        }

        Object parseAll() {
            Object v = value();
            skipSpace();
            if (i < s.length()) {
                throw fail("unexpected '" + s.charAt(i) + "'");
            }
            return v;
        }

        private int depth;

        private Object value() {
            if (++depth > 32) { // numpy nests two levels; deeper is garbage, refused before it overflows the stack
                throw fail("nested too deeply");
            }
            try {
                return element();
            } finally {
                depth--;
            }
        }

        private Object element() {
            skipSpace();
            if (i >= s.length()) {
                throw fail("unexpected end");
            }
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                while (!peek('}')) {
                    Object k = value();
                    if (!(k instanceof String key)) {
                        throw fail("dict key is not a string");
                    }
                    expect(':');
                    m.put(key, value());
                    if (!peek('}')) {
                        expect(',');
                    }
                }
                i++;
                return m;
            }
            if (c == '(' || c == '[') {
                char close = c == '(' ? ')' : ']';
                List<Object> l = new ArrayList<>();
                i++;
                while (!peek(close)) {
                    l.add(value());
                    if (!peek(close)) {
                        expect(',');
                    }
                }
                i++;
                return l;
            }
            if (c == '\'' || c == '"') {
                int end = s.indexOf(c, i + 1);
                if (end < 0) {
                    throw fail("unterminated string");
                }
                String str = s.substring(i + 1, end);
                i = end + 1;
                return str;
            }
            int start = i;
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '-')) {
                i++;
            }
            String word = s.substring(start, i);
            switch (word) {
                case "True": return Boolean.TRUE;
                case "False": return Boolean.FALSE;
                case "None": return null;
                default:
                    try {
                        return Long.parseLong(word.endsWith("L") ? word.substring(0, word.length() - 1) : word);
                    } catch (NumberFormatException e) {
                        throw fail(word.isEmpty() ? "unexpected '" + c + "'" : "unexpected '" + word + "'");
                    }
            }
        }

        private boolean peek(char c) {
            skipSpace();
            if (i >= s.length()) {
                throw fail("unexpected end");
            }
            return s.charAt(i) == c;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw fail("expected '" + c + "' at position " + i);
            }
            i++;
        }

        private void skipSpace() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private IllegalArgumentException fail(String why) {
            return new IllegalArgumentException(why);
        }
    }
}
