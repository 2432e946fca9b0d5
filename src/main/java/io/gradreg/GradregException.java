package io.gradreg;

/**
 * An error a user can act on: bad input, a missing file, an invalid setting. Its message is one
 * line that names the problem; the command line prints it without a stack trace and exits non-zero.
 */
public class GradregException extends RuntimeException {
    public GradregException(String message) {
        super(message);
    }

    public GradregException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The first line of {@code e}'s message: libtorch appends a C++ stack trace to its errors. */
    public static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        return m.lines().findFirst().orElse(m).strip();
    }
}
