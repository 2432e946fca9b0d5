package io.gradreg.io;

import io.gradreg.GradregException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Ownership of an output directory: an OS lock on {@code DIR/.lock}, held until {@link #close()}
 * or the process ends, with the owner's PID written in the file for the message a second writer
 * gets. The kernel drops the lock of a process that dies, so a stale {@code .lock} left by a killed
 * run is simply taken over (and its PID overwritten). The file is kept, since deleting it while
 * another process has it open would let two processes lock two different files, with one
 * exception: a directory this lock created and that holds nothing else when the lock is released
 * (a command refused its input before writing anything) is removed with its lock file, so bad input
 * leaves no trace. A second process can only be refused there, never wait on it, so nobody else
 * is owed that file.
 */
public final class RunLock implements AutoCloseable {
    /** The lock file's name inside the directory it guards. */
    public static final String FILE = ".lock";

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;
    private final boolean created;

    private RunLock(Path dir, FileChannel channel, FileLock lock, boolean created) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
        this.created = created;
    }

    /**
     * Creates {@code dir} if needed and locks it for this process, or fails at once with a
     * one-line error naming the PID that holds it and {@code flag} (e.g. "--out") to choose another.
     */
    public static RunLock acquire(Path dir, String flag) {
        Path file = dir.resolve(FILE);
        FileChannel ch = null;
        try {
            boolean created = !Files.exists(dir);
            Files.createDirectories(dir);
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by this JVM (an in-process run of the same directory)
            }
            if (lock == null) {
                String owner = owner(file);
                ch.close();
                throw new GradregException(dir + " is in use by another gradreg process" + (owner.isEmpty() ? "" : " (PID " + owner + ")")
                        + "; wait for it to finish or choose another " + flag);
            }
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(pid), 0);
            ch.force(false);
            return new RunLock(dir, ch, lock, created);
        } catch (IOException e) {
            closeQuietly(ch);
            throw IoErrors.wrap(dir, "cannot lock the directory (" + FILE + ")", e);
        }
    }

    /** The directory this lock guards. */
    public Path dir() {
        return dir;
    }

    /** Releases the lock (the file stays, except in a directory this lock created and left empty: see the class comment). */
    @Override
    public void close() {
        boolean removeDir = created && holdsOnlyTheLock();
        if (removeDir) {
            try {
                Files.deleteIfExists(dir.resolve(FILE)); // still locked by us while it goes
            } catch (IOException ignored) {
                removeDir = false;
            }
        }
        try {
            lock.release();
        } catch (IOException ignored) {
            // the channel's close below releases it too
        }
        closeQuietly(channel);
        if (removeDir) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // something appeared meanwhile: leave it
            }
        }
    }

    private boolean holdsOnlyTheLock() {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            return files.allMatch(f -> f.getFileName().toString().equals(FILE));
        } catch (IOException e) {
            return false;
        }
    }

    /** The PID written in a lock file, or "" if it cannot be read. */
    private static String owner(Path file) {
        try {
            String pid = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return pid.matches("\\d{1,10}") ? pid : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing left to do
            }
        }
    }
}
