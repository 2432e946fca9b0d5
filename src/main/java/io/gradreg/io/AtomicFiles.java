package io.gradreg.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;

/**
 * Writes files so that readers see either the old content or the complete new content, never a
 * partial file: data goes to a temporary file in the target's directory, is fsynced, and is then
 * renamed over the target. On failure the temporary file is deleted and the target is untouched.
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {}

    /** Like {@link java.util.function.Consumer}, but allowed to throw IOException. */
    @FunctionalInterface
    public interface IoConsumer<T> {
        /** Consumes {@code t}. */
        void accept(T t) throws IOException;
    }

    /**
     * Atomically replaces {@code target} with what {@code body} writes. Missing parent directories
     * are created. The stream given to body is buffered; body need not (but may) close it.
     * IOExceptions become a GradregException naming the target; RuntimeExceptions from body pass
     * through unchanged, after cleanup.
     */
    public static void write(Path target, IoConsumer<OutputStream> body) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            // Same directory as the target, so the final rename stays on one file system.
            // Not Files.createTempFile: its 0600 mode would end up on the target.
            Path candidate = dir.resolve(
                    "." + abs.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp");
            try (FileChannel ch = FileChannel.open(candidate, StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE_NEW)) {
                tmp = candidate; // only now is it ours to delete
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                body.accept(new FilterOutputStream(out) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len); // FilterOutputStream would go byte by byte
                    }

                    @Override
                    public void close() throws IOException {
                        out.flush(); // the channel is ours to close, after fsync
                    }
                });
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
            syncDirectory(dir);
        } catch (IOException e) {
            throw IoErrors.wrap(target, "cannot write", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // Best effort: the original failure is the one worth reporting.
                }
            }
        }
    }

    /** Atomically writes {@code text} as UTF-8. */
    public static void writeString(Path target, String text) {
        writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Atomically writes {@code bytes}. */
    public static void writeBytes(Path target, byte[] bytes) {
        write(target, out -> out.write(bytes));
    }

    /** Makes the rename durable; not every platform lets a directory be opened, hence best effort. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // The data itself is already fsynced; only the rename's durability is at stake.
        }
    }
}
