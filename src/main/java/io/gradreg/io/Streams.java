package io.gradreg.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/** Small stream helpers shared by the readers and writers. */
final class Streams {
    private static final int CHUNK = 1 << 16;

    private Streams() {}

    /** Writes the remaining bytes of {@code b} (which may be read-only) without moving it. */
    static void write(OutputStream out, ByteBuffer b) throws IOException {
        ByteBuffer src = b.duplicate();
        byte[] chunk = new byte[Math.min(CHUNK, Math.max(1, src.remaining()))];
        while (src.hasRemaining()) {
            int n = Math.min(chunk.length, src.remaining());
            src.get(chunk, 0, n);
            out.write(chunk, 0, n);
        }
    }

    /** Reads up to {@code n} bytes into {@code dst}; returns how many arrived before EOF. */
    static int readUpTo(InputStream in, byte[] dst, int n) throws IOException {
        int got = 0;
        while (got < n) {
            int r = in.read(dst, got, n - got);
            if (r < 0) {
                break;
            }
            got += r;
        }
        return got;
    }

    /** Counts (and discards) the bytes left in {@code in}. */
    static long countRemaining(InputStream in) throws IOException {
        byte[] skip = new byte[CHUNK];
        long total = 0;
        for (int r; (r = in.read(skip)) >= 0; ) {
            total += r;
        }
        return total;
    }
}
