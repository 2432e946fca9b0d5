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
}
