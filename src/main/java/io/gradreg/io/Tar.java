package io.gradreg.io;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * Reads the regular files of a tar archive, gzipped (detected by content: 0x1f 0x8b) or plain, as
 * written by {@code npm pack}: ustar headers with the prefix field, pax extended headers
 * ({@code path} and {@code size} records) and GNU long names. Directories, links and other entry
 * types are skipped. Reading ends at a zero block or at the end of the data.
 */
public final class Tar {
    private static final int BLOCK = 512;
    /** Extended headers hold a few names, never data; this bounds what a corrupt one may allocate. */
    private static final int MAX_META = 1 << 20;

    private Tar() {}

    /** Receives one entry; {@code content} yields exactly the entry's bytes. */
    @FunctionalInterface
    public interface EntryHandler {
        /** Handles the entry {@code name}; need not read all of {@code content}, nor close it. */
        void accept(String name, InputStream content) throws IOException;
    }

    /**
     * Calls {@code handler} for each regular file whose name {@code wanted} accepts, in archive
     * order. Problems with the archive (not a tar, corrupt header, truncated data), including while
     * the handler reads content, become a GradregException naming the archive; an IOException
     * thrown by the handler itself becomes one naming the archive and the entry.
     */
    public static void extract(Path archive, Predicate<String> wanted, EntryHandler handler) {
        IoErrors.requireReadableFile(archive);
        try (InputStream in = open(archive)) {
            new Reader(archive, in).run(wanted, handler);
        } catch (IOException e) {
            throw IoErrors.wrap(archive, "cannot read", e);
        }
    }

    private static InputStream open(Path file) throws IOException {
        BufferedInputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
        in.reset();
        return gzip ? new EndAtEof(new GZIPInputStream(in, 1 << 16)) : in;
    }

    /**
     * A cut-off gzip stream throws EOFException where a cut-off plain tar just ends; making both
     * just end gives one "truncated" message for both.
     */
    private static final class EndAtEof extends FilterInputStream {
        EndAtEof(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (EOFException e) {
                return -1;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (EOFException e) {
                return -1;
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return in.skip(n);
            } catch (EOFException e) {
                return 0;
            }
        }
    }

    /** Walks the archive block by block, keeping the offset for error messages. */
    private static final class Reader {
        private final Path archive;
        private final InputStream in;
        private long offset; // in the uncompressed tar stream

        Reader(Path archive, InputStream in) {
            this.archive = archive;
            this.in = in;
        }

        void run(Predicate<String> wanted, EntryHandler handler) throws IOException {
            byte[] h = new byte[BLOCK];
            String longName = null; // from a pax 'x' or GNU 'L' entry, for the next entry only
            long paxSize = -1;
            while (true) {
                long at = offset;
                int got = Streams.readUpTo(in, h, BLOCK);
                offset += got;
                if (at == 0 && got < BLOCK) {
                    throw IoErrors.error(archive, "not a tar archive (plain or gzipped): only " + got + " bytes");
                }
                if (got == 0 || isZero(h, got)) {
                    return; // end of archive (a missing end marker is tolerated, as GNU tar does)
                }
                if (got < BLOCK) {
                    throw IoErrors.error(archive, "truncated: header at offset " + at + " has only " + got + " bytes");
                }
                checkHeader(h, at);
                char type = (char) h[156];
                String name = longName != null ? longName : headerName(h);
                long size = paxSize >= 0 ? paxSize : number(h, 124, 12, at, "size");
                longName = null;
                paxSize = -1;
                switch (type) {
                    case 'x' -> {
                        byte[] pax = meta(name, size);
                        longName = paxRecord(pax, "path", at);
                        String s = paxRecord(pax, "size", at);
                        paxSize = s == null ? -1 : parsePaxSize(s, at);
                    }
                    case 'L' -> longName = cString(meta(name, size), 0, (int) size);
                    case '0', '\0', '7' -> {
                        if (wanted.test(name)) {
                            Entry e = new Entry(name, size);
                            try {
                                handler.accept(name, e);
                            } catch (IOException ex) {
                                throw IoErrors.wrap(archive, "cannot extract " + name, ex);
                            }
                            e.skipRest();
                        } else {
                            skip(name, size, 0);
                        }
                    }
                    default -> skip(name, size, 0); // 'g' global pax, directories, links, devices
                }
                skipPadding(size);
            }
        }

        /** The header checksum (bytes 148..156 counted as spaces) must match the stored one. */
        private void checkHeader(byte[] h, long at) {
            long unsigned = 0;
            long signed = 0; // some old tars summed signed bytes
            for (int i = 0; i < BLOCK; i++) {
                byte b = i >= 148 && i < 156 ? (byte) ' ' : h[i];
                unsigned += b & 0xff;
                signed += b;
            }
            long stored = parseOctal(h, 148, 8);
            if (stored != unsigned && stored != signed) {
                throw IoErrors.error(archive, at == 0
                        ? "not a tar archive (plain or gzipped): bad header checksum at offset 0"
                        : "corrupt tar header at offset " + at + ": bad checksum (stored "
                                + (stored < 0 ? "unreadable" : stored) + ", computed " + unsigned + ")");
            }
        }

