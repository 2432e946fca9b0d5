package io.gradreg.analysis;

/** Progress of an estimator's loop, for long runs: {@code done} of {@code total} units of {@code task}. */
@FunctionalInterface
public interface ProgressListener {
    /** Ignores progress. */
    ProgressListener NONE = (task, done, total, latest) -> {};

    /** @param latest the latest value (an estimate, a sample), for display */
    void onProgress(String task, int done, int total, double latest);
}
