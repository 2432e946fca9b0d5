package io.gradreg.data;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.engine.Tensors;
import org.junit.jupiter.api.Test;

/** Per-channel standardization and the holdout/subset/unlabeled splits, against hand computations. */
class StandardizerTest {
    static {
        Engine.start();
    }

    @Test
    void statisticsArePerChannelPopulationMeanAndStd() {
        // 2 samples × 2 channels × 2 pixels: channel 0 holds 1, 2, 3, 6; channel 1 holds 10, 10, 10, 10
        double[] x = {1, 2, 10, 10, 3, 6, 10, 10};
        Standardizer s = Standardizer.fit(Tensors.fromDoubles(x, DType.FLOAT64, 2, 2, 2));
        assertEquals(3.0, s.mean()[0], 1e-15);
        assertEquals(10.0, s.mean()[1], 1e-15);
        // population variance of 1, 2, 3, 6 around 3: (4 + 1 + 0 + 9) / 4 = 3.5
        assertEquals(Math.sqrt(3.5), s.std()[0], 1e-15);
        assertEquals(0.0, s.std()[1], 0);
        // applied to other data with the same statistics; a constant channel is divided by 1e-7
        double[] t = Tensors.toDoubles(s.apply(Tensors.fromDoubles(new double[] {4, 3, 10, 11}, DType.FLOAT64, 1, 2, 2)));
        assertEquals((4 - 3) / (Math.sqrt(3.5) + 1e-7), t[0], 1e-12);
        assertEquals(0.0, t[1], 1e-12);
        assertEquals(0.0, t[2], 0);
        assertEquals(1 / 1e-7, t[3], 1e-3);
    }

    @Test
    void flatDataHasOneChannelPerFeature() {
        double[] x = {0, 5, 2, 5, 4, 8};
        Standardizer s = Standardizer.fit(Tensors.fromDoubles(x, DType.FLOAT64, 3, 2));
        assertArrayEquals(new double[] {2, 6}, s.mean(), 1e-15);
        assertArrayEquals(new double[] {Math.sqrt(8.0 / 3), Math.sqrt(2.0)}, s.std(), 1e-15);
    }

    @Test
    void holdoutTakesTheLastSamplesAndRandomSubsetTheFirstOfASeededPermutation() {
        double[] x = new double[20];
        long[] y = new long[20];
        for (int i = 0; i < 20; i++) {
            x[i] = i;
            y[i] = i % 2;
        }
        Dataset d = Dataset.classification(x, new long[] {20, 1}, y, DType.FLOAT64);
        Splits.Holdout h = Splits.holdout(d, 5);
        assertArrayEquals(new double[] {15, 16, 17, 18, 19}, Tensors.toDoubles(h.test().x()));
        assertEquals(15, h.pool().size());

        Splits.Draw draw = Splits.draw(h.pool(), 4, false, 6, 7);
        long[] order = Permutation.shuffled(15, new java.util.Random(7));
        double[] labeled = Tensors.toDoubles(draw.labeled().x());
        for (int i = 0; i < 4; i++) {
            assertEquals(order[i], (long) labeled[i]);
        }
        double[] unlabeled = Tensors.toDoubles(draw.unlabeled());
        assertEquals(6, unlabeled.length);
        java.util.Set<Double> seen = new java.util.HashSet<>();
        for (double v : labeled) {
            seen.add(v);
        }
        for (double v : unlabeled) {
            assertTrue(v < 15, "unlabeled samples come from the pool, not the holdout: " + v);
            assertTrue(seen.add(v), "unlabeled sample " + v + " is also labeled or repeated");
        }
    }
}
