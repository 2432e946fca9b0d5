package io.gradreg.train;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.GradregException;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.method.Every;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.InputPenalty;
import io.gradreg.method.Loss;
import io.gradreg.method.Method;
import io.gradreg.method.Plain;
import io.gradreg.method.Sam;
import io.gradreg.method.Scheduled;
import io.gradreg.method.StrengthSchedule;
import io.gradreg.method.SecondOrder;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Net;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Two data-parallel workers on loopback (threads here, Gloo over TCP) end where one process on the whole batch ends. */
class DataParallelTest {
    final Dataset data = Synthetic.blobs(45, 5, 3, 1.0, 2, DType.FLOAT64);

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    double[] worker(Net net, Method m, int port, int rank, int world, int accumulate) {
        DataParallel dp = DataParallel.connect("127.0.0.1", port, rank, world, Duration.ofSeconds(30));
        Trainer t = new Trainer(net, Loss.CROSS_ENTROPY, TrainConfig.of(m, 0.1, 2, 16, 1)
                .withOptimizer(new OptimizerSpec(OptimizerSpec.Kind.SGD, 0.1, 0.9, false, 0)).withAccumulate(accumulate), dp);
        t.fit(data, null, Trainer.Listener.NONE);
        return net.params().toDoubles();
    }

    @Test
    void twoWorkersMatchOneProcessForEveryMethod() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (Method m : new Method[] {new Plain(), new GradientRegularization(0.1, 0, SecondOrder.EXACT, false),
                    new GradientRegularization(0.1, 0.01, SecondOrder.FORWARD, false), new Sam(0.05),
                    new InputPenalty(InputPenalty.Kind.DOUBLEBACK, 0.1, SecondOrder.EXACT, 0.01, 0),
                    // --every/--reuse with a schedule: the kept component is the whole batch's (for the input
                    // penalty, g is all-reduced on full steps too)
                    new Every(new Scheduled(new Sam(0.05), StrengthSchedule.parse("--rho-schedule", "warmup:3")), 2, true),
                    new Every(new InputPenalty(InputPenalty.Kind.DOUBLEBACK, 0.1, SecondOrder.FORWARD, 0.01, 0), 3, true)}) {
                Net ref = Fixtures.mlp(10, Activation.TANH, 5, 7, 3);
                new Trainer(ref, Loss.CROSS_ENTROPY, TrainConfig.of(m, 0.1, 2, 16, 1)
                        .withOptimizer(new OptimizerSpec(OptimizerSpec.Kind.SGD, 0.1, 0.9, false, 0))).fit(data, null, Trainer.Listener.NONE);
                int port = freePort();
                // 45 samples in batches of 16: the last batch (13) splits 6 / 7; each worker also accumulates 2 micro-batches
                // Built here, one after the other: libtorch's generator is global, so concurrent inits would race.
                // Rank 1 starts from other weights: rank 0's are broadcast.
                Net n0 = Fixtures.mlp(10, Activation.TANH, 5, 7, 3);
                Net n1 = Fixtures.mlp(11, Activation.TANH, 5, 7, 3);
                Future<double[]> r0 = pool.submit(() -> worker(n0, m, port, 0, 2, 2));
                Future<double[]> r1 = pool.submit(() -> worker(n1, m, port, 1, 2, 2));
                assertArrayEquals(ref.params().toDoubles(), r0.get(120, TimeUnit.SECONDS), 1e-10, m.describe() + " rank 0");
                assertArrayEquals(ref.params().toDoubles(), r1.get(120, TimeUnit.SECONDS), 1e-10, m.describe() + " rank 1");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void twoWorkersWithUnlabeledInputsMatchOneProcess() throws Exception {
        // frobreg on unlabeled inputs: deterministic, so the only thing under test is how the labeled and the
        // unlabeled batch are cut across workers and micro-batches (libtorch's generator is global, so a random
        // projection would race between these two threads; separate processes do not share it).
        Dataset unlabeled = Synthetic.blobs(30, 5, 3, 1.0, 8, DType.FLOAT64);
        Method m = new InputPenalty(InputPenalty.Kind.FROBREG, 0.2, SecondOrder.EXACT, 0.01, 0);
        Net ref = Fixtures.mlp(10, Activation.TANH, 5, 7, 3);
        new Trainer(ref, Loss.CROSS_ENTROPY, TrainConfig.of(m, 0.1, 2, 16, 1)).fit(new Trainer.Data(data, null, unlabeled.x(), null), Trainer.Listener.NONE);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            int port = freePort();
            Net n0 = Fixtures.mlp(10, Activation.TANH, 5, 7, 3);
            Net n1 = Fixtures.mlp(11, Activation.TANH, 5, 7, 3);
            Future<double[]> r0 = pool.submit(() -> unlabeledWorker(n0, m, unlabeled, port, 0));
            Future<double[]> r1 = pool.submit(() -> unlabeledWorker(n1, m, unlabeled, port, 1));
            assertArrayEquals(ref.params().toDoubles(), r0.get(120, TimeUnit.SECONDS), 1e-10, "rank 0");
            assertArrayEquals(ref.params().toDoubles(), r1.get(120, TimeUnit.SECONDS), 1e-10, "rank 1");
        } finally {
            pool.shutdownNow();
        }
    }

    double[] unlabeledWorker(Net net, Method m, Dataset unlabeled, int port, int rank) {
        DataParallel dp = DataParallel.connect("127.0.0.1", port, rank, 2, Duration.ofSeconds(30));
        Trainer t = new Trainer(net, Loss.CROSS_ENTROPY, TrainConfig.of(m, 0.1, 2, 16, 1).withAccumulate(2), dp);
        t.fit(new Trainer.Data(data, null, unlabeled.x(), null), Trainer.Listener.NONE);
        return net.params().toDoubles();
    }

    @Test
    void anUnreachableMasterEndsWithAMessageWithinTheTimeout() throws Exception {
        int port = freePort();
        long t0 = System.nanoTime();
        GradregException e = assertThrows(GradregException.class,
                () -> DataParallel.connect("127.0.0.1", port, 1, 2, Duration.ofSeconds(3)));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(e.getMessage().startsWith("data-parallel worker 1 could not join the group at 127.0.0.1:" + port + " within 3 s: "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        assertTrue(seconds < 30, "gave up after " + seconds + " s");
    }
}
