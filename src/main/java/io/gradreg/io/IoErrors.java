package io.gradreg.io;

import io.gradreg.GradregException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.ZipException;

/** Turns I/O failures into one-line {@link GradregException}s that name the file. */
final class IoErrors {
    private IoErrors() {}

    /** A GradregException "FILE: PROBLEM", with the problem squeezed onto one line. */
    static GradregException error(Path file, String problem) {
        return new GradregException(file + ": " + oneLine(problem));
    }

    static GradregException error(Path file, String problem, Throwable cause) {
        return new GradregException(file + ": " + oneLine(problem), cause);
    }

    /** Wraps an IOException raised while doing {@code action} ("cannot read", ...) on file. */
    static GradregException wrap(Path file, String action, IOException e) {
        return error(file, action + ": " + describe(e), e);
    }

    /** Fails unless {@code file} is an existing regular file, with a message a user can act on. */
    static void requireReadableFile(Path file) {
        if (Files.isDirectory(file)) {
            throw error(file, "is a directory, not a file");
        }
        if (!Files.exists(file)) {
            throw error(file, "file not found");
        }
    }

    static String describe(IOException e) {
        if (e instanceof NoSuchFileException n) {
            return "no such file or directory: " + n.getFile();
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof EOFException) {
            return e.getMessage() == null ? "unexpected end of file"
                    : "unexpected end of file (" + e.getMessage() + ")";
        }
        if (e instanceof ZipException) {
            return "corrupt compressed data (" + e.getMessage() + ")";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** {@code s} on one line, cut to at most {@code max} characters, for quoting input in errors. */
    static String abbreviate(String s, int max) {
        String line = oneLine(s);
        return line.length() <= max ? line : line.substring(0, max - 3) + "...";
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
