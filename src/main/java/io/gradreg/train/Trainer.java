package io.gradreg.train;

import io.gradreg.GradregException;
import io.gradreg.analysis.FullBatch;
import io.gradreg.data.CropFlip;
import io.gradreg.data.Dataset;
import io.gradreg.engine.Engine;
import io.gradreg.engine.TensorList;
import io.gradreg.engine.Tensors;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.Grouped;
import io.gradreg.method.Loss;
import io.gradreg.method.Method;
import io.gradreg.method.ParamSpaceMethod;
import io.gradreg.method.Reducer;
import io.gradreg.method.Shards;
import io.gradreg.method.Step;
import io.gradreg.method.Update;
import io.gradreg.nn.Net;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Tensor;

/**
 * The training loop: batches, one {@link io.gradreg.method.Method} direction per batch, an
 * optimizer step, metrics per epoch. Every step runs inside its own native-memory scope, so memory
 * stays flat however many steps run; only parameters, buffers and optimizer state persist.
 * Everything it is told comes in one {@link TrainConfig}; how batches are cut and seeded is
 * {@link Batches}'; the optimizer step with its weight decay is {@link Optim}'s.
 *
 * <pre>{@code
 * Net net = Models.build("mlp:784-512-512-10", Models.Options.defaults(new long[] {784}, 10));
 * TrainConfig cfg = TrainConfig.builder().method(new GradientRegularization(0.1, 0.01, SecondOrder.FORWARD, false))
 *         .lr(0.1).epochs(10).batchSize(128).build();
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

    /**
     * What a run trains on: the training set, the test set (may be null), unlabeled inputs for the
     * input penalties (may be null), and the value of a black pixel per channel after the source's
     * normalization, which crop padding fills with (null: zero).
     */
    public record Data(Dataset train, Dataset test, Tensor unlabeled, double[] black) {
        public Data(Dataset train, Dataset test) {
            this(train, test, null, null);
        }
    }

    private final Net net;
    private final Loss loss;
    private final TrainConfig cfg;
    private final Optim optim;
    private final Batches batches;
    private final DataParallel parallel;
    private volatile boolean stopRequested;
    private Data data;
    private CropFlip augment;
    private Dataset sharpnessSubset;
    // Where the run is: everything a checkpoint needs besides weights and optimizer state.
    private long step;
    private int epoch;
    private long stepInEpoch;
    private double epochLoss;
    private double epochPenalty;
    private long epochNanos;
    private final List<EpochMetrics> history = new ArrayList<>();
    // The state a method keeps between steps (--reuse's component or g_v, fsam's moving average):
    // state of the run, checkpointed.
    private final TensorList kept;
    private boolean hasKept;

    /** A trainer in one process. */
    public Trainer(Net net, Loss loss, TrainConfig cfg) {
        this(net, loss, cfg, null);
    }

    /**
     * A trainer that is one worker of the data-parallel group {@code parallel} (null: one process):
     * every batch is split across the workers, and the parameters and buffers start as rank 0's.
     * What cannot be made exact is refused here, before training starts.
     */
    public Trainer(Net net, Loss loss, TrainConfig cfg, DataParallel parallel) {
        Engine.threads();
        this.net = net;
        this.loss = loss;
        this.cfg = cfg;
        this.parallel = parallel;
        if (cfg.syncBatchNorm()) {
            requireExactSyncBatchNorm(cfg);
        }
        this.optim = new Optim(cfg.optimizer(), net.params());
        this.batches = new Batches(cfg, parallel);
        // Allocated here, outside any step's scope: a step's own tensors are freed when it ends.
        this.kept = cfg.method().keepsState(0) ? net.params().zerosLike() : null;
        if (parallel != null) {
            if (cfg.syncBatchNorm()) {
                net.syncBatchNorm(parallel.batchSync());
            }
            parallel.broadcastFromRankZero(net.params().detach());
            if (net.hasBatchNorm()) {
                parallel.broadcastFromRankZero(net.buffers_());
            }
        }
    }

    public Net net() {
        return net;
    }

    /** libtorch's optimizer, whose state a checkpoint saves. */
    public Optimizer optimizer() {
        return optim.libtorch();
    }

    /** The configuration this trainer runs. */
    public TrainConfig config() {
        return cfg;
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

    /** Whether the training accuracy target ({@link TrainConfig#stopAtTrainAccuracy}) was reached. */
    public boolean reachedTrainAccuracy() {
        if (cfg.stopAtTrainAccuracy() <= 0 || history.isEmpty()) {
            return false;
        }
        double a = history.get(history.size() - 1).trainAccuracy();
        return Double.isFinite(a) && a >= cfg.stopAtTrainAccuracy();
    }

    /** Total steps of the run for a training set of {@code n} samples. */
    public long totalSteps(long n) {
        long perEpoch = (n + cfg.batchSize() - 1) / cfg.batchSize();
        return cfg.steps() > 0 ? cfg.steps() : perEpoch * cfg.epochs();
    }

    /** The learning rate at step {@code t}. */
    public double learningRate(long t, long totalSteps) {
        return cfg.optimizer().lr() * cfg.schedule().factor(t, totalSteps);
    }

    /** As {@link #fit(Data, Listener)} without unlabeled inputs. */
    public List<EpochMetrics> fit(Dataset train, Dataset test, Listener listener) {
        return fit(new Data(train, test), listener);
    }

    /**
     * Trains until the configured epochs or steps are done, evaluating on the test set (may be
     * null) after every evaluated epoch; returns the metrics of every epoch so far. Continues from
     * the current {@link #position()}, so a trainer {@link #restore restored} mid-epoch finishes
     * that epoch with the batches it had left.
     */
    public List<EpochMetrics> fit(Data d, Listener listener) {
        use(d);
        Dataset train = d.train();
        long total = totalSteps(train.size());
        long n = train.size();
        if (cfg.syncBatchNorm() && parallel != null) {
            requireEveryWorkerHasSamples(n);
        }
        while (step < total && !stopRequested && !reachedTrainAccuracy()) {
            long[] order = batches.order(n, epoch);
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
            EpochMetrics m = endEpoch(train, d.test(), total);
            history.add(m);
            listener.onEpoch(m);
        }
        return List.copyOf(history);
    }

    /**
     * One training step on {@code batch} (the whole batch, before it is split across workers and
     * micro-batches); the update is refused if the loss is not finite.
     */
    public StepResult step(Dataset batch, long totalSteps) {
        try (PointerScope scope = new PointerScope()) {
            net.train(true);
            // The method of this step: its scheduled strength, the kept state, and for --every the full or the in-between step.
            Step now = new Step(step, totalSteps, cfg.schedule().factor(step, totalSteps), hasKept ? kept : null);
            Method method = cfg.method().at(now);
            boolean keep = cfg.method().keepsState(step);
            Dataset b = augment == null ? batch : augment.apply(batch, batches.augmentSeed(step));
            Tensor xu = unlabeledBeside(b);
            Update u = batches.whole() ? method.direction(batches.oracle(net, loss, b, xu, step))
                    : Shards.direction(method, net, batches.shards(net, loss, b, xu, step), b.size(), parallel == null ? Reducer.LOCAL : parallel,
                            keep);
            if (!Double.isFinite(u.loss())) {
                throw new NonFiniteLossException(u.loss(), step + 1);
            }
            if (keep) {
                keepState(now, u);
            }
            Update c = clipped(u);
            optim.step(net.params(), c.direction(), c.outside(), learningRate(step, totalSteps));
            if (parallel != null && net.hasBatchNorm() && !cfg.syncBatchNorm()) {
                parallel.average(net.buffers_()); // local batch statistics, shared running statistics
            }
            step++;
            return new StepResult(u.loss(), u.penalty());
        }
    }

    /**
     * The state the method keeps between steps ({@link Method#keptState}: the component or g_v of
     * {@code --reuse}, FriendlySAM's moving average), or null when there is none yet.
     */
    public TensorList kept() {
        return hasKept ? kept : null;
    }

    /** Whether this run's method keeps state between steps. */
    public boolean keepsState() {
        return kept != null;
    }

    /** Restores the kept state, e.g. from a checkpoint (null: none kept yet). */
    public void restoreKept(TensorList c) {
        if (c == null) {
            hasKept = false;
            return;
        }
        if (kept == null) {
            throw new GradregException("this run keeps no state between steps, but the checkpoint has some (was it started with --reuse or --method fsam?)");
        }
        kept.copyFrom(c);
        hasKept = true;
    }

    /** Takes the run's data: its unlabeled inputs, and the black pixel crop padding fills with. */
    private void use(Data d) {
        if (d.unlabeled() != null && d.unlabeled().size(0) < 1) {
            throw new GradregException("the unlabeled set is empty");
        }
        if (cfg.cropFlipPadding() > 0 && augment == null) {
            CropFlip.requireImages(d.train().x());
            augment = new CropFlip(cfg.cropFlipPadding(), d.black());
        }
        data = d;
    }

    /** The unlabeled inputs beside {@code batch} at this step, or null when the run has none. */
    private Tensor unlabeledBeside(Dataset batch) {
        Tensor u = data == null ? null : data.unlabeled();
        if (u == null) {
            return null;
        }
        int n = (int) batch.size();
        return u.index_select(0, Tensors.fromLongs(batches.unlabeledIndices(step, n, u.size(0)), n));
    }

    /**
     * Keeps the state the method builds from step {@code now}'s update (before clipping) in storage
     * allocated outside any step's native-memory scope, so it outlives the step.
     */
    private void keepState(Step now, Update u) {
        if (u.grad() == null) {
            throw new IllegalStateException(cfg.method().describe() + " does not report its plain gradient");
        }
        kept.copyFrom(cfg.method().keptState(now, u));
        hasKept = true;
    }

    /**
     * The update clipped to {@code --clip-grad-norm}: its direction, or, when part of the step is
     * taken outside the optimizer (decoupled WSAM), both parts by the factor of their sum's norm.
     */
    private Update clipped(Update u) {
        if (u.outside() == null) {
            return u.withDirection(Clipping.clipGradNorm(u.direction(), cfg.clipGradNorm()));
        }
        if (!(cfg.clipGradNorm() > 0)) {
            return u;
        }
        double coef = cfg.clipGradNorm() / (u.direction().add(u.outside()).norm() + Clipping.EPS);
        return coef < 1 ? u.withDirection(u.direction().scale(coef)).withOutside(u.outside().scale(coef)) : u;
    }

    /** Closes the epoch: its metrics (evaluated or not), sharpness when due, and fresh running sums. */
    private EpochMetrics endEpoch(Dataset train, Dataset test, long total) {
        long done = Math.max(1, stepInEpoch);
        epoch++;
        boolean evaluate = step >= total || epoch % cfg.evalEvery() == 0;
        double batchLoss = epochLoss / done;
        double penalty = epochPenalty / done;
        double ms = epochNanos / 1e6 / done;
        EpochMetrics m = evaluate ? evaluated(train, test, total, batchLoss, penalty, ms) : unevaluated(total, batchLoss, penalty, ms);
        SharpnessTracking s = cfg.sharpness();
        if (s != null && epoch % s.everyEpochs() == 0) {
            if (sharpnessSubset == null) {
                sharpnessSubset = s.subsetOf(train, cfg.seed());
            }
            m = m.withSharpness(s.measure(net, loss, sharpnessSubset, cfg.seed()));
        }
        stepInEpoch = 0;
        epochLoss = 0;
        epochPenalty = 0;
        epochNanos = 0;
        return m;
    }

    private EpochMetrics evaluated(Dataset train, Dataset test, long total, double batchLoss, double penalty, double ms) {
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

    /**
     * Synchronized batch norm gives the unsplit batch's forward values and gradients; refused where
     * that cannot hold: with micro-batches (they run one after another, so the whole batch's
     * statistics are not known when the first is normalized) and with methods that differentiate a
     * gradient again (exact GR, the input penalties), whose second derivative would miss the
     * cross-worker terms of the statistics.
     */
    private static void requireExactSyncBatchNorm(TrainConfig cfg) {
        if (cfg.accumulate() > 1) {
            throw new GradregException("--sync-batchnorm does not work with --accumulate " + cfg.accumulate()
                    + ": micro-batches run one after another, so the whole batch's statistics are not known when the first is normalized");
        }
        Method m = cfg.method().unwrapped(); // a schedule or --every does not change what is differentiated
        if (m instanceof Grouped) {
            throw new GradregException("--sync-batchnorm does not work with --sam-group: each worker runs one pass per group of its own,"
                    + " and synchronized statistics need every worker in every pass");
        }
        if (!(m instanceof ParamSpaceMethod) || m instanceof GradientRegularization gr && gr.secondOrder().needsGraph()) {
            throw new GradregException("--sync-batchnorm does not work with " + m.describe()
                    + ": it differentiates a gradient again, and the all-reduce of the batch statistics is not part of that second derivative;"
                    + " use plain, sam, asam, flood or gr with a finite-difference --second-order");
        }
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
}
