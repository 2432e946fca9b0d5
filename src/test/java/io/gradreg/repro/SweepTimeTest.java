package io.gradreg.repro;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.sweep.Sweep;
import io.gradreg.sweep.SweepSpec;
import io.gradreg.train.EpochMetrics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wall-time sentence of a report counts only the runs whose time it recorded; a run's own step times add up. */
class SweepTimeTest {
    @TempDir
    Path tmp;

    private List<Sweep.Outcome> outcomes(int done, int skipped) {
        return outcomes(tmp.resolve("runs"), done, skipped);
    }

    private static List<Sweep.Outcome> outcomes(Path runs, int done, int skipped) {
        List<Sweep.Outcome> o = new ArrayList<>();
        for (int i = 0; i < done + skipped; i++) {
            SweepSpec.Run r = new SweepSpec.Run("r" + i, io.gradreg.train.RunSpec.of("d.npz", "mlp:2-2"), Map.of());
            o.add(new Sweep.Outcome(r, runs.resolve("r" + i), i < done ? Sweep.Status.DONE : Sweep.Status.SKIPPED, 1, ""));
        }
        return o;
    }

    @Test
    void runsOfAnUnrecordedEarlierInvocationAreNamedNotCounted() {
        Experiment.Context ctx = new Experiment.Context(false, tmp, 1, new PrintWriter(new StringWriter()), null);
        String s = Repro.sweepTime(ctx, outcomes(3, 2), 4.0, "1 worker processes");
        assertEquals("3 of the sweep's 5 runs took 4.0 min of wall time, 1 worker processes, on a 2-core machine shared with other jobs "
                + "(times are noisy); the other 2 were run by an earlier invocation whose time was not recorded", s);
        // the next invocation finishes the last two: 7 min recorded over all five
        assertTrue(Repro.sweepTime(ctx, outcomes(2, 3), 3.0, "1 worker processes").startsWith("the sweep (5 runs) took 7.0 min of wall time"));
        // a report rebuilt with every run skipped repeats the recorded time
        assertTrue(Repro.sweepTime(ctx, outcomes(0, 5), 0.1, "1 worker processes").startsWith("the sweep (5 runs) took 7.0 min"));
        // ... and names how the recorded runs were executed, not how this invocation would have
        assertTrue(Repro.sweepTime(ctx, outcomes(0, 5), 0.1, "2 worker processes").startsWith("the sweep (5 runs) took 7.0 min of wall time, "
                + "1 worker processes,"));
        Experiment.Context fresh = new Experiment.Context(false, tmp.resolve("other"), 1, new PrintWriter(new StringWriter()), null);
        assertEquals("the sweep (5 runs) was run by an earlier invocation whose time was not recorded",
                Repro.sweepTime(fresh, outcomes(0, 5), 0.1, "1 worker processes"));
    }

    @Test
    void runsMadeAgainDoNotInheritTheTimeOfTheRunsTheyReplaced() throws Exception {
        Path out = tmp.resolve("docs");
        Experiment.Context ctx = new Experiment.Context(false, out, 1, new PrintWriter(new StringWriter()), null);
        Repro.sweepTime(ctx, outcomes(tmp.resolve("old-runs"), 5, 0), 100.0, "1 worker processes");
        assertTrue(java.nio.file.Files.isRegularFile(tmp.resolve("old-runs").resolve("sweep-time.docs.json")), "the record sits beside the runs");
        // The runs are made again in a new directory (the report's copy still says 100 min): an interrupted first
        // invocation left 3 done, unrecorded; the second runs the last 2 in 4 min.
        assertEquals("2 of the sweep's 5 runs took 4.0 min of wall time, 1 worker processes, on a 2-core machine shared with other jobs "
                + "(times are noisy); the other 3 were run by an earlier invocation whose time was not recorded",
                Repro.sweepTime(ctx, outcomes(tmp.resolve("new-runs"), 2, 3), 4.0, "1 worker processes"));
    }

    /** An epoch that ends at {@code step} with a mean step time of {@code ms} (NaN: not recorded). */
    private static EpochMetrics epoch(int epoch, long step, double ms) {
        double n = Double.NaN;
        return new EpochMetrics(epoch, step, 0.1, n, n, n, n, n, n, n, n, n, ms);
    }

    @Test
    void trainingSecondsWeighEachEpochsStepTimeByItsSteps() {
        List<EpochMetrics> m = List.of(epoch(1, 40, 10.0), epoch(2, 80, Double.NaN), epoch(3, 100, 50.0));
        // 40 steps at 10 ms, 40 unknown (not counted), 20 at 50 ms
        assertEquals(1.4, Repro.trainingSeconds(m), 1e-12);
    }
}
