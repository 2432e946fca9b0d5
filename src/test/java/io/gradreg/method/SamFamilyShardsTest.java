package io.gradreg.method;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Net;
import io.gradreg.train.DataParallel;
import io.gradreg.train.OptimizerSpec;
import io.gradreg.train.TrainConfig;
import io.gradreg.train.Trainer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The SAM family of methods.md section 2b over a batch split into shards (gradient accumulation) and
 * over two data-parallel workers gives the unsplit batch's direction, float64, as {@link ShardsTest}
 * checks for the older methods. ESAM's data selection included: it is made over the whole batch.
 */
class SamFamilyShardsTest {
    final Dataset batch = Synthetic.blobs(13, 5, 3, 1.0, 4, DType.FLOAT64);

    static Map<String, Method> methods() {
        Map<String, Method> m = new LinkedHashMap<>();
        m.put("gsam", new Gsam(0.1, 0.3));
        m.put("fishersam", new FisherSam(0.1, 4));
        m.put("gnp", new Gnp(0.7, 0.1));
        m.put("esam swp+sds", new Esam(0.1, 0.6, 0.5));
        m.put("esam sds", new Esam(0.1, 1, 0.3));
        m.put("esam swp", new Esam(0.1, 0.6, 1));
        m.put("sam weights", new Sam(0.1, PerturbationFilter.WEIGHTS));
        m.put("asam weights", new Asam(0.5, 0.01, PerturbationFilter.WEIGHTS));
        m.put("gr exact weights", new GradientRegularization(0.2, 0, SecondOrder.EXACT, false, PerturbationFilter.WEIGHTS));
        m.put("gr central normalized weights", new GradientRegularization(0.2, 0.03, SecondOrder.CENTRAL, true, PerturbationFilter.WEIGHTS));
        return m;
    }

    /** A batch seed whose ESAM mask keeps some but not all of the model's 4 tensors (so the test sees a real mask). */
    static long partialMaskSeed() {
        for (long s = 0; ; s++) {
            boolean[] m = Esam.mask(s, 4, 0.6);
            if (!Arrays.equals(m, new boolean[] {true, true, true, true}) && !Arrays.equals(m, new boolean[4])) {
                return s;
            }
        }
    }

    List<Oracle> shards(Net net, long seed, int... sizes) {
        List<Oracle> out = new ArrayList<>();
        long from = 0;
        for (int s : sizes) {
            Dataset part = batch.slice(from, from + s);
            out.add(new Oracle(net, Loss.CROSS_ENTROPY, part.x(), part.y(), seed));
            from += s;
        }
        assertEquals(batch.size(), from);
        return out;
    }

    @Test
    void everyVariantGivesTheUnsplitDirectionOverUnevenShards() {
        Net net = Fixtures.mlp(3, Activation.TANH, 5, 7, 3);
        long seed = partialMaskSeed();
        for (var e : methods().entrySet()) {
            Update whole = e.getValue().direction(new Oracle(net, Loss.CROSS_ENTROPY, batch.x(), batch.y(), seed));
            double[] d = whole.direction().toDoubles();
            double scale = Math.max(1, Fixtures.maxAbs(d));
            for (int[] sizes : new int[][] {{13}, {6, 7}, {4, 1, 8}, {3, 3, 3, 4}}) {
                Update split = Shards.direction(e.getValue(), net, shards(net, seed, sizes), batch.size(), Reducer.LOCAL);
                double[] s = split.direction().toDoubles();
                for (int i = 0; i < d.length; i++) {
                    assertEquals(d[i], s[i], 1e-12 * scale, e.getKey() + " " + Arrays.toString(sizes) + " at " + i);
                }
                assertEquals(whole.loss(), split.loss(), 1e-12, e.getKey());
                assertArrayEquals(whole.grad().toDoubles(), split.grad().toDoubles(), 1e-12, e.getKey() + " g");
            }
        }
    }

