package io.gradreg.method;

import static io.gradreg.method.HandLinear.*;
import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.GradregException;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Net;
import io.gradreg.train.DataParallel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * m-sharpness ({@link Grouped}, methods.md section 2b), float64: SAM, ASAM and forward GR per group
 * of m samples against hand computations on f = W x + b (groups of 4, 4 and 2 in a batch of 10),
 * m equal to the batch as the method itself, groups spanning micro-batches exactly, and the rule
 * with two workers: groups are cut in each worker's part, never across workers.
 */
class MSharpnessTest {
    final HandLinear lin = new HandLinear(10, 3, 2, 5);
    final Net net = Fixtures.mlp(11, Activation.RELU, 3, 2);
    final double[] theta = net.params().toDoubles();

    double[] direction(Method m) {
        return Fixtures.direction(m, net, Loss.SQUARED_ERROR, lin.data, 0);
    }

    static int[] rows(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }

    /** Σ_j (n_j / 10) step(group j) over the groups [0, 4), [4, 8), [8, 10). */
    double[] perGroup(java.util.function.Function<int[], double[]> step) {
        double[] d = new double[lin.size()];
        for (int[] g : new int[][] {rows(0, 4), rows(4, 8), rows(8, 10)}) {
            d = axpy(g.length / 10.0, step.apply(g), d);
        }
        return d;
    }

    @Test
    void samTakesOneAscentPerGroupFromTheGroupsGradient() {
        double rho = 0.4;
        double[] expected = perGroup(r -> {
            double[] g = lin.grad(theta, r);
            return lin.grad(axpy(rho / norm(g), g, theta), r);
        });
        assertArrayEquals(expected, direction(new Grouped(new Sam(rho), 4)), 1e-12);
        assertTrue(Fixtures.maxAbsDiff(expected, direction(new Sam(rho))) > 1e-4, "groups of 4 are not SAM");
        assertArrayEquals(theta, net.params().toDoubles(), 0.0, "parameters restored");
    }

    @Test
    void asamAndForwardGrRunPerGroupToo() {
        double rho = 0.5;
        double eta = 0.01;
        double[] t = new double[theta.length]; // ASAM's T: |θ| + η on the weight, 1 on the bias (the last 2 entries)
        for (int i = 0; i < t.length; i++) {
            t[i] = i < lin.k * lin.d ? Math.abs(theta[i]) + eta : 1;
        }
        double[] asam = perGroup(r -> {
            double[] g = lin.grad(theta, r);
            double[] tg = new double[g.length];
            double[] ttg = new double[g.length];
            for (int i = 0; i < g.length; i++) {
                tg[i] = t[i] * g[i];
                ttg[i] = t[i] * tg[i];
            }
            return lin.grad(axpy(rho / norm(tg), ttg, theta), r);
        });
        assertArrayEquals(asam, direction(new Grouped(new Asam(rho, eta), 4)), 1e-12);
        double gamma = 0.2;
        double eps = 0.05;
        double[] gr = perGroup(r -> {
            double[] g = lin.grad(theta, r);
            return axpy(gamma / eps, axpy(-1, g, lin.grad(axpy(eps, g, theta), r)), g);
        });
        assertArrayEquals(gr, direction(new Grouped(new GradientRegularization(gamma, eps, SecondOrder.FORWARD, false), 4)), 1e-12);
    }

    @Test
    void groupsOfTheWholeBatchAreTheMethodItselfBitForBit() {
        for (int m : new int[] {10, 64}) {
            assertArrayEquals(direction(new Sam(0.4)), direction(new Grouped(new Sam(0.4), m)), 0.0);
        }
        Dataset batch = Synthetic.blobs(13, 5, 3, 1.0, 4, DType.FLOAT64);
        Net mlp = Fixtures.mlp(3, Activation.TANH, 5, 7, 3);
        double[] sam = Shards.direction(new Sam(0.1), mlp, shards(mlp, batch, 4, 9), 13, Reducer.LOCAL).direction().toDoubles();
        double[] grouped = Shards.direction(new Grouped(new Sam(0.1), 13), mlp, shards(mlp, batch, 4, 9), 13, Reducer.LOCAL).direction().toDoubles();
        assertArrayEquals(sam, grouped, 0.0, "one group over two micro-batches");
    }

    static List<Oracle> shards(Net net, Dataset batch, int... sizes) {
        List<Oracle> out = new ArrayList<>();
        long from = 0;
        for (int s : sizes) {
            Dataset part = batch.slice(from, from + s);
            out.add(new Oracle(net, Loss.CROSS_ENTROPY, part.x(), part.y(), 0));
            from += s;
        }
        return out;
    }

