package io.gradreg.cli;

import io.gradreg.train.EpochMetrics;
import io.gradreg.train.SharpnessTracking;
import java.io.PrintWriter;

/**
 * The log lines of {@code --track-sharpness}: each measurement with its cost, and at the end the
 * total cost as a share of the training steps' time and of the run's wall time, both measured in
 * this invocation, so the ratio holds whatever else loads the machine.
 */
final class SharpnessLog {
    private final PrintWriter log;
    private final SharpnessTracking tracking;
    private final long subset;
    private final long startNanos = System.nanoTime();
    private long lastStep;
    private double stepMsSince;
    private double stepMsTotal;
    private double sharpnessMsTotal;
    private int measurements;

    /** @param startStep the step the run starts (or resumes) from */
    SharpnessLog(PrintWriter log, SharpnessTracking tracking, long subset, long startStep) {
        this.log = log;
        this.lastStep = startStep;
        this.tracking = tracking;
        this.subset = subset;
    }

    void onEpoch(EpochMetrics m) {
        if (tracking == null) {
            return;
        }
        long steps = m.step() - lastStep;
        lastStep = m.step();
        double ms = m.msPerStep() * steps;
        stepMsSince += ms;
        stepMsTotal += ms;
        if (!m.hasSharpness()) {
            return;
        }
        measurements++;
        sharpnessMsTotal += m.sharpnessMs();
        log.printf("sharpness after epoch %d (%d samples): top eigenvalue %.5g, trace %.5g ± %.2g, R_IG %.3e; took %.2f s = %.1f%% of the "
                + "training steps' time since the last measurement%n", m.epoch(), subset, m.hessianTop(), m.hessianTrace(),
                m.hessianTraceSe(), m.subsetRIG(), m.sharpnessMs() / 1e3, 100 * m.sharpnessMs() / stepMsSince);
        log.flush();
        stepMsSince = 0;
    }

    void finish() {
        if (tracking == null || measurements == 0) {
            return;
        }
        double wallMs = (System.nanoTime() - startNanos) / 1e6;
        log.printf("sharpness tracking: %d measurements, %.2f s in all = %.1f%% of the training steps' time, %.1f%% of the rest of the "
                + "run's wall time (evaluation and writing included), measured in this run%n", measurements, sharpnessMsTotal / 1e3,
                100 * sharpnessMsTotal / stepMsTotal, 100 * sharpnessMsTotal / (wallMs - sharpnessMsTotal));
        log.flush();
    }
}
