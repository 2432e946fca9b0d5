package io.gradreg.train;

import io.gradreg.GradregException;
import io.gradreg.analysis.FullBatch;
import io.gradreg.data.Dataset;
import io.gradreg.data.Permutation;
import io.gradreg.engine.Engine;
import io.gradreg.engine.TensorList;
import io.gradreg.engine.Tensors;
import io.gradreg.method.Loss;
import io.gradreg.method.Oracle;
import io.gradreg.method.Reducer;
import io.gradreg.method.Shards;
import io.gradreg.method.Update;
import io.gradreg.nn.Net;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The training loop: batches, one {@link io.gradreg.method.Method} direction per batch, a libtorch
 * optimizer step, metrics per epoch. Every step runs inside its own native-memory scope, so memory
 * stays flat however many steps run; only parameters, buffers and optimizer state persist.
 *
 * <pre>{@code
 * Net net = Models.build("mlp:784-512-512-10", Models.Options.defaults(new long[] {784}, 10));
 * var cfg = TrainConfig.of(new GradientRegularization(0.1, 0.01, SecondOrder.FORWARD, false), 0.1, 10, 128, 0);
 * List<EpochMetrics> history = new Trainer(net, Loss.CROSS_ENTROPY, cfg).fit(train, test, Trainer.Listener.NONE);
 * }</pre>
 */
public final class Trainer {
    /** Receives progress; both methods are optional. */
    public interface Listener {
        Listener NONE = new Listener() {};

        default void onStep(long step, long totalSteps, int epoch, double loss) {}

        default void onEpoch(EpochMetrics metrics) {}
    }

    /** Loss and regularizer value of one step. */
    public record StepResult(double loss, double penalty) {}

    private final Net net;
    private final Loss loss;
    private final TrainConfig cfg;
    private final Optimizer optimizer;
    private volatile boolean stopRequested;
    private DataParallel parallel;
    private int evalEvery = 1;
    private Tensor unlabeled;
    // Where the run is: everything a checkpoint needs besides weights and optimizer state.
    private long step;
    private int epoch;
    private long stepInEpoch;
    private double epochLoss;
    private double epochPenalty;
    private long epochNanos;
    private final List<EpochMetrics> history = new ArrayList<>();

    public Trainer(Net net, Loss loss, TrainConfig cfg) {
        Engine.threads();
        this.net = net;
        this.loss = loss;
        this.cfg = cfg;
        this.optimizer = cfg.optimizer().build(net.params());
    }

