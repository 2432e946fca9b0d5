package io.gradreg.method;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.GradregException;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Net;
import io.gradreg.train.TrainConfig;
import io.gradreg.train.Trainer;
import org.junit.jupiter.api.Test;

/**
 * LookSAM ({@code --every K --reuse looksam}, methods.md section 2b), float64, on an MLP with four
 * parameter tensors: three full-batch SGD steps against a hand computation with the public code's
 * per-tensor norms (which differ from the paper's global ones here), the kept g_v, and k = 1 as SAM.
 */
class LookSamTest {
    static final double LR = 0.1;
    final Dataset data = Synthetic.blobs(12, 5, 3, 1.0, 4, DType.FLOAT64);

    static Net net() {
        return Fixtures.mlp(2, Activation.TANH, 5, 7, 3);
    }

    /** Where each tensor starts in the flattened parameters, and the end. */
    static int[] bounds(Net net) {
        int[] b = new int[net.params().size() + 1];
        for (int i = 0; i < net.params().size(); i++) {
            b[i + 1] = b[i] + (int) net.params().get(i).numel();
        }
        return b;
    }

    static double dot(double[] a, double[] c, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += a[i] * c[i];
        }
        return s;
    }

    /** Per tensor: d − (⟨d, g⟩ / ‖g‖²) g. */
    static double[] orthogonal(double[] d, double[] g, int[] b) {
        double[] v = d.clone();
        for (int t = 0; t + 1 < b.length; t++) {
            double c = dot(d, g, b[t], b[t + 1]) / dot(g, g, b[t], b[t + 1]);
            for (int i = b[t]; i < b[t + 1]; i++) {
                v[i] -= c * g[i];
            }
        }
        return v;
    }

    /** Per tensor (or over all of them as one, {@code global}): g + α (‖g‖ / ‖g_v‖) g_v. */
    static double[] between(double[] g, double[] gv, double alpha, int[] b, boolean global) {
        int[] parts = global ? new int[] {0, g.length} : b;
        double[] d = g.clone();
        for (int t = 0; t + 1 < parts.length; t++) {
            double c = alpha * Math.sqrt(dot(g, g, parts[t], parts[t + 1]) / dot(gv, gv, parts[t], parts[t + 1]));
            for (int i = parts[t]; i < parts[t + 1]; i++) {
                d[i] += c * gv[i];
            }
        }
        return d;
    }

    static TrainConfig cfg(Method m, long steps) {
        return new TrainConfig(m, io.gradreg.train.OptimizerSpec.sgd(LR), io.gradreg.train.Schedule.CONSTANT, 0, steps, 12, false, 0);
    }

    @Test
    void fullStepsKeepTheOrthogonalPartAndTheStepsBetweenAddItRescaledPerTensor() {
        double rho = 0.3;
        double alpha = 0.7;
        Net ref = net();
        int[] b = bounds(ref);
        Sam sam = new Sam(rho);
        // step 0 (full): d = g_s, g_v = g_s ⊥ g per tensor
        double[] t0 = ref.params().toDoubles();
        double[] g0 = Fixtures.eval(ref, Loss.CROSS_ENTROPY, data).grad().toDoubles();
        double[] gs0 = Fixtures.direction(sam, ref, Loss.CROSS_ENTROPY, data, 0);
        double[] gv = orthogonal(gs0, g0, b);
        double[] t1 = EveryTest.axpy(t0, -LR, gs0);
        // step 1 (between): d = g + α (‖g‖/‖g_v‖) g_v per tensor
        ref.params().setFromDoubles(t1);
        double[] g1 = Fixtures.eval(ref, Loss.CROSS_ENTROPY, data).grad().toDoubles();
        double[] d1 = between(g1, gv, alpha, b, false);
        assertTrue(Fixtures.maxAbsDiff(d1, between(g1, gv, alpha, b, true)) > 1e-6, "per-tensor and global norms differ here");
        double[] t2 = EveryTest.axpy(t1, -LR, d1);
        // step 2 (full) again
        ref.params().setFromDoubles(t2);
        double[] g2 = Fixtures.eval(ref, Loss.CROSS_ENTROPY, data).grad().toDoubles();
        double[] gs2 = Fixtures.direction(sam, ref, Loss.CROSS_ENTROPY, data, 0);
        double[] t3 = EveryTest.axpy(t2, -LR, gs2);

        Net net = net();
        Trainer t = new Trainer(net, Loss.CROSS_ENTROPY, cfg(new Every(sam, 2, Every.Reuse.LOOKSAM, alpha), 3));
        t.fit(data, null, Trainer.Listener.NONE);
        assertArrayEquals(t3, net.params().toDoubles(), 1e-12);
        assertArrayEquals(orthogonal(gs2, g2, b), t.kept().toDoubles(), 1e-12, "the g_v of the last full step");
    }

    @Test
    void withKEqualToOneItIsSamBitForBit() {
        Net a = net();
        Net c = net();
        new Trainer(a, Loss.CROSS_ENTROPY, cfg(new Every(new Sam(0.3), 1, Every.Reuse.LOOKSAM, 0.7), 4)).fit(data, null, Trainer.Listener.NONE);
        new Trainer(c, Loss.CROSS_ENTROPY, cfg(new Sam(0.3), 4)).fit(data, null, Trainer.Listener.NONE);
        assertArrayEquals(c.params().toDoubles(), a.params().toDoubles(), 0.0);
    }

    @Test
    void modesParseTheOldSwitchAndRefuseWhatCannotWork() {
        assertEquals(Every.Reuse.DIFFERENCE, Every.Reuse.parse("true"));
        assertEquals(Every.Reuse.NONE, Every.Reuse.parse("false"));
        assertEquals(Every.Reuse.LOOKSAM, Every.Reuse.parse("looksam"));
        assertEquals(new Every(new Sam(0.1), 3, true), Methods.every(new Sam(0.1), 3, true));
        assertEquals(new Every(new Sam(0.1), 3, Every.Reuse.LOOKSAM, 0.7), Methods.every(new Sam(0.1), 3, Every.Reuse.LOOKSAM, 0.7));
        assertEquals("sam(rho=0.1) every 3 steps, reusing LookSAM's g_v between (alpha=0.7)",
                new Every(new Sam(0.1), 3, Every.Reuse.LOOKSAM, 0.7).describe());
        assertEquals("--reuse: unknown mode 'all': expected difference or looksam",
                assertThrows(GradregException.class, () -> Every.Reuse.parse("all")).getMessage());
        assertEquals("--reuse looksam reads --alpha, which gsam reads too: use one of them",
                assertThrows(GradregException.class, () -> Methods.every(new Gsam(0.1, 0.1), 3, Every.Reuse.LOOKSAM, 0.7)).getMessage());
        assertEquals("--alpha (looksam) must be >= 0, got -1.0",
                assertThrows(GradregException.class, () -> Methods.every(new Sam(0.1), 3, Every.Reuse.LOOKSAM, -1)).getMessage());
        assertEquals("--reuse needs --every K with K >= 2 (with K = 1 every step is a full step)",
                assertThrows(GradregException.class, () -> Methods.every(new Sam(0.1), 1, Every.Reuse.LOOKSAM, 0.7)).getMessage());
    }
}
