package io.gradreg.train;

import io.gradreg.GradregException;
import io.gradreg.analysis.FullBatch;
import io.gradreg.data.CropFlip;
import io.gradreg.data.Dataset;
import io.gradreg.data.Permutation;
import io.gradreg.engine.Engine;
import io.gradreg.engine.TensorList;
import io.gradreg.engine.Tensors;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.Loss;
import io.gradreg.method.Method;
import io.gradreg.method.ParamSpaceMethod;
import io.gradreg.method.Step;
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
    private boolean syncBatchNorm;
    private CropFlip augment;
    private int evalEvery = 1;
    private SharpnessTracking sharpness;
    private Dataset sharpnessSubset;
    private Tensor unlabeled;
    private double stopAtTrainAccuracy;
    // Where the run is: everything a checkpoint needs besides weights and optimizer state.
    private long step;
    private int epoch;
    private long stepInEpoch;
    private double epochLoss;
    private double epochPenalty;
    private long epochNanos;
    private final List<EpochMetrics> history = new ArrayList<>();
    // The regularization component kept by --every K --reuse: state of the run, checkpointed.
    private final TensorList component;
    private boolean hasComponent;

    public Trainer(Net net, Loss loss, TrainConfig cfg) {
        Engine.threads();
        this.net = net;
        this.loss = loss;
        this.cfg = cfg;
        this.optimizer = cfg.optimizer().build(net.params());
        // Allocated here, outside any step's scope: a step's own tensors are freed when it ends.
        this.component = keepsComponents(cfg) ? net.params().zerosLike() : null;
    }

    /** Whether the method ever keeps a regularization component (it may first do so at step 0). */
    private static boolean keepsComponents(TrainConfig cfg) {
        return cfg.method().keepsComponent(0);
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
     * Measures the top Hessian eigenvalue, the trace and R_IG on a fixed subset of the training set
     * after every {@code s.everyEpochs()}-th epoch; the values go into that epoch's metrics.
     */
    public Trainer trackSharpness(SharpnessTracking s) {
        this.sharpness = s;
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

    /**
     * Ends training after the first evaluated epoch whose full-training-set accuracy is at least
     * {@code accuracy} (0 = never; the budget of epochs or steps still applies). Seed 001 reads its
     * models at 100 % training accuracy; later steps only move a fitted model along the valley.
     * The run then counts as finished, not interrupted.
     */
    public Trainer stopAtTrainAccuracy(double accuracy) {
        this.stopAtTrainAccuracy = requireAccuracyTarget(accuracy);
        return this;
    }

    /** {@code accuracy} if it is a valid target for {@link #stopAtTrainAccuracy} (0 = off, else up to 1); else a one-line error. */
    public static double requireAccuracyTarget(double accuracy) {
        if (!(accuracy >= 0 && accuracy <= 1)) {
            throw new GradregException("--stop-at-train-accuracy must be in [0, 1] (0 = off), got " + accuracy);
        }
        return accuracy;
    }

    /** Whether the training accuracy target of {@link #stopAtTrainAccuracy} was reached. */
    public boolean reachedTrainAccuracy() {
        if (stopAtTrainAccuracy <= 0 || history.isEmpty()) {
            return false;
        }
        double a = history.get(history.size() - 1).trainAccuracy();
        return Double.isFinite(a) && a >= stopAtTrainAccuracy;
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
        if (syncBatchNorm && parallel != null) {
            requireEveryWorkerHasSamples(n);
        }
        while (step < total && !stopRequested && !reachedTrainAccuracy()) {
            long[] order = order(n, epoch);
            for (long from = stepInEpoch * cfg.batchSize(); from < n && step < total && !stopRequested; from += cfg.batchSize()) {
                long[] idx = Arrays.copyOfRange(order, (int) from, (int) Math.min(n, from + cfg.batchSize()));
                long nanos = System.nanoTime();
                StepResult r;
                try (PointerScope scope = new PointerScope()) {
                    r = step(augmented(train.select(Tensors.fromLongs(idx, idx.length))), total);
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
            if (sharpness != null && epoch % sharpness.everyEpochs() == 0) {
                if (sharpnessSubset == null) {
                    sharpnessSubset = sharpness.subsetOf(train, cfg.seed());
                }
                m = m.withSharpness(sharpness.measure(net, loss, sharpnessSubset, cfg.seed()));
            }
            stepInEpoch = 0;
            epochLoss = 0;
            epochPenalty = 0;
            epochNanos = 0;
            history.add(m);
            listener.onEpoch(m);
        }
        return List.copyOf(history);
    }

    /**
     * Augments every training batch with {@code a} (null: none). The draws derive from the seed
     * and the step, so a resumed run sees the same batches, and the augmented batch is made once
     * per step, before it is split, so every pass of the step, every micro-batch and every worker
     * see their part of the same batch.
     */
    public Trainer augment(CropFlip a) {
        this.augment = a;
        return this;
    }

    /** The batch as the step sees it: augmented with the step's draws, if augmenting. */
    public Dataset augmented(Dataset batch) {
        return augment == null ? batch : augment.apply(batch, augmentSeed(step));
    }

    /** The seed of step {@code t}'s augmentation draws (apart from the libtorch seed of its passes). */
    public long augmentSeed(long t) {
        return mix(stepSeed(t) ^ 0x5DEECE66DL);
    }

    /**
     * With synchronized batch norm every worker must take part in every pass: a worker without
     * samples would skip the statistics' all-reduce and leave the others waiting.
     */
    private void requireEveryWorkerHasSamples(long n) {
        long last = n % cfg.batchSize();
        long smallest = Math.min(cfg.batchSize(), last == 0 ? cfg.batchSize() : last);
        if (smallest < parallel.world()) {
            throw new GradregException("--sync-batchnorm needs at least one sample per worker in every batch, but a batch of "
                    + smallest + " samples (" + n + " samples in batches of " + cfg.batchSize() + ") leaves a worker of " + parallel.world()
                    + " without any; change --batch-size or --train-size");
        }
    }

    /** One training step on {@code batch}; the update is refused if the loss is not finite. */
    public StepResult step(Dataset batch, long totalSteps) {
        try (PointerScope scope = new PointerScope()) {
            net.train(true);
            // The method of this step: its scheduled strength, and for --every the full or the in-between step.
            Method method = cfg.method().at(new Step(step, totalSteps, cfg.schedule().factor(step, totalSteps),
                    hasComponent ? component : null));
            boolean keep = cfg.method().keepsComponent(step);
            Update u;
            Tensor xu = unlabeled == null ? null : unlabeled.index_select(0, Tensors.fromLongs(unlabeledIndices(step, (int) batch.size()),
                    (int) batch.size()));
            if (parallel == null && cfg.accumulate() == 1) {
                u = method.direction(new Oracle(net, loss, batch.x(), batch.y(), stepSeed(step), stepSeed(step), xu));
            } else {
                Reducer reducer = parallel == null ? Reducer.LOCAL : parallel;
                long[] part = workerPart(batch.size());
                Tensor xuPart = xu == null ? null : xu.narrow(0, part[0], part[1] - part[0]);
                u = Shards.direction(method, net, microBatches(batch.slice(part[0], part[1]), xuPart), batch.size(), reducer, keep);
            }
            if (!Double.isFinite(u.loss())) {
                throw new NonFiniteLossException(u.loss(), step + 1);
            }
            if (keep) {
                keepComponent(u);
            }
            TensorList d = Clipping.clipGradNorm(u.direction(), cfg.clipGradNorm());
            double lr = learningRate(step, totalSteps);
            OptimizerSpec.setLearningRate(optimizer, lr);
            TensorList params = net.params();
            OptimizerSpec opt = cfg.optimizer();
            for (int i = 0; i < params.size(); i++) {
                Tensor di = d.get(i);
                if (opt.decays(params.get(i)) && !opt.decoupled()) {
                    di = di.add(params.get(i).detach(), new Scalar(opt.weightDecay())); // gradient of (wd/2)‖W‖²
                }
                params.get(i).mutable_grad().put(di);
            }
            decoupledWeightDecay(params, lr);
            optimizer.step();
            if (parallel != null && net.hasBatchNorm() && !syncBatchNorm) {
                parallel.average(net.buffers_()); // local batch statistics, shared running statistics
            }
            step++;
            return new StepResult(u.loss(), u.penalty());
        }
    }

    /**
     * Keeps c = d − g of a full step's update (before clipping) in storage allocated outside any
     * step's native-memory scope, so it outlives the step.
     */
    private void keepComponent(Update u) {
        if (u.grad() == null) {
            throw new IllegalStateException(cfg.method().describe() + " does not report its plain gradient");
        }
        component.copyFrom(u.direction().sub(u.grad()));
        hasComponent = true;
    }

    /** The regularization component kept for reuse ({@link io.gradreg.method.Every}), or null when there is none yet. */
    public TensorList component() {
        return hasComponent ? component : null;
    }

    /** Restores a kept component, e.g. from a checkpoint (null: none kept yet). */
    public void restoreComponent(TensorList c) {
        if (c == null) {
            hasComponent = false;
            return;
        }
        if (component == null) {
            throw new GradregException("this run keeps no regularization component, but the checkpoint has one (was it started with --reuse?)");
        }
        component.copyFrom(c);
        hasComponent = true;
    }

    /**
     * Makes this trainer one worker of a data-parallel group: every batch is split across the
     * workers, and the parameters and buffers start as rank 0's.
     */
    public Trainer distributed(DataParallel dp) {
        this.parallel = dp;
        if (syncBatchNorm) {
            net.syncBatchNorm(dp.batchSync());
        }
        dp.broadcastFromRankZero(net.params().detach());
        if (net.hasBatchNorm()) {
            dp.broadcastFromRankZero(net.buffers_());
        }
        return this;
    }

    /**
     * Normalizes with the whole batch's statistics across the data-parallel workers (before or
     * after {@link #distributed}; in one process the batch is whole already). Forward values and
     * gradients are the unsplit batch's (see {@code nn/SyncedStatistics}). Refused where that
     * cannot hold: with micro-batches (they run one after another, so the whole batch's statistics
     * are not known when the first is normalized) and with methods that differentiate a gradient
     * again (exact GR, the input penalties), whose second derivative would miss the cross-worker
     * terms of the statistics.
     */
    public Trainer syncBatchNorm() {
        if (cfg.accumulate() > 1) {
            throw new GradregException("--sync-batchnorm does not work with --accumulate " + cfg.accumulate()
                    + ": micro-batches run one after another, so the whole batch's statistics are not known when the first is normalized");
        }
        Method m = cfg.method().unwrapped(); // a schedule or --every does not change what is differentiated
        if (!(m instanceof ParamSpaceMethod) || m instanceof GradientRegularization gr && gr.secondOrder().needsGraph()) {
            throw new GradregException("--sync-batchnorm does not work with " + m.describe()
                    + ": it differentiates a gradient again, and the all-reduce of the batch statistics is not part of that second derivative;"
                    + " use plain, sam, asam, flood or gr with a finite-difference --second-order");
        }
        syncBatchNorm = true;
        if (parallel != null) {
            net.syncBatchNorm(parallel.batchSync());
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
