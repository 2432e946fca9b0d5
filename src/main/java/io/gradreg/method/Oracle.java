package io.gradreg.method;

import io.gradreg.engine.TensorList;
import io.gradreg.engine.Tensors;
import io.gradreg.nn.Net;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The gradient oracle of one step: evaluates the model on one batch, at the current parameters,
 * at parameters moved along a direction, or at inputs moved along a direction.
 *
 * <p>It guarantees what methods.md requires of every perturbed evaluation: the same dropout masks
 * (libtorch's generator is reseeded with the step's seed before every forward pass), batch-norm
 * running statistics updated by the first forward pass only (later passes run with them frozen), and the
 * parameters restored bit-exactly (their own storage is never overwritten, see {@link #gradAt}).
 *
 * <p>An oracle lives for one step, inside the caller's native-memory scope.
 */
public final class Oracle implements ParamOracle {
    private final Net net;
    private final Loss loss;
    private final Tensor x;
    private final Tensor y;
    private final long seed;
    private final long batchSeed;
    private final Tensor penaltyX;
    private final TensorList params;
    // The oracle whose forward passes this one's are (itself, or the batch a group of rows was cut from).
    private final Oracle root;
    private int forwards;

    /**
     * Loss and gradient at the current parameters; {@code grad} keeps its graph if asked to.
     * {@code losses} holds the per-sample losses ℓ_i when they were asked for ({@link #evalSamples}),
     * null otherwise.
     */
    public record Eval(double loss, TensorList grad, double[] losses) {
        public Eval(double loss, TensorList grad) {
            this(loss, grad, null);
        }
    }

    /**
     * @param seed the step's seed: every forward pass of the step starts from it
     */
    public Oracle(Net net, Loss loss, Tensor x, Tensor y, long seed) {
        this(net, loss, x, y, seed, seed, null);
    }

    /**
     * @param seed this shard's seed: every forward pass of the step starts from it
     * @param batchSeed the whole batch's seed, the same on every shard and worker of a step: what
     *     is drawn once per batch (SpectReg's projection with {@code --projection batch}) comes from it
     * @param penaltyX unlabeled inputs an input penalty runs on instead of {@code x} (null: none)
     */
    public Oracle(Net net, Loss loss, Tensor x, Tensor y, long seed, long batchSeed, Tensor penaltyX) {
        this.net = net;
        this.loss = loss;
        this.x = x;
        this.y = y;
        this.seed = seed;
        this.batchSeed = batchSeed;
        this.penaltyX = penaltyX;
        this.params = net.params();
        this.root = this;
    }

    /** Rows [from, to) of {@code batch}, whose forward passes they share (seed, batch-norm statistics moved once). */
    private Oracle(Oracle batch, long from, long to) {
        this.net = batch.net;
        this.loss = batch.loss;
        this.x = batch.x.narrow(0, from, to - from);
        this.y = batch.y.narrow(0, from, to - from);
        this.seed = batch.seed;
        this.batchSeed = batch.batchSeed;
        this.penaltyX = null;
        this.params = batch.params;
        this.root = batch.root;
    }

    /**
     * Rows [from, to) of this batch as a batch of their own. Their forward passes are this oracle's:
     * they start from its seed (dropout draws masks for the smaller batch, so not the rows' masks in
     * the whole batch) and move batch-norm running statistics only if no pass of this batch has.
     */
    Oracle rows(long from, long to) {
        return new Oracle(this, from, to);
    }

    /** The whole batch's seed (equal on every shard of a step). */
    @Override
    public long batchSeed() {
        return batchSeed;
    }

    /** Unlabeled inputs for an input penalty, beside the labeled batch; null when there are none. */
    public Tensor penaltyX() {
        return penaltyX;
    }

    @Override
    public Net net() {
        return net;
    }

    public Loss lossFunction() {
        return loss;
    }

    public Tensor x() {
        return x;
    }

    public Tensor y() {
        return y;
    }

    @Override
    public TensorList params() {
        return params;
    }

    public long batchSize() {
        return x.size(0);
    }

    /**
     * Model outputs for {@code inputs} at the current parameters, with the step's dropout masks.
     * Only the step's first pass may move batch-norm running statistics.
     */
    public Tensor forward(Tensor inputs) {
        if (root != this) {
            return root.forward(inputs);
        }
        torch.manual_seed(seed);
        if (forwards++ == 0 || !net.hasBatchNorm()) {
            return net.forward(inputs);
        }
        net.freezeBatchNorm(true);
        try {
            return net.forward(inputs);
        } finally {
            net.freezeBatchNorm(false);
        }
    }

    /** The batch loss L of {@code output}. */
    public Tensor loss(Tensor output) {
        return loss.mean(output, y);
    }

    /** Loss and parameter gradient at the current parameters. */
    @Override
    public Eval eval(boolean createGraph) {
        Tensor l = loss(forward(x));
        TensorList g = grad(l, params, createGraph, createGraph);
        return new Eval(l.item_double(), g);
    }

    /**
     * grad L at theta + s v; theta is restored bit-exactly afterwards. The parameters are pointed
     * at new storage holding theta + s v and pointed back at their own storage after the pass, so
     * theta is never overwritten and nothing is copied back: one pass over memory, not three.
     */
    @Override
    public TensorList gradAt(TensorList v, double s) {
        return moved(v, s, () -> grad(loss(forward(x)), params, false, false));
    }

    /**
     * Runs {@code pass} with the parameters pointed at new storage holding theta + s v, then
     * points them back at their own storage.
     */
    private <T> T moved(TensorList v, double s, Supplier<T> pass) {
        int n = params.size();
        Tensor[] own = new Tensor[n];
        Scalar alpha = new Scalar(s);
        try (NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < n; i++) {
                own[i] = params.get(i).detach(); // shares theta's storage
                params.get(i).set_(own[i].add(v.get(i), alpha));
            }
        }
        try {
            return pass.get();
        } finally {
            try (NoGradGuard g = new NoGradGuard()) {
                for (int i = 0; i < n; i++) {
                    params.get(i).set_(own[i]);
                }
            }
        }
    }

    /**
     * {@link #eval eval(false)} that also keeps the per-sample losses ℓ_i(θ), from the same
     * forward pass. L is their mean here, not libtorch's fused cross-entropy, so its last bits may
     * differ from {@link #eval}'s.
     */
    @Override
    public Eval evalSamples() {
        Tensor l = loss.perSample(forward(x), y);
        Tensor mean = l.mean();
        TensorList g = grad(mean, params, false, false);
        return new Eval(mean.item_double(), g, Tensors.toDoubles(l));
    }

    /** Per-sample losses ℓ_i(θ + s v), without a graph; θ is restored bit-exactly. */
    @Override
    public double[] lossesAt(TensorList v, double s) {
        return moved(v, s, () -> {
            try (NoGradGuard g = new NoGradGuard()) {
                return Tensors.toDoubles(loss.perSample(forward(x), y));
            }
        });
    }

    @Override
    public boolean[] largest(double[] score, double fraction) {
        return RowSelection.largest(score, fraction, DoubleUnaryOperator.identity());
    }

    /** One group holding every row is {@code method} on this batch itself, bit for bit. */
    @Override
    public Update eachGroup(int m, ParamSpaceMethod method) {
        long n = batchSize();
        return m >= n ? method.direction(this) : Groups.mean(method, m, n, n, this::rows, Reducer.LOCAL, params);
    }

    /**
     * grad at θ + s v of the mean loss over the rows with {@code keep[i]}. Only those rows are
     * forwarded (that is what makes a data selection cheaper); the step's seed is reused, but for a
     * smaller batch dropout draws other masks. All rows: {@link #gradAt(TensorList, double)}, bit
     * for bit; no row: zeros.
     */
    @Override
    public TensorList gradAt(TensorList v, double s, boolean[] keep) {
        long[] rows = RowSelection.indices(keep);
        if (rows.length == keep.length) {
            return gradAt(v, s);
        }
        if (rows.length == 0) {
            return params.zerosLike();
        }
        Tensor idx = Tensors.fromLongs(rows, rows.length);
        Tensor xs = x.index_select(0, idx);
        Tensor ys = y.index_select(0, idx);
        return moved(v, s, () -> grad(loss.mean(forward(xs), ys), params, false, false));
    }

    /** The line s -> grad L(theta + s v); its exact slope H v uses {@code base}'s graph. */
    @Override
    public Line paramLine(TensorList v, Eval base) {
        return new Line() {
            @Override
            public TensorList gradAt(double s) {
                return Oracle.this.gradAt(v, s);
            }

            @Override
            public TensorList exactSlope() {
                return vjp(base.grad(), params, v, false);
            }
        };
    }

    /**
     * The line s -> grad_theta psi(f(x + s d)) in input space.
     *
     * @param psi maps the model's outputs to a scalar
     * @param gradXWithGraph grad_x psi(f(x)) built with a graph (needed only for the exact slope)
     */
    public Line inputLine(UnaryOperator<Tensor> psi, Tensor d, Tensor gradXWithGraph) {
        return inputLine(x, psi, d, gradXWithGraph);
    }

    /** The line s -> grad_theta psi(f(base + s d)), for inputs {@code base} other than the batch's (unlabeled ones). */
    public Line inputLine(Tensor base, UnaryOperator<Tensor> psi, Tensor d, Tensor gradXWithGraph) {
        return new Line() {
            @Override
            public TensorList gradAt(double s) {
                Tensor moved = base.add(d, new Scalar(s));
                return grad(psi.apply(forward(moved)), params, false, false);
            }

            @Override
            public TensorList exactSlope() {
                return vjp(TensorList.of(gradXWithGraph), params, TensorList.of(d), false);
            }
        };
    }

    /** Gradient of a scalar with respect to {@code wrt}, by {@code torch::autograd::grad}. */
    public static TensorList grad(Tensor scalar, TensorList wrt, boolean retainGraph, boolean createGraph) {
        TensorVector r = torch.grad(new TensorVector(scalar), wrt.vector(), new TensorVector(),
                new BoolOptional(retainGraph), createGraph, true);
        return zerosWhereUnused(r, wrt);
    }

    /**
     * libtorch returns undefined tensors for inputs the outputs do not depend on (e.g. the last
     * bias in a mixed derivative d/dtheta grad_x f): their derivative is zero.
     */
    private static TensorList zerosWhereUnused(TensorVector r, TensorList wrt) {
        TensorList out = TensorList.of(r);
        for (int i = 0; i < out.size(); i++) {
            if (!out.get(i).defined()) {
                out.get(i).put(torch.zeros_like(wrt.get(i)));
            }
        }
        return out;
    }

    /** Vector-Jacobian product sum_j v_j^T d outputs_j / d wrt (with symmetric H, H v for v = g). */
    public static TensorList vjp(TensorList outputs, TensorList wrt, TensorList v, boolean createGraph) {
        TensorVector r = torch.grad(outputs.vector(), wrt.vector(), v.vector(),
                new BoolOptional(true), createGraph, true);
        return zerosWhereUnused(r, wrt);
    }
}