    @Test
    void esamSelectsOverTheWholeBatchNotWithinEachShard() {
        // Were rows selected within each shard, the split {4, 1, 8} would keep ⌊0.3·4⌋ + ⌊0.3·1⌋ + ⌊0.3·8⌋ = 3 rows of
        // shard-wise choice instead of the batch's 3 largest rises; the result would depend on the split.
        Net net = Fixtures.mlp(3, Activation.TANH, 5, 7, 3);
        Method esam = new Esam(0.5, 1, 0.3);
        double[] whole = esam.direction(new Oracle(net, Loss.CROSS_ENTROPY, batch.x(), batch.y(), 0)).direction().toDoubles();
        ShardedOracle o = new ShardedOracle(net, shards(net, 0, 4, 1, 8), new double[] {4 / 13.0, 1 / 13.0, 8 / 13.0}, Reducer.LOCAL);
        Oracle.Eval e = o.evalSamples();
        double[] rise = o.lossesAt(e.grad(), 0.5 / e.grad().norm());
        for (int i = 0; i < rise.length; i++) {
            rise[i] -= e.losses()[i];
        }
        boolean[] keep = o.largest(rise, 0.3);
        assertEquals(3, RowSelection.indices(keep).length);
        boolean[] perShard = new boolean[13];
        int[][] parts = {{0, 4}, {4, 5}, {5, 13}};
        for (int[] p : parts) {
            double[] r = Arrays.copyOfRange(rise, p[0], p[1]);
            boolean[] k = RowSelection.largest(r, 0.3, x -> x);
            System.arraycopy(k, 0, perShard, p[0], k.length);
        }
        assertFalse(Arrays.equals(keep, perShard), "this batch tells the two rules apart");
        assertArrayEquals(whole, o.gradAt(e.grad(), 0.5 / e.grad().norm(), keep).toDoubles(), 1e-12);
        assertArrayEquals(whole, Shards.direction(esam, net, shards(net, 0, 4, 1, 8), 13, Reducer.LOCAL).direction().toDoubles(), 1e-12);
    }

    @Test
    void esamDataSelectionIsRefusedWithBatchNormAcrossWorkers() {
        io.gradreg.engine.Engine.seed(3);
        Net bn = new io.gradreg.nn.Mlp(new int[] {5, 6, 3}, Activation.TANH, 0, true).to(DType.FLOAT64);
        Reducer twoWorkers = new Reducer() { // stands for an all-reduce: only its identity matters here
            @Override
            public io.gradreg.engine.TensorList sum(io.gradreg.engine.TensorList local) {
                return local;
            }

            @Override
            public double sum(double local) {
                return local;
            }
        };
        io.gradreg.GradregException e = assertThrows(io.gradreg.GradregException.class,
                () -> Shards.direction(new Esam(0.1, 1, 0.5), bn, shards(bn, 0, 13), 13, twoWorkers));
        assertTrue(e.getMessage().startsWith("a data selection (esam with gamma < 1) does not work with batch norm across workers"));
        // Without the selection, or in one process, it runs.
        Shards.direction(new Esam(0.1, 0.5, 1), bn, shards(bn, 0, 13), 13, twoWorkers);
        Shards.direction(new Esam(0.1, 1, 0.5), bn, shards(bn, 0, 6, 7), 13, Reducer.LOCAL);
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static TrainConfig config(Method m) {
        // 33 samples in batches of 16: the last batch has one sample, so one worker has none (and, with
        // accumulation, one of the other worker's micro-batches is empty too).
        return TrainConfig.of(m, 0.1, 2, 16, 1).withOptimizer(new OptimizerSpec(OptimizerSpec.Kind.SGD, 0.1, 0.9, false, 0));
    }

    @Test
    void twoWorkersWithAccumulationEndWhereOneProcessEnds() throws Exception {
        Dataset data = Synthetic.blobs(33, 5, 3, 1.0, 2, DType.FLOAT64);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (var e : methods().entrySet()) {
                Method m = e.getValue();
                Net ref = Fixtures.mlp(10, Activation.TANH, 5, 7, 3);
                new Trainer(ref, Loss.CROSS_ENTROPY, config(m)).fit(data, null, Trainer.Listener.NONE);
                int port = freePort();
                Net n0 = Fixtures.mlp(10, Activation.TANH, 5, 7, 3); // built before the threads: libtorch's generator is global
                Net n1 = Fixtures.mlp(10, Activation.TANH, 5, 7, 3);
                Future<double[]> r0 = pool.submit(() -> worker(data, n0, m, port, 0));
                Future<double[]> r1 = pool.submit(() -> worker(data, n1, m, port, 1));
                assertArrayEquals(ref.params().toDoubles(), r0.get(120, TimeUnit.SECONDS), 1e-10, e.getKey() + " rank 0");
                assertArrayEquals(ref.params().toDoubles(), r1.get(120, TimeUnit.SECONDS), 1e-10, e.getKey() + " rank 1");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    static double[] worker(Dataset data, Net net, Method m, int port, int rank) {
        DataParallel dp = DataParallel.connect("127.0.0.1", port, rank, 2, Duration.ofSeconds(30));
        new Trainer(net, Loss.CROSS_ENTROPY, config(m).withAccumulate(2), dp).fit(data, null, Trainer.Listener.NONE);
        return net.params().toDoubles();
    }
}