        /** ustar splits long names into prefix (345..500) and name (0..100). */
        private static String headerName(byte[] h) {
            String name = cString(h, 0, 100);
            boolean ustar = new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
            String prefix = ustar ? cString(h, 345, 155) : "";
            return prefix.isEmpty() ? name : prefix + "/" + name;
        }

        /** Octal (or GNU base-256, high bit set) numeric header field. */
        private long number(byte[] h, int off, int len, long at, String field) {
            if ((h[off] & 0x80) != 0) {
                long v = h[off] & 0x7f;
                for (int i = off + 1; i < off + len; i++) {
                    v = (v << 8) | (h[i] & 0xff);
                }
                return v;
            }
            long v = parseOctal(h, off, len);
            if (v < 0) {
                throw IoErrors.error(archive, "corrupt tar header at offset " + at + ": bad " + field + " field");
            }
            return v;
        }

        /** Octal digits, padded by spaces or NULs; -1 if there are none or something else is there. */
        private static long parseOctal(byte[] h, int off, int len) {
            int i = off;
            int end = off + len;
            while (i < end && (h[i] == ' ' || h[i] == 0)) {
                i++;
            }
            long v = 0;
            int digits = 0;
            for (; i < end && h[i] >= '0' && h[i] <= '7'; i++, digits++) {
                v = v * 8 + (h[i] - '0');
            }
            for (; i < end; i++) {
                if (h[i] != ' ' && h[i] != 0) {
                    return -1;
                }
            }
            return digits == 0 ? -1 : v;
        }

        /** Reads a small metadata entry (pax header, GNU long name) whole. */
        private byte[] meta(String name, long size) throws IOException {
            if (size > MAX_META) {
                throw IoErrors.error(archive, "corrupt tar: extended header " + name + " claims " + size + " bytes");
            }
            byte[] b = new byte[(int) size];
            int got = Streams.readUpTo(in, b, b.length);
            offset += got;
            if (got < size) {
                throw truncated(name, size, got);
            }
            return b;
        }

        /** The value of the last pax record {@code key}, or null. Records are "LEN key=value\n". */
        private String paxRecord(byte[] pax, String key, long at) {
            String value = null;
            for (int i = 0; i < pax.length; ) {
                int len = 0;
                int j = i;
                for (; j < pax.length && pax[j] >= '0' && pax[j] <= '9' && len < MAX_META; j++) {
                    len = len * 10 + (pax[j] - '0');
                }
                int end = i + len; // LEN counts the whole record, in bytes
                if (j == i || j >= pax.length || pax[j] != ' ' || end > pax.length || end <= j || pax[end - 1] != '\n') {
                    throw IoErrors.error(archive, "corrupt pax header at offset " + at);
                }
                String kv = new String(pax, j + 1, end - j - 2, StandardCharsets.UTF_8);
                int eq = kv.indexOf('=');
                if (eq > 0 && kv.substring(0, eq).equals(key)) {
                    value = kv.substring(eq + 1);
                }
                i = end;
            }
            return value;
        }

        private long parsePaxSize(String s, long at) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw IoErrors.error(archive, "corrupt pax header at offset " + at + ": bad size '"
                        + IoErrors.abbreviate(s, 40) + "'");
            }
        }

        /** Skips the rest of entry {@code name}, of which {@code done} bytes were read already. */
        private void skip(String name, long size, long done) throws IOException {
            long left = size - done;
            while (left > 0) {
                long n = in.skip(left);
                if (n <= 0) {
                    if (in.read() < 0) {
                        throw truncated(name, size, size - left);
                    }
                    n = 1;
                }
                left -= n;
                offset += n;
            }
        }

        /** Entries are padded to whole blocks; a short final pad is tolerated like a missing end marker. */
        private void skipPadding(long size) throws IOException {
            int pad = (int) ((BLOCK - size % BLOCK) % BLOCK);
            offset += Streams.readUpTo(in, new byte[pad], pad);
        }

        private RuntimeException truncated(String name, long needs, long got) {
            return IoErrors.error(archive, "truncated: entry " + name + " needs " + needs + " bytes, only " + got + " left");
        }

        /** One entry's content; archive read errors surface as GradregExceptions, not IOExceptions. */
        private final class Entry extends InputStream {
            private final String name;
            private final long size;
            private long read;

            Entry(String name, long size) {
                this.name = name;
                this.size = size;
            }

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (read == size) {
                    return -1;
                }
                int n;
                try {
                    n = in.read(b, off, (int) Math.min(len, size - read));
                } catch (IOException e) {
                    throw IoErrors.wrap(archive, "cannot read", e);
                }
                if (n < 0) {
                    throw truncated(name, size, read);
                }
                read += n;
                offset += n;
                return n;
            }

            void skipRest() throws IOException {
                Reader.this.skip(name, size, read);
                read = size;
            }
        }
    }

    private static boolean isZero(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** A NUL-terminated UTF-8 string within b[off, off + len). */
    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }
}
