package io.gradreg.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Test-side tar writer: ustar headers as npm pack (node-tar) writes them, pax headers, gzip. */
public final class TarWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A ustar header with a valid checksum; a name over 100 bytes must be split via prefix. */
    public static byte[] header(String prefix, String name, long size, char type) {
        byte[] h = new byte[512];
        put(h, 0, name.getBytes(StandardCharsets.UTF_8));
        put(h, 100, "0000644\0".getBytes(StandardCharsets.US_ASCII)); // mode
        put(h, 124, String.format("%011o\0", size).getBytes(StandardCharsets.US_ASCII));
        put(h, 136, String.format("%011o\0", 1_700_000_000L).getBytes(StandardCharsets.US_ASCII)); // mtime
        h[156] = (byte) type;
        put(h, 257, "ustar\00000".getBytes(StandardCharsets.US_ASCII));
        put(h, 345, prefix.getBytes(StandardCharsets.UTF_8));
        put(h, 148, String.format("%06o\0 ", checksum(h)).getBytes(StandardCharsets.US_ASCII));
        return h;
    }

    /** The sum of the header's bytes with the checksum field (148..156) counted as spaces. */
    public static int checksum(byte[] header) {
        byte[] h = Arrays.copyOf(header, 512);
        Arrays.fill(h, 148, 156, (byte) ' ');
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        return sum;
    }

    private static void put(byte[] h, int off, byte[] field) {
        System.arraycopy(field, 0, h, off, field.length);
    }

    /** Adds an entry of any type: header, content, zero padding to a whole block. */
    public TarWriter entry(String prefix, String name, char type, byte[] content) {
        out.writeBytes(header(prefix, name, content.length, type));
        out.writeBytes(content);
        out.writeBytes(new byte[(512 - content.length % 512) % 512]);
        return this;
    }

    /** Adds a regular file. */
    public TarWriter file(String name, byte[] content) {
        return entry("", name, '0', content);
    }

    /** Adds a directory. */
    public TarWriter dir(String name) {
        return entry("", name, '5', new byte[0]);
    }

    /** Adds a pax extended header ('x' for the next entry, 'g' global) with the given records. */
    public TarWriter pax(char type, Map<String, String> records) {
        StringBuilder b = new StringBuilder();
        records.forEach((k, v) -> {
            String body = " " + k + "=" + v + "\n";
            int bytes = body.getBytes(StandardCharsets.UTF_8).length;
            int len = bytes + Integer.toString(bytes).length();
            if (Integer.toString(len).length() != Integer.toString(bytes).length()) {
                len++; // the length counts its own digits
            }
            b.append(len).append(body);
        });
        return entry("", "PaxHeader/x", type, b.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The archive, with its end marker of two zero blocks. */
    public byte[] tar() {
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    /** The archive, gzipped. */
    public byte[] tgz() {
        return gzip(tar());
    }

    /** {@code raw}, gzipped. */
    public static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(bos)) {
            g.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }
}
