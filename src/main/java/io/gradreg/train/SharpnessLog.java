package io.gradreg.train;

import java.io.PrintWriter;

/**
 * The log lines of {@code --track-sharpness}: each measurement with its cost, and at the end the
 * total. The cost is a ratio measured in this run: the measurement's time over the time of
 * everything else the run did over the same epochs (steps, evaluation, writing). It is given in
 * the process's CPU time (all threads), which other jobs on the machine barely change, and in
 * wall time, which they do.
 */
final class SharpnessLog {
    private final PrintWriter log;
    private final SharpnessTracking tracking;
    private final long subset;
    private final long startNanos = System.nanoTime();
    private final double startCpu = CpuTime.processMs();
    private long lastNanos = startNanos;
    private double lastCpu = startCpu;
    private double wallTotal;
    private double cpuTotal;
    private int measurements;

    SharpnessLog(PrintWriter log, SharpnessTracking tracking, long subset) {
        this.log = log;
        this.tracking = tracking;
        this.subset = subset;
    }

    void onEpoch(EpochMetrics m) {
        if (tracking == null || !m.hasSharpness()) {
            return;
        }
        long now = System.nanoTime();
        double cpu = CpuTime.processMs();
        double restWall = (now - lastNanos) / 1e6 - m.sharpnessMs();
        double restCpu = cpu - lastCpu - m.sharpnessCpuMs();
        lastNanos = now;
        lastCpu = cpu;
        measurements++;
        wallTotal += m.sharpnessMs();
        cpuTotal += m.sharpnessCpuMs();
        log.printf("sharpness after epoch %d (%d samples): top eigenvalue %.5g, trace %.5g ± %.2g, R_IG %.3e; cost %.1f%% of the rest of "
                + "the run since the last measurement in CPU time (%.1f s), %.1f%% in wall time (%.1f s)%n", m.epoch(), subset, m.hessianTop(),
                m.hessianTrace(), m.hessianTraceSe(), m.subsetRIG(), 100 * m.sharpnessCpuMs() / restCpu, m.sharpnessCpuMs() / 1e3,
                100 * m.sharpnessMs() / restWall, m.sharpnessMs() / 1e3);
        log.flush();
    }

    void finish() {
        if (tracking == null || measurements == 0) {
            return;
        }
        double wall = (System.nanoTime() - startNanos) / 1e6;
        double cpu = CpuTime.processMs() - startCpu;
        log.printf("sharpness tracking: %d measurements; cost %.1f%% of the rest of the run in CPU time (%.1f s of %.1f s), %.1f%% in wall "
                + "time (%.1f s of %.1f s), measured in this run%n", measurements, 100 * cpuTotal / (cpu - cpuTotal), cpuTotal / 1e3,
                (cpu - cpuTotal) / 1e3, 100 * wallTotal / (wall - wallTotal), wallTotal / 1e3, (wall - wallTotal) / 1e3);
        log.flush();
    }
}
