package io.gradreg.method;

import static io.gradreg.method.HandLinear.*;
import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.GradregException;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Net;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** ESAM (stochastic weight perturbation and sharpness-sensitive data selection) against a hand computation, float64. */
class EsamTest {
    final HandLinear lin = new HandLinear(9, 3, 2, 12);
    final Net net = Fixtures.mlp(11, Activation.RELU, 3, 2); // two tensors: 0.weight [2, 3], 0.bias [2]
    final double[] theta = net.params().toDoubles();
    final double[] g = lin.grad(theta);
    final int weights = lin.k * lin.d;

    double[] direction(Method m, long batchSeed) {
        return m.direction(new Oracle(net, Loss.SQUARED_ERROR, lin.data.x(), lin.data.y(), batchSeed)).direction().toDoubles();
    }

    /** ESAM by hand: the mask's tensors of g, scaled to rho / beta, then the top ⌊gamma N⌋ rises' mean gradient. */
    double[] byHand(double rho, double beta, double gamma, boolean[] mask) {
        double[] mg = g.clone();
        for (int i = 0; i < mg.length; i++) {
            if (!mask[i < weights ? 0 : 1]) {
                mg[i] = 0;
            }
        }
        if (norm(mg) == 0) {
            return g;
        }
        double[] moved = axpy(rho / (beta * norm(mg)), mg, theta);
        double[] rise = new double[lin.n];
        for (int i = 0; i < lin.n; i++) {
            rise[i] = lin.loss(moved, i) - lin.loss(theta, i);
        }
        int k = (int) Math.floor(gamma * lin.n);
        int[] top = IntStream.range(0, lin.n).boxed().sorted(Comparator.comparingDouble((Integer i) -> -rise[i]))
                .limit(k).mapToInt(Integer::intValue).sorted().toArray();
        return lin.grad(moved, top);
    }

    @Test
    void perturbsARandomSubsetOfTensorsAndDescendsOnTheSamplesWhoseLossRoseMost() {
        double rho = 0.3;
        double beta = 0.5;
        double gamma = 0.45; // 4 of 9 rows
        int partial = 0;
        int none = 0;
        for (long seed = 0; seed < 12; seed++) {
            boolean[] mask = Esam.mask(seed, 2, beta);
            partial += mask[0] != mask[1] ? 1 : 0;
            none += !mask[0] && !mask[1] ? 1 : 0;
            double[] expected = byHand(rho, beta, gamma, mask);
            assertArrayEquals(expected, direction(new Esam(rho, beta, gamma), seed), 1e-12, "batch seed " + seed);
        }
        assertTrue(partial > 0 && none > 0, "the seeds cover a partial and an empty mask");
        assertArrayEquals(theta, net.params().toDoubles(), 0.0, "parameters restored");
    }

    @Test
    void dataSelectionAloneUsesTheWholeAscentAndASubsetOfRows() {
        double[] all = byHand(0.3, 1, 0.45, new boolean[] {true, true});
        double[] d = direction(new Esam(0.3, 1, 0.45), 0);
        assertArrayEquals(all, d, 1e-12);
        assertTrue(Fixtures.maxAbsDiff(d, direction(new Sam(0.3), 0)) > 1e-4, "a subset of rows is not the whole batch");
    }

    @Test
    void withBetaAndGammaOneItIsSamExactly() {
        for (long seed : new long[] {0, 7}) {
            assertArrayEquals(direction(new Sam(0.3), seed), direction(new Esam(0.3, 1, 1), seed), 0.0);
        }
    }

    @Test
    void theMaskIsAFunctionOfTheBatchSeedAndKeepsAboutBetaOfTheTensors() {
        assertArrayEquals(Esam.mask(42, 50, 0.3), Esam.mask(42, 50, 0.3));
        assertFalse(Arrays.equals(Esam.mask(42, 50, 0.3), Esam.mask(43, 50, 0.3)));
        boolean[] m = Esam.mask(5, 4000, 0.3);
        long kept = IntStream.range(0, m.length).filter(i -> m[i]).count();
        assertEquals(0.3, kept / 4000.0, 0.03);
        for (boolean b : Esam.mask(5, 100, 1.0)) {
            assertTrue(b);
        }
    }

    @Test
    void theSelectionKeepsTheKLargestScoresAndEveryTieAtTheCut() {
        double[] s = {1, 3, 3, 2, -0.5};
        assertArrayEquals(new boolean[] {false, true, true, false, false}, RowSelection.largest(s, 0.2, x -> x), "k = 1, tied");
        assertArrayEquals(new boolean[] {false, true, true, false, false}, RowSelection.largest(s, 0.4, x -> x));
        assertArrayEquals(new boolean[] {false, true, true, true, false}, RowSelection.largest(s, 0.6, x -> x));
        assertArrayEquals(new boolean[] {true, true, true, true, true}, RowSelection.largest(s, 1.0, x -> x));
        assertArrayEquals(new boolean[] {false, false, true}, RowSelection.largest(new double[] {-2, -1e-300, 0.0}, 0.1, x -> x), "k >= 1");
        assertArrayEquals(new boolean[] {true, true, false}, RowSelection.largest(new double[] {-0.0, 0.0, -1}, 0.34, x -> x), "-0 ties with 0");
        assertArrayEquals(new boolean[] {false, true}, RowSelection.largest(new double[] {Double.POSITIVE_INFINITY, Double.NaN}, 0.5, x -> x));
        double[] hundred = IntStream.range(0, 100).mapToDouble(i -> i).toArray();
        assertEquals(29, IntStream.range(0, 100).filter(i -> RowSelection.largest(hundred, 0.29, x -> x)[i]).count(), "0.29 * 100 rounds to 29");
    }

    @Test
    void strengthAndDescription() {
        assertEquals(new Esam(0.1, 0.5, 0.6), new Esam(0.2, 0.5, 0.6).withStrength(0.1));
        assertEquals("rho", new Esam(0.2, 0.5, 0.6).strengthName());
        assertEquals("esam(rho=0.05, beta=0.6, gamma=0.5)", new Esam(0.05, 0.6, 0.5).describe());
    }

    @Test
    void badHyperparametersAreOneLineErrors() {
        SamVariantsTest.assertRefused("esam beta must be in (0, 1], got 0.0", () -> new Esam(0.1, 0, 0.5));
        SamVariantsTest.assertRefused("esam beta must be in (0, 1], got 1.5", () -> new Esam(0.1, 1.5, 0.5));
        SamVariantsTest.assertRefused("esam gamma must be in (0, 1], got NaN", () -> new Esam(0.1, 0.5, Double.NaN));
        SamVariantsTest.assertRefused("esam rho must be a finite number >= 0, got -0.1", () -> new Esam(-0.1, 0.5, 0.5));
    }
}