    @Test
    void groupsSpanningMicroBatchesGiveTheUnsplitDirection() {
        Dataset batch = Synthetic.blobs(13, 5, 3, 1.0, 4, DType.FLOAT64);
        Net mlp = Fixtures.mlp(3, Activation.TANH, 5, 7, 3);
        for (Method m : new Method[] {new Grouped(new Sam(0.1), 3), new Grouped(new Asam(0.5, 0.01), 4),
                new Grouped(new GradientRegularization(0.2, 0.03, SecondOrder.FORWARD, true), 5)}) {
            Update whole = m.direction(new Oracle(mlp, Loss.CROSS_ENTROPY, batch.x(), batch.y(), 0));
            for (int[] sizes : new int[][] {{6, 7}, {4, 1, 8}, {3, 3, 3, 4}}) {
                Update split = Shards.direction(m, mlp, shards(mlp, batch, sizes), 13, Reducer.LOCAL);
                assertArrayEquals(whole.direction().toDoubles(), split.direction().toDoubles(), 1e-12, m.describe());
                assertArrayEquals(whole.grad().toDoubles(), split.grad().toDoubles(), 1e-12, m.describe() + " g");
                assertEquals(whole.loss(), split.loss(), 1e-12);
            }
        }
    }

    @Test
    void withTwoWorkersGroupsAreCutInEachWorkersPart() throws Exception {
        // A batch of 16 on two workers: parts [0, 8) and [8, 16). Groups of 3 cut in each part are
        // [0,3) [3,6) [6,8) | [8,11) [11,14) [14,16); one process would cut [0,3) ... [12,15) [15,16).
        Dataset batch = Synthetic.blobs(16, 5, 3, 1.0, 6, DType.FLOAT64);
        Method m = new Grouped(new Sam(0.1), 3);
        Net n0 = Fixtures.mlp(3, Activation.TANH, 5, 7, 3); // built before the threads: libtorch's generator is global
        Net n1 = Fixtures.mlp(3, Activation.TANH, 5, 7, 3);
        double[] expected = new double[(int) n0.numParams()];
        for (int[] g : new int[][] {{0, 3}, {3, 6}, {6, 8}, {8, 11}, {11, 14}, {14, 16}}) {
            Dataset part = batch.slice(g[0], g[1]);
            double[] d = new Sam(0.1).direction(new Oracle(n0, Loss.CROSS_ENTROPY, part.x(), part.y(), 0)).direction().toDoubles();
            expected = axpy((g[1] - g[0]) / 16.0, d, expected);
        }
        double[] oneProcess = m.direction(new Oracle(n0, Loss.CROSS_ENTROPY, batch.x(), batch.y(), 0)).direction().toDoubles();
        assertTrue(Fixtures.maxAbsDiff(expected, oneProcess) > 1e-6, "the two cuts differ on this batch");
        int port = SamFamilyShardsTest.freePort();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            // Worker 0 accumulates its part in micro-batches of 5 and 3: its group [3, 6) spans both.
            Future<double[]> r0 = pool.submit(() -> worker(m, n0, port, 0, shards(n0, batch.slice(0, 8), 5, 3)));
            Future<double[]> r1 = pool.submit(() -> worker(m, n1, port, 1, shards(n1, batch.slice(8, 16), 8)));
            assertArrayEquals(expected, r0.get(120, TimeUnit.SECONDS), 1e-12, "rank 0");
            assertArrayEquals(expected, r1.get(120, TimeUnit.SECONDS), 1e-12, "rank 1");
        } finally {
            pool.shutdownNow();
        }
    }

    static double[] worker(Method m, Net net, int port, int rank, List<Oracle> shards) {
        DataParallel dp = DataParallel.connect("127.0.0.1", port, rank, 2, Duration.ofSeconds(30));
        return Shards.direction(m, net, shards, 16, dp).direction().toDoubles();
    }

    @Test
    void theFlagAppliesToSamAsamAndForwardGrOnly() {
        Methods.Options o = Methods.Options.defaults().withSamGroup(8);
        assertEquals(new Grouped(new Sam(0.05), 8), Methods.build("sam", o));
        assertEquals(new Grouped(new Asam(0.05, 0.01), 8), Methods.build("asam", o));
        assertEquals("gr(forward, gamma=0.1, eps=0.01) per group of 8 samples", Methods.build("gr", o).describe());
        assertEquals("--sam-group applies to sam, asam and gr with --second-order forward, not to gr(exact, gamma=0.1)",
                assertThrows(GradregException.class, () -> Methods.build("gr", o.withSecondOrder(SecondOrder.EXACT))).getMessage());
        assertEquals("--sam-group applies to sam, asam and gr with --second-order forward, not to gsam(rho=0.05, alpha=0.1)",
                assertThrows(GradregException.class, () -> Methods.build("gsam", o)).getMessage());
        assertEquals("--sam-group must be >= 1 samples (0 = off), got -2",
                assertThrows(GradregException.class, () -> Methods.build("sam", o.withSamGroup(-2))).getMessage());
        // its strength is the base method's, so schedules apply
        Method s = Methods.scheduled(Methods.build("sam", o), StrengthSchedule.parse("--rho-schedule", "warmup:4"),
                StrengthSchedule.CONSTANT, StrengthSchedule.CONSTANT);
        assertEquals(new Grouped(new Sam(0.025), 8), s.at(new Step(2, 10, 1)));
    }
}
