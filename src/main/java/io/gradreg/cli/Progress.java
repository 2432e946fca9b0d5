package io.gradreg.cli;

import io.gradreg.train.EpochMetrics;
import io.gradreg.train.Trainer;
import java.io.PrintStream;

/**
 * Training progress: a redrawn bar (epoch, step, loss, ETA) on a terminal; plain lines, one per
 * epoch, when output goes to a file or pipe.
 */
final class Progress implements Trainer.Listener {
    private final PrintStream out;
    private final boolean terminal = System.console() != null;
    private final String label;
    private final boolean epochLines;
    private long startNanos;
    private long firstStep = -1;
    private long lastDraw;

    /** @param epochLines print a line of metrics after each epoch */
    Progress(PrintStream out, String label, boolean epochLines) {
        this.out = out;
        this.label = label;
        this.epochLines = epochLines;
    }

    @Override
    public void onStep(long step, long total, int epoch, double loss) {
        if (firstStep < 0) {
            firstStep = step - 1;
            startNanos = System.nanoTime();
        }
        long now = System.nanoTime();
        if (!terminal || (now - lastDraw < 100_000_000L && step < total)) {
            return;
        }
        lastDraw = now;
        double perStep = (now - startNanos) / 1e9 / Math.max(1, step - firstStep);
        int width = 30;
        int filled = (int) (width * step / Math.max(1, total));
        out.printf("\r%s epoch %d [%s%s] %d/%d loss %.4f ETA %s   ", label, epoch, "#".repeat(filled),
                " ".repeat(width - filled), step, total, loss, eta(perStep * (total - step)));
        out.flush();
    }

    @Override
    public void onEpoch(EpochMetrics m) {
        if (!epochLines) {
            return;
        }
        if (terminal) {
            out.print("\r\033[K");
        }
        out.printf("%s epoch %3d  step %6d  train loss %.4f  acc %.4f  test loss %.4f  acc %.4f  R_IG %.3e  %.1f ms/step%n",
                label, m.epoch(), m.step(), m.trainLoss(), m.trainAccuracy(), m.testLoss(), m.testAccuracy(), m.rIG(), m.msPerStep());
        out.flush();
    }

    private static String eta(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