    public Net net() {
        return net;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /**
     * Evaluates on the full training and test sets only after every {@code k}-th epoch and after
     * the last one; the other epochs record their batch loss, penalty and step time, with NaN for
     * the full-set metrics. Evaluation can cost more than the epoch itself on a small training set.
     */
    public Trainer evalEvery(int k) {
        if (k < 1) {
            throw new GradregException("evaluation interval must be >= 1 epoch, got " + k);
        }
        evalEvery = k;
        return this;
    }

    /**
     * Unlabeled inputs (U × the sample shape): beside each labeled batch of n samples, the input
     * penalty runs on n unlabeled ones instead of the labeled batch (see {@link #unlabeledIndices}).
     */
    public Trainer unlabeled(Tensor x) {
        if (x != null && x.size(0) < 1) {
            throw new GradregException("the unlabeled set is empty");
        }
        this.unlabeled = x;
        return this;
    }

    /**
     * The unlabeled samples beside the labeled batch of step {@code t}: positions t·B … t·B + n − 1
     * of an endless sequence of seeded permutations of the U unlabeled samples (a fresh permutation
     * per pass), so every unlabeled sample is used once per pass and a resumed run draws the same.
     */
    long[] unlabeledIndices(long t, int n) {
        long u = unlabeled.size(0);
        long[] idx = new long[n];
        long pass = -1;
        long[] perm = null;
        for (int j = 0; j < n; j++) {
            long q = t * cfg.batchSize() + j;
            if (q / u != pass) {
                pass = q / u;
                perm = Permutation.shuffled((int) u, new Random(mix(cfg.seed() * 0x2545F4914F6CDD1DL + 977 * pass + 1)));
            }
            idx[j] = perm[(int) (q % u)];
        }
        return idx;
    }

    /** Steps taken so far. */
    public long stepCount() {
        return step;
    }

    /**
     * How far training has got: steps and epochs done, the running sums of the current epoch, and
     * the metrics of every finished epoch. With the weights and the optimizer state, this is all
     * a run needs to continue bit-identically (batch order and dropout masks derive from the seed
     * and the step).
     */
    public record Position(long step, int epoch, long stepInEpoch, double epochLoss, double epochPenalty,
            long epochNanos, List<EpochMetrics> history) {
        public Position {
            history = List.copyOf(history);
        }
    }

    /** The current {@link Position}. */
    public Position position() {
        return new Position(step, epoch, stepInEpoch, epochLoss, epochPenalty, epochNanos, history);
    }

    /** Continues from {@code p}, e.g. one read from a checkpoint. */
    public void restore(Position p) {
        step = p.step();
        epoch = p.epoch();
        stepInEpoch = p.stepInEpoch();
        epochLoss = p.epochLoss();
        epochPenalty = p.epochPenalty();
        epochNanos = p.epochNanos();
        history.clear();
        history.addAll(p.history());
    }

    /**
     * Asks {@link #fit} to return after the step in progress (safe to call from another thread,
     * e.g. a signal handler); {@link #stopped()} then tells the caller the run is unfinished.
     */
    public void requestStop() {
        stopRequested = true;
    }

    /** Whether the last {@link #fit} returned early because of {@link #requestStop()}. */
    public boolean stopped() {
        return stopRequested;
    }

    /** Total steps of the run for a training set of {@code n} samples. */
    public long totalSteps(long n) {
        long perEpoch = (n + cfg.batchSize() - 1) / cfg.batchSize();
        return cfg.steps() > 0 ? cfg.steps() : perEpoch * cfg.epochs();
    }

    /**
     * Trains until the configured epochs or steps are done, evaluating on {@code test} (may be null)
     * after every epoch; returns the metrics of every epoch so far. Continues from the current
     * {@link #position()}, so a trainer {@link #restore restored} mid-epoch finishes that epoch
     * with the batches it had left.
     */
    public List<EpochMetrics> fit(Dataset train, Dataset test, Listener listener) {
        long total = totalSteps(train.size());
        long n = train.size();
        while (step < total && !stopRequested) {
            long[] order = order(n, epoch);
            for (long from = stepInEpoch * cfg.batchSize(); from < n && step < total && !stopRequested; from += cfg.batchSize()) {
                long[] idx = Arrays.copyOfRange(order, (int) from, (int) Math.min(n, from + cfg.batchSize()));
                long nanos = System.nanoTime();
                StepResult r;
                try (PointerScope scope = new PointerScope()) {
                    r = step(train.select(Tensors.fromLongs(idx, idx.length)), total);
                }
                epochNanos += System.nanoTime() - nanos;
                if (parallel != null) {
                    // Workers must stop at the same step, or one would wait alone in a collective.
                    stopRequested = parallel.sum(stopRequested ? 1 : 0) > 0;
                }
                epochLoss += r.loss();
                epochPenalty += r.penalty();
                stepInEpoch++;
                listener.onStep(step, total, epoch + 1, r.loss());
            }
            boolean epochDone = stepInEpoch * cfg.batchSize() >= n || step >= total;
            if (!epochDone) {
                break;
            }
            long done = Math.max(1, stepInEpoch);
            epoch++;
            boolean evaluate = step >= total || epoch % evalEvery == 0;
            EpochMetrics m = evaluate ? metrics(train, test, total, epochLoss / done, epochPenalty / done, epochNanos / 1e6 / done)
                    : unevaluated(total, epochLoss / done, epochPenalty / done, epochNanos / 1e6 / done);
            stepInEpoch = 0;
            epochLoss = 0;
            epochPenalty = 0;
            epochNanos = 0;
            history.add(m);
            listener.onEpoch(m);
        }
        return List.copyOf(history);
    }

    /** One training step on {@code batch}; the update is refused if the loss is not finite. */
    public StepResult step(Dataset batch, long totalSteps) {
        try (PointerScope scope = new PointerScope()) {
            net.train(true);
            Update u;
            Tensor xu = unlabeled == null ? null : unlabeled.index_select(0, Tensors.fromLongs(unlabeledIndices(step, (int) batch.size()),
                    (int) batch.size()));
            if (parallel == null && cfg.accumulate() == 1) {
                u = cfg.method().direction(new Oracle(net, loss, batch.x(), batch.y(), stepSeed(step), stepSeed(step), xu));
            } else {
                Reducer reducer = parallel == null ? Reducer.LOCAL : parallel;
                long[] part = workerPart(batch.size());
                Tensor xuPart = xu == null ? null : xu.narrow(0, part[0], part[1] - part[0]);
                u = Shards.direction(cfg.method(), net, microBatches(batch.slice(part[0], part[1]), xuPart), batch.size(), reducer);
            }
            if (!Double.isFinite(u.loss())) {
                throw new NonFiniteLossException(u.loss(), step + 1);
            }
            double lr = learningRate(step, totalSteps);
            OptimizerSpec.setLearningRate(optimizer, lr);
            TensorList params = net.params();
            OptimizerSpec opt = cfg.optimizer();
            for (int i = 0; i < params.size(); i++) {
                Tensor d = u.direction().get(i);
                if (opt.decays(params.get(i)) && !opt.decoupled()) {
                    d = d.add(params.get(i).detach(), new Scalar(opt.weightDecay())); // gradient of (wd/2)‖W‖²
                }
                params.get(i).mutable_grad().put(d);
            }
            decoupledWeightDecay(params, lr);
            optimizer.step();
            if (parallel != null && net.hasBatchNorm()) {
                parallel.average(net.buffers_()); // local batch statistics, shared running statistics
            }
            step++;
            return new StepResult(u.loss(), u.penalty());
        }
    }

    /**
     * Makes this trainer one worker of a data-parallel group: every batch is split across the
     * workers, and the parameters and buffers start as rank 0's.
     */
    public Trainer distributed(DataParallel dp) {
        this.parallel = dp;
        dp.broadcastFromRankZero(net.params().detach());
        if (net.hasBatchNorm()) {
            dp.broadcastFromRankZero(net.buffers_());
        }
        return this;
    }

    /** Decoupled weight decay on the weight tensors only: W ← W(1 − lr·wd) before the update, as AdamW does. */
    private void decoupledWeightDecay(TensorList params, double lr) {
        OptimizerSpec opt = cfg.optimizer();
        if (!opt.decoupled()) {
            return;
        }
        try (NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < params.size(); i++) {
                if (opt.decays(params.get(i))) {
                    params.get(i).mul_(new Scalar(1 - lr * opt.weightDecay()));
                }
            }
        }
    }

