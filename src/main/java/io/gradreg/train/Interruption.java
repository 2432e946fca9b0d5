package io.gradreg.train;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns Ctrl-C (or SIGTERM) during training into a clean stop: the step in progress finishes,
 * the caller writes a checkpoint, and only then does the JVM exit. The shutdown hook holds the
 * exit until {@link #close()} (at most a minute, so a stuck run still dies).
 */
final class Interruption implements AutoCloseable {
    private final CountDownLatch released = new CountDownLatch(1);
    private final Thread hook;

    Interruption(Trainer trainer) {
        hook = new Thread(() -> {
            trainer.requestStop();
            try {
                released.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "gradreg-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Lets a pending exit proceed, or unregisters the hook when the run ended normally. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting because of a signal: the hook is running and waits for the release below
        }
        released.countDown();
    }
}
