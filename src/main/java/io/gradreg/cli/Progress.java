package io.gradreg.cli;

import io.gradreg.train.EpochMetrics;
import io.gradreg.train.Trainer;
import java.io.PrintWriter;

/**
 * Training progress: a redrawn bar (epoch, step, loss, ETA) on a terminal; when output goes to a
 * file or pipe, a plain line every {@value #PLAIN_EVERY_SECONDS} seconds instead, so logs stay
 * readable. Optionally a line of metrics after each epoch.
 */
final class Progress implements Trainer.Listener {
    static final int PLAIN_EVERY_SECONDS = 30;
    private final PrintWriter out;
    private final boolean terminal;
    private final String label;
    private final boolean epochLines;
    private long startNanos;
    private long firstStep = -1;
    private long lastDraw;

    /** @param epochLines print a line of metrics after each epoch */
    Progress(PrintWriter out, String label, boolean epochLines) {
        this.out = out;
        this.terminal = System.console() != null;
        this.label = label.isEmpty() ? "" : label + " ";
        this.epochLines = epochLines;
    }

    @Override
    public void onStep(long step, long total, int epoch, double loss) {
        long now = System.nanoTime();
        if (firstStep < 0) {
            firstStep = step - 1;
            startNanos = now;
            lastDraw = now;
        }
        long every = terminal ? 100_000_000L : PLAIN_EVERY_SECONDS * 1_000_000_000L;
        if (now - lastDraw < every && !(terminal && step == total)) {
            return;
        }
        lastDraw = now;
        String eta = eta((now - startNanos) / 1e9 / Math.max(1, step - firstStep) * (total - step));
        if (terminal) {
            int width = 30;
            int filled = (int) (width * step / Math.max(1, total));
            out.printf("\r%sepoch %d [%s%s] %d/%d loss %.4f ETA %s   ", label, epoch, "#".repeat(filled),
                    " ".repeat(width - filled), step, total, loss, eta);
        } else {
            out.printf("%sepoch %d step %d/%d loss %.4f ETA %s%n", label, epoch, step, total, loss, eta);
        }
        out.flush();
    }

    @Override
    public void onEpoch(EpochMetrics m) {
        if (!epochLines) {
            return;
        }
        clearLine();
        if (Double.isNaN(m.trainLoss()) && Double.isNaN(m.testLoss())) {
            out.printf("%sepoch %3d  step %6d  batch loss %.4f (not evaluated)  %.1f ms/step%n", label, m.epoch(), m.step(),
                    m.batchLoss(), m.msPerStep());
            out.flush();
            return;
        }
        String test = Double.isNaN(m.testLoss()) ? "" : String.format("  test loss %.4f  acc %.4f", m.testLoss(), m.testAccuracy());
        out.printf("%sepoch %3d  step %6d  train loss %.4f  acc %.4f%s  R_IG %.3e  %.1f ms/step%n",
                label, m.epoch(), m.step(), m.trainLoss(), m.trainAccuracy(), test, m.rIG(), m.msPerStep());
        out.flush();
    }

    /** Erases the bar so the next line starts clean (no-op off a terminal). */
    void clearLine() {
        if (terminal) {
            out.print("\r\033[K");
            out.flush();
        }
    }

    private static String eta(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