    /** This worker's contiguous part [from, to) of a batch of n (all of it in one process). */
    private long[] workerPart(long n) {
        if (parallel == null) {
            return new long[] {0, n};
        }
        int r = parallel.rank();
        int w = parallel.world();
        return new long[] {n * r / w, n * (r + 1) / w};
    }

    /**
     * The batch in {@code accumulate} contiguous micro-batches (sizes differ by at most one), each
     * with its own seed (per worker too), so dropout masks differ between them as between batches.
     */
    private List<Oracle> microBatches(Dataset batch, Tensor xu) {
        int k = cfg.accumulate();
        long n = batch.size();
        long offset = parallel == null ? 0 : (long) parallel.rank() * k;
        List<Oracle> shards = new ArrayList<>();
        long from = 0;
        for (int i = 0; i < k && from < n; i++) {
            long to = from + (n - from) / (k - i);
            if (to > from) {
                Dataset part = batch.slice(from, to);
                Tensor partU = xu == null ? null : xu.narrow(0, from, to - from);
                shards.add(new Oracle(net, loss, part.x(), part.y(), mix(stepSeed(step) + offset + i), stepSeed(step), partU));
            }
            from = to;
        }
        return shards;
    }

    /** The learning rate at step {@code t}. */
    public double learningRate(long t, long totalSteps) {
        return cfg.optimizer().lr() * cfg.schedule().factor(t, totalSteps);
    }

    /** The seed of step {@code t}: every forward pass of the step starts from it. */
    public long stepSeed(long t) {
        return mix(cfg.seed() * 0x9E3779B97F4A7C15L + t);
    }

    private EpochMetrics metrics(Dataset train, Dataset test, long total, double batchLoss, double penalty, double ms) {
        FullBatch.LossAccuracy tr = FullBatch.evaluate(net, loss, train);
        FullBatch.LossAccuracy te = test == null ? new FullBatch.LossAccuracy(Double.NaN, Double.NaN)
                : FullBatch.evaluate(net, loss, test);
        double gn = FullBatch.norm(FullBatch.gradient(net, loss, train));
        long m = net.numParams();
        double lr = learningRate(Math.max(0, step - 1), total);
        return new EpochMetrics(epoch, step, lr, tr.loss(), tr.accuracy(), te.loss(), te.accuracy(), gn,
                gn * gn / m, lr * m / 4, batchLoss, penalty, ms);
    }

    private EpochMetrics unevaluated(long total, double batchLoss, double penalty, double ms) {
        double nan = Double.NaN;
        double lr = learningRate(Math.max(0, step - 1), total);
        return new EpochMetrics(epoch, step, lr, nan, nan, nan, nan, nan, nan, lr * net.numParams() / 4, batchLoss, penalty, ms);
    }

    private long[] order(long n, int ep) {
        return cfg.shuffle() ? Permutation.shuffled((int) n, new Random(mix(cfg.seed() + 31L * ep))) : Permutation.identity((int) n);
    }

    /** SplitMix64 finalizer: decorrelates nearby seeds. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
