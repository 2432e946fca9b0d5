package io.gradreg.train;

import java.io.PrintWriter;
import java.time.Duration;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Training progress through me.tongfei:progressbar: on a terminal a bar redrawn in place (steps,
 * ETA, epoch and loss); when output goes to a file or pipe, the same text as a plain line every
 * {@value #PLAIN_EVERY_SECONDS} seconds, so logs stay readable. Optionally a line of metrics after
 * each epoch. The library redraws from its own thread, so every write to {@code out} holds its lock.
 */
public final class Progress implements Trainer.Listener {
    static final int PLAIN_EVERY_SECONDS = 30;
    private final PrintWriter out;
    private final boolean terminal;
    private final String label; // the bar's name
    private final String prefix; // before metrics lines: "" for train (logs and scripts read "epoch   N ..."), "NAME " in the demo
    private final boolean epochLines;
    private ProgressBar bar;
    private String last = "";

    /** @param epochLines print a line of metrics after each epoch */
    public Progress(PrintWriter out, String label, boolean epochLines) {
        this(out, label, epochLines, System.console() != null);
    }

    Progress(PrintWriter out, String label, boolean epochLines, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
        this.label = label.isEmpty() ? "train" : label;
        this.prefix = label.isEmpty() ? "" : label + " ";
        this.epochLines = epochLines;
    }

    @Override
    public void onStep(long step, long total, int epoch, double loss) {
        if (bar == null) {
            bar = new ProgressBarBuilder().setTaskName(label).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(terminal ? 100 : PLAIN_EVERY_SECONDS * 1000)
                    .startsFrom(step - 1, Duration.ZERO) // a resumed run: the ETA counts only this session's speed
                    .setConsumer(new DelegatingProgressBarConsumer(this::show, 100))
                    .build();
        }
        bar.setExtraMessage(String.format("epoch %d loss %.4f", epoch, loss));
        bar.stepTo(step);
    }

    private void show(String rendered) {
        synchronized (out) {
            if (rendered.equals(last)) {
                return; // stopping redraws the final state; a log needs it once
            }
            last = rendered;
            if (terminal) {
                out.print("\r" + rendered);
            } else {
                out.println(rendered);
            }
            out.flush();
        }
    }

    @Override
    public void onEpoch(EpochMetrics m) {
        if (!epochLines) {
            return;
        }
        synchronized (out) {
            erase();
            if (Double.isNaN(m.trainLoss()) && Double.isNaN(m.testLoss())) {
                out.printf("%sepoch %3d  step %6d  batch loss %.4f (not evaluated)  %.1f ms/step%n", prefix, m.epoch(), m.step(),
                        m.batchLoss(), m.msPerStep());
            } else {
                String test = Double.isNaN(m.testLoss()) ? "" : String.format("  test loss %.4f  acc %.4f", m.testLoss(), m.testAccuracy());
                out.printf("%sepoch %3d  step %6d  train loss %.4f  acc %.4f%s  R_IG %.3e  %.1f ms/step%n",
                        prefix, m.epoch(), m.step(), m.trainLoss(), m.trainAccuracy(), test, m.rIG(), m.msPerStep());
            }
            out.flush();
        }
    }

    /** Stops the bar; on a terminal also erases it so the next line starts clean. */
    public void clearLine() {
        if (bar != null) {
            bar.close(); // draws the final state once more (erased below on a terminal) and stops the library's thread
            bar = null;
        }
        synchronized (out) {
            erase();
            out.flush();
        }
    }

    private void erase() {
        if (terminal) {
            out.print("\r\033[K");
        }
    }
}
