package io.gradreg.stats;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Every statistic against values worked out by hand on small arrays. */
class StatsTest {
    @Test
    void meanAndSampleStdDivideByNMinusOne() {
        // {1, 2, 3, 4}: mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, over n − 1 = 3
        Stats.MeanStd ms = Stats.meanStd(new double[] {1, 2, 3, 4});
        assertEquals(2.5, ms.mean(), 1e-15);
        assertEquals(Math.sqrt(5.0 / 3), ms.std(), 1e-15);
        assertEquals(new Stats.MeanStd(7, 0), Stats.meanStd(new double[] {7}), "one value: no spread");
    }

    @Test
    void medianOfTheFiniteValues() {
        assertEquals(2, Stats.median(new double[] {3, 1, 2}));
        assertEquals(2.5, Stats.median(new double[] {4, 1, 3, 2}), "even count: the mean of the middle two");
        assertEquals(3, Stats.median(new double[] {Double.NaN, 5, 1, Double.POSITIVE_INFINITY}), "NaN and infinities are left out");
        assertTrue(Double.isNaN(Stats.median(new double[] {Double.NaN})));
        assertTrue(Double.isNaN(Stats.median(new double[0])));
    }

    @Test
    void pairedDifferencesHaveTheStandardErrorOfTheirMean() {
        // a − b = {2, 0, 4}: mean 2, squared deviations 0 + 4 + 4 = 8, sample variance 4, std 2, SE 2/√3
        Stats.Paired p = Stats.pairedDiff(new double[] {3, 5, 10}, new double[] {1, 5, 6});
        assertEquals(2, p.mean(), 1e-15);
        assertEquals(2 / Math.sqrt(3), p.se(), 1e-15);
        Stats.Paired one = Stats.pairedDiff(new double[] {0.9}, new double[] {0.7});
        assertEquals(0.2, one.mean(), 1e-15);
        assertTrue(Double.isNaN(one.se()), "one pair: no standard error");
        assertThrows(IllegalArgumentException.class, () -> Stats.pairedDiff(new double[] {1, 2}, new double[] {1}));
    }

    @Test
    void aSeedIsWonOnlyWhenStrictlyAbove() {
        assertEquals(2, Stats.seedsWon(new double[] {3, 5, 10, 0}, new double[] {1, 5, 6, 1}), "3 > 1 and 10 > 6; 5 = 5 is a tie");
        assertEquals(0, Stats.seedsWon(new double[0], new double[0]));
    }

    @Test
    void spearmanIsTheCorrelationOfRanksWithTiesAveraged() {
        assertEquals(1.0, Stats.spearman(new double[] {1, 2, 3}, new double[] {10, 20, 30}), 1e-12);
        assertEquals(-1.0, Stats.spearman(new double[] {1, 2, 3}, new double[] {3, 2, 1}), 1e-12);
        assertEquals(1.0, Stats.spearman(new double[] {0.01, 0.1, 1}, new double[] {1, 8, 1000}), 1e-12, "ranks only: any increasing map");
        // no ties: 1 − 6 Σd² / (n(n² − 1)); ranks of y 2, 1, 4, 3, 5, d = (−1, 1, −1, 1, 0), Σd² = 4: 1 − 24/120 = 0.8
        assertEquals(0.8, Stats.spearman(new double[] {1, 2, 3, 4, 5}, new double[] {2, 1, 4, 3, 5}), 1e-12);
        // a tie: ranks of y = {1, 2, 2, 3} are 1, 2.5, 2.5, 4; deviations from 2.5: x (−1.5, −0.5, 0.5, 1.5), y (−1.5, 0, 0, 1.5);
        // Σxy = 4.5, Σxx = 5, Σyy = 4.5, so ρ = 4.5 / √(5 · 4.5) = √0.9
        assertEquals(Math.sqrt(0.9), Stats.spearman(new double[] {1, 2, 3, 4}, new double[] {1, 2, 2, 3}), 1e-12);
        // ties on both sides, in opposite order: x ranks 1.5, 1.5, 3; y ranks 3, 1.5, 1.5; deviations (−0.5, −0.5, 1), (1, −0.5, −0.5):
        // Σxy = −0.5 + 0.25 − 0.5 = −0.75, Σxx = Σyy = 1.5, ρ = −0.5
        assertEquals(-0.5, Stats.spearman(new double[] {7, 7, 9}, new double[] {4, 2, 2}), 1e-12);
    }

    @Test
    void logLogSlopeIsThePowerOfAPowerLaw() {
        // y = 3 x²: log y = log 3 + 2 log x, exactly
        assertEquals(2.0, Stats.logLogSlope(new double[] {1, 2, 4}, new double[] {3, 12, 48}), 1e-12);
        // log x = (0, 1, 2), log y = (0, 1, 3): deviations (−1, 0, 1) and (−4/3, −1/3, 5/3), Σxy = 3, Σxx = 2, slope 1.5
        double e = Math.E;
        assertEquals(1.5, Stats.logLogSlope(new double[] {1, e, e * e}, new double[] {1, e, e * e * e}), 1e-12);
        // a halving error: order 1 in h
        assertEquals(1.0, Stats.logLogSlope(new double[] {0.2, 0.1, 0.05}, new double[] {0.04, 0.02, 0.01}), 1e-12);
    }
}
