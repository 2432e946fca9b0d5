package io.gradreg.train;

import java.lang.management.ManagementFactory;

/**
 * CPU time used by this process, all threads. On a machine shared with other jobs, wall time
 * stretches with their load while the CPU time a computation needs barely changes, so costs
 * compared within one run are measured in it.
 */
public final class CpuTime {
    private CpuTime() {}

    /** Milliseconds of CPU time used so far by this process (NaN where the JVM cannot tell). */
    public static double processMs() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long t = os.getProcessCpuTime();
            return t < 0 ? Double.NaN : t / 1e6;
        }
        return Double.NaN;
    }
}
