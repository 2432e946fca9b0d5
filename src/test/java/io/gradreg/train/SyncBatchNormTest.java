package io.gradreg.train;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.GradregException;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.engine.TensorList;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.InputPenalty;
import io.gradreg.method.Loss;
import io.gradreg.method.Method;
import io.gradreg.method.Oracle;
import io.gradreg.method.Plain;
import io.gradreg.method.Reducer;
import io.gradreg.method.Sam;
import io.gradreg.method.SecondOrder;
import io.gradreg.method.ShardedOracle;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Mlp;
import io.gradreg.nn.Net;
import io.gradreg.nn.SmallCnn;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * --sync-batchnorm: two data-parallel workers on loopback (threads, Gloo over TCP) normalize with
 * the whole batch's statistics, and their gradients, trajectories and running statistics are the
 * unsplit batch's, in float64 to 1e-10.
 */
class SyncBatchNormTest {
    static final ExecutorService POOL = Executors.newFixedThreadPool(2);

    static {
        Fixtures.mlp(0, Activation.TANH, 1, 1); // starts the engine
    }

    @AfterAll
    static void stop() {
        POOL.shutdownNow();
    }

    static Net bnMlp(long seed) {
        Engine.seed(seed);
        return new Mlp(new int[] {5, 7, 6, 3}, Activation.TANH, 0, true).to(DType.FLOAT64);
    }

    static Net bnCnn(long seed) {
        Engine.seed(seed);
        return new SmallCnn(2, 4, 4, 3, Activation.TANH, 0).to(DType.FLOAT64);
    }

    /** Loss, gradient and the running statistics after one training-mode evaluation. */
    record Result(double loss, double[] grad, double[] buffers) {}

    static Result evaluate(Net net, Dataset batch, long total, DataParallel dp) {
        net.train(true);
        Oracle o = new Oracle(net, Loss.CROSS_ENTROPY, batch.x(), batch.y(), 7);
        Oracle.Eval e = dp == null ? o.eval(false)
                : new ShardedOracle(net, List.of(o), new double[] {(double) batch.size() / total}, dp).eval(false);
        return new Result(e.loss(), e.grad().toDoubles(), net.buffers_().toDoubles());
    }

    static Result[] twoWorkers(Supplier<Net> model, Dataset data, long split) throws Exception {
        int port = DataParallelTest.freePort();
        Net n0 = model.get();
        Net n1 = model.get();
        Future<Result> r0 = POOL.submit(() -> worker(n0, data.slice(0, split), data.size(), port, 0));
        Future<Result> r1 = POOL.submit(() -> worker(n1, data.slice(split, data.size()), data.size(), port, 1));
        return new Result[] {r0.get(120, TimeUnit.SECONDS), r1.get(120, TimeUnit.SECONDS)};
    }

    static Result worker(Net net, Dataset part, long total, int port, int rank) {
        DataParallel dp = DataParallel.connect("127.0.0.1", port, rank, 2, Duration.ofSeconds(30));
        net.syncBatchNorm(dp.batchSync());
        return evaluate(net, part, total, dp);
    }

    void assertGradientOfTheWholeBatch(Supplier<Net> model, Dataset data, long split) throws Exception {
        Result whole = evaluate(model.get(), data, data.size(), null);
        for (Result r : twoWorkers(model, data, split)) {
            assertEquals(whole.loss(), r.loss(), 1e-12);
            assertArrayEquals(whole.grad(), r.grad(), 1e-10);
            assertArrayEquals(whole.buffers(), r.buffers(), 1e-10, "running statistics");
        }
        // The check has teeth: each worker's own statistics give another loss and gradient.
        Result local = evaluate(model.get(), data.slice(0, split), split, null);
        assertTrue(Math.abs(local.loss() - whole.loss()) > 1e-3 || Fixtures.maxAbsDiff(local.grad(), whole.grad()) > 1e-3);
    }

    @Test
    void gradientThroughSynchronizedStatisticsIsTheUnsplitBatchsDense() throws Exception {
        // 13 samples split 5 / 8: unequal worker weights exercise the hook's rescaling.
        assertGradientOfTheWholeBatch(() -> bnMlp(3), Synthetic.blobs(13, 5, 3, 1.0, 4, DType.FLOAT64), 5);
    }

    @Test
    void gradientThroughSynchronizedStatisticsIsTheUnsplitBatchsConv() throws Exception {
        Dataset flat = Synthetic.blobs(11, 32, 3, 1.0, 5, DType.FLOAT64);
        Dataset images = new Dataset(flat.x().reshape(11, 2, 4, 4), flat.y(), 3);
        assertGradientOfTheWholeBatch(() -> bnCnn(8), images, 4);
    }

    double[] train(Net net, Method m, DataParallel dp) {
        Trainer t = new Trainer(net, Loss.CROSS_ENTROPY, TrainConfig.of(m, 0.1, 2, 16, 1)
                .withOptimizer(new OptimizerSpec(OptimizerSpec.Kind.SGD, 0.1, 0.9, false, 0)).withSyncBatchNorm(dp != null), dp);
        t.fit(Synthetic.blobs(45, 5, 3, 1.0, 2, DType.FLOAT64), null, Trainer.Listener.NONE);
        double[] p = net.params().toDoubles();
        double[] b = net.buffers_().toDoubles();
        double[] all = java.util.Arrays.copyOf(p, p.length + b.length);
        System.arraycopy(b, 0, all, p.length, b.length);
        return all;
    }

