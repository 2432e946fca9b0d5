package io.gradreg.io;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Reads the regular files of a tar archive, gzipped (detected by content) or plain, through Apache
 * Commons Compress, which handles ustar prefixes, pax headers and GNU long names. This class adds
 * the project's error contract: every problem is a one-line GradregException naming the archive
 * (and the entry, when one is being read).
 */
public final class Tar {
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
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
                InputStream in = maybeGunzip(archive, raw);
                TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            String previous = null;
            while (true) {
                TarArchiveEntry e = next(archive, tar, previous);
                if (e == null) {
                    if (previous == null && tar.getBytesRead() < 512) { // the library reads a short file as an empty archive
                        throw IoErrors.error(archive, "not a tar archive (plain or gzipped): only " + tar.getBytesRead() + " bytes");
                    }
                    return;
                }
                String name = e.getName();
                previous = name;
                if (!e.isFile() || !wanted.test(name)) {
                    continue; // the library skips the rest of the entry on the next call
                }
                try {
                    handler.accept(name, new Content(archive, name, e.getSize(), tar));
                } catch (IOException ex) { // Content turns archive errors into GradregExceptions: this is the handler's
                    throw IoErrors.wrap(archive, "cannot extract " + name, ex);
                }
            }
        } catch (IOException e) {
            throw IoErrors.wrap(archive, "cannot read", e);
        }
    }

    private static InputStream maybeGunzip(Path archive, InputStream in) throws IOException {
        in.mark(2);
        boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
        in.reset();
        if (!gzip) {
            return in;
        }
        try {
            return new GzipCompressorInputStream(in, true); // true: npm tarballs may hold several members
        } catch (IOException e) {
            throw IoErrors.error(archive, "not a gzip stream: " + IoErrors.describe(e), e);
        }
    }

    /** The next entry, or null at the end; library errors become messages naming where they happened. */
    private static TarArchiveEntry next(Path archive, TarArchiveInputStream tar, String previous) {
        try {
            return tar.getNextEntry();
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (previous == null) {
                throw IoErrors.error(archive, "not a tar archive (plain or gzipped): " + why, e);
            }
            throw IoErrors.error(archive, why.startsWith("Truncated")
                    ? "truncated: the archive ends inside entry " + previous + " or the header after it"
                    : "corrupt tar header after entry " + previous + ": " + why, e);
        }
    }

    /** One entry's content; archive read errors surface as GradregExceptions, not IOExceptions. */
    private static final class Content extends FilterInputStream {
        private final Path archive;
        private final String name;
        private final long size;
        private long read;

        Content(Path archive, String name, long size, InputStream tar) {
            super(tar);
            this.archive = archive;
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
            int n;
            try {
                n = in.read(b, off, len);
            } catch (IOException e) {
                throw truncated(e);
            }
            if (n < 0 && read < size) {
                throw truncated(null);
            }
            read += Math.max(n, 0);
            return n;
        }

        private RuntimeException truncated(IOException cause) {
            return IoErrors.error(archive, "truncated: entry " + name + " needs " + size + " bytes, only " + read
                    + " could be read", cause);
        }

        @Override
        public void close() {
            // The archive stream stays open for the next entry.
        }
    }
}
