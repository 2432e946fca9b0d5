package io.gradreg.method;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Net;
import io.gradreg.train.DataParallel;
import io.gradreg.train.TrainConfig;
import io.gradreg.train.Trainer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * FriendlySAM (its kept moving average), WSAM (its part outside the optimizer), m-sharpness and
 * LookSAM (its kept g_v) under gradient accumulation and over two data-parallel workers end where
 * one process on the unsplit batch ends, float64, to 1e-10 after training, as every method does.
 */
class SamFamilyStateShardsTest {
    static Map<String, Method> methods(int group) {
        Map<String, Method> m = new LinkedHashMap<>();
        m.put("fsam", new FriendlySam(0.1, 0.8, 0.6));
        m.put("fsam warm-up every 2", new Every(new Scheduled(new FriendlySam(0.1, 1, 0.6), StrengthSchedule.parse("r", "warmup:3")), 2, false));
        m.put("wsam decoupled", new Wsam(0.1, 0.8, true));
        m.put("wsam combined", new Wsam(0.1, 0.8, false));
        m.put("sam per group", new Grouped(new Sam(0.1), group));
        m.put("asam per group", new Grouped(new Asam(0.5, 0.01), group));
        m.put("gr forward per group", new Grouped(new GradientRegularization(0.2, 0.03, SecondOrder.FORWARD, false), group));
        m.put("looksam", new Every(new Sam(0.1), 2, Every.Reuse.LOOKSAM, 0.7));
        return m;
    }

    @Test
    void accumulationGivesTheUnsplitRun() {
        // Batches of 16 in 3 micro-batches (5, 5, 6): groups of 3 span micro-batches.
        Dataset d = Synthetic.blobs(40, 5, 3, 1.0, 2, DType.FLOAT64);
        for (var e : methods(3).entrySet()) {
            Net a = Fixtures.mlp(5, Activation.TANH, 5, 7, 3);
            Net b = Fixtures.mlp(5, Activation.TANH, 5, 7, 3);
            TrainConfig c = SamFamilyShardsTest.config(e.getValue());
            Trainer ta = new Trainer(a, Loss.CROSS_ENTROPY, c);
            ta.fit(d, null, Trainer.Listener.NONE);
            Trainer tb = new Trainer(b, Loss.CROSS_ENTROPY, c.withAccumulate(3));
            tb.fit(d, null, Trainer.Listener.NONE);
            assertArrayEquals(a.params().toDoubles(), b.params().toDoubles(), 1e-10, e.getKey());
            if (ta.kept() != null) {
                assertArrayEquals(ta.kept().toDoubles(), tb.kept().toDoubles(), 1e-10, e.getKey() + " kept state");
            }
        }
    }

    @Test
    void twoWorkersWithAccumulationEndWhereOneProcessEnds() throws Exception {
        // 33 samples in batches of 16: parts of 8 per worker (groups of 4 fit them), micro-batches of 4; the last
        // batch has one sample, so one worker has none.
        Dataset data = Synthetic.blobs(33, 5, 3, 1.0, 2, DType.FLOAT64);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (var e : methods(4).entrySet()) {
                Method m = e.getValue();
                Net ref = Fixtures.mlp(10, Activation.TANH, 5, 7, 3);
                Trainer one = new Trainer(ref, Loss.CROSS_ENTROPY, SamFamilyShardsTest.config(m));
                one.fit(data, null, Trainer.Listener.NONE);
                int port = SamFamilyShardsTest.freePort();
                Net n0 = Fixtures.mlp(10, Activation.TANH, 5, 7, 3);
                Net n1 = Fixtures.mlp(10, Activation.TANH, 5, 7, 3);
                Future<double[][]> r0 = pool.submit(() -> worker(data, n0, m, port, 0));
                Future<double[][]> r1 = pool.submit(() -> worker(data, n1, m, port, 1));
                for (double[][] r : new double[][][] {r0.get(120, TimeUnit.SECONDS), r1.get(120, TimeUnit.SECONDS)}) {
                    assertArrayEquals(ref.params().toDoubles(), r[0], 1e-10, e.getKey());
                    if (one.kept() != null) {
                        assertArrayEquals(one.kept().toDoubles(), r[1], 1e-10, e.getKey() + " kept state");
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    static double[][] worker(Dataset data, Net net, Method m, int port, int rank) {
        DataParallel dp = DataParallel.connect("127.0.0.1", port, rank, 2, Duration.ofSeconds(30));
        Trainer t = new Trainer(net, Loss.CROSS_ENTROPY, SamFamilyShardsTest.config(m).withAccumulate(2), dp);
        t.fit(data, null, Trainer.Listener.NONE);
        return new double[][] {net.params().toDoubles(), t.kept() == null ? null : t.kept().toDoubles()};
    }
}