    @Test
    void twoWorkersTrainAsOneProcessForPlainSamAndForwardGr() throws Exception {
        for (Method m : new Method[] {new Plain(), new Sam(0.05), new GradientRegularization(0.1, 0.01, SecondOrder.FORWARD, false)}) {
            double[] ref = train(bnMlp(10), m, null);
            int port = DataParallelTest.freePort();
            // 45 samples in batches of 16: the last batch (13) splits 6 / 7. Rank 1 starts elsewhere: rank 0's weights are broadcast.
            Net n0 = bnMlp(10);
            Net n1 = bnMlp(11);
            Future<double[]> r0 = POOL.submit(() -> train(n0, m, DataParallel.connect("127.0.0.1", port, 0, 2, Duration.ofSeconds(30))));
            Future<double[]> r1 = POOL.submit(() -> train(n1, m, DataParallel.connect("127.0.0.1", port, 1, 2, Duration.ofSeconds(30))));
            assertArrayEquals(ref, r0.get(120, TimeUnit.SECONDS), 1e-10, m.describe() + " rank 0");
            assertArrayEquals(ref, r1.get(120, TimeUnit.SECONDS), 1e-10, m.describe() + " rank 1");
        }
    }

    double[] trainImages(Net net, DataParallel dp) {
        Trainer t = new Trainer(net, Loss.CROSS_ENTROPY, TrainConfig.of(new Sam(0.05), 0.1, 1, 10, 1).toBuilder().cropFlip(2)
                .syncBatchNorm(dp != null).build(), dp);
        Dataset flat = Synthetic.blobs(25, 32, 3, 1.0, 6, DType.FLOAT64);
        t.fit(new Dataset(flat.x().reshape(25, 2, 4, 4), flat.y(), 3), null, Trainer.Listener.NONE);
        double[] p = net.params().toDoubles();
        double[] b = net.buffers_().toDoubles();
        double[] all = java.util.Arrays.copyOf(p, p.length + b.length);
        System.arraycopy(b, 0, all, p.length, b.length);
        return all;
    }

    @Test
    void augmentedConvTrainingWithSamOnTwoWorkersIsTheUnsplitRun() throws Exception {
        // The batch is augmented once, before it is split: each worker normalizes its part with the whole batch's statistics.
        double[] ref = trainImages(bnCnn(12), null);
        int port = DataParallelTest.freePort();
        Net n0 = bnCnn(12);
        Net n1 = bnCnn(13);
        Future<double[]> r0 = POOL.submit(() -> trainImages(n0, DataParallel.connect("127.0.0.1", port, 0, 2, Duration.ofSeconds(30))));
        Future<double[]> r1 = POOL.submit(() -> trainImages(n1, DataParallel.connect("127.0.0.1", port, 1, 2, Duration.ofSeconds(30))));
        assertArrayEquals(ref, r0.get(120, TimeUnit.SECONDS), 1e-10);
        assertArrayEquals(ref, r1.get(120, TimeUnit.SECONDS), 1e-10);
    }

    @Test
    void combinationsThatCannotBeExactAreRefused() {
        TrainConfig plain = TrainConfig.of(new Plain(), 0.1, 1, 16, 0);
        GradregException acc = assertThrows(GradregException.class,
                () -> new Trainer(bnMlp(1), Loss.CROSS_ENTROPY, plain.withAccumulate(2).withSyncBatchNorm(true)));
        assertEquals("--sync-batchnorm does not work with --accumulate 2: micro-batches run one after another,"
                + " so the whole batch's statistics are not known when the first is normalized", acc.getMessage());
        for (Method m : new Method[] {new GradientRegularization(0.1, 0, SecondOrder.EXACT, false),
                new InputPenalty(InputPenalty.Kind.DOUBLEBACK, 0.1, SecondOrder.FORWARD, 0.01, 0)}) {
            GradregException e = assertThrows(GradregException.class,
                    () -> new Trainer(bnMlp(1), Loss.CROSS_ENTROPY, plain.withMethod(m).withSyncBatchNorm(true)));
            assertTrue(e.getMessage().startsWith("--sync-batchnorm does not work with " + m.describe()
                    + ": it differentiates a gradient again"), e.getMessage());
        }
    }

    @Test
    void aBatchThatLeavesAWorkerEmptyIsRefusedBeforeAnyCollective() throws Exception {
        int port = DataParallelTest.freePort();
        Net n0 = bnMlp(1);
        Net n1 = bnMlp(1);
        // 45 samples in batches of 22: the last batch has 1 sample for 2 workers.
        List<Future<GradregException>> r = List.of(0, 1).stream().map(rank -> POOL.submit(() -> {
            DataParallel dp = DataParallel.connect("127.0.0.1", port, rank, 2, Duration.ofSeconds(30));
            Trainer t = new Trainer(rank == 0 ? n0 : n1, Loss.CROSS_ENTROPY, TrainConfig.of(new Plain(), 0.1, 1, 22, 0).withSyncBatchNorm(true), dp);
            return assertThrows(GradregException.class, () -> t.fit(Synthetic.blobs(45, 5, 3, 1.0, 2, DType.FLOAT64), null, Trainer.Listener.NONE));
        })).toList();
        for (Future<GradregException> f : r) {
            assertEquals("--sync-batchnorm needs at least one sample per worker in every batch, but a batch of 1 samples"
                    + " (45 samples in batches of 22) leaves a worker of 2 without any; change --batch-size or --train-size",
                    f.get(120, TimeUnit.SECONDS).getMessage());
        }
    }
}
