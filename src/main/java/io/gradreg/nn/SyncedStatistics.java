package io.gradreg.nn;

import io.gradreg.GradregException;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.TensorTensorHook;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Batch norm with the whole batch's statistics when the batch is split across workers.
 *
 * <p><b>Forward.</b> Worker k holds n_k of the batch's N samples (per channel, n_k counts every
 * spatial position too). It sums its x per channel (s_k) and all-reduces the sums and counts:
 * μ = Σ_k s_k / N. Then it sums its squared deviations from μ (r_k) and all-reduces them:
 * σ² = Σ_k r_k / N (two rounds rather than Σx² − Nμ², which cancels badly in float32).
 *
 * <p><b>Backward.</b> Worker k's loss L_k depends on every worker's x through μ and σ², so the
 * gradient of the batch loss L = Σ_i w_i L_i (w_i = n_i / N, the weights {@code method/Shards}
 * applies) with respect to s_k is Σ_i w_i ∂L_i/∂S, a sum over workers. Each summed statistic
 * enters the graph as S = total + (s_k − detach(s_k)): its value is the all-reduced total, and
 * the gradient reaching s_k is worker k's own ∂L_k/∂S. A hook on s_k replaces that by
 * Σ_i w_i ∂L_i/∂S / w_k (an all-reduce inside the backward pass; worker k's gradient is later
 * multiplied by w_k), and autograd carries it on into x_k. The same holds for r_k. So the
 * gradient is the unsplit batch's, not only the forward value. Every worker runs the same graph,
 * so the backward all-reduces happen in the same order on every worker.
 *
 * <p>The hook's reduction is not itself recorded in the graph: a gradient taken with
 * {@code create_graph} (exact GR's double backpropagation, the input penalties) would miss the
 * cross-worker terms of the second derivative. Training refuses those combinations.
 */
final class SyncedStatistics {
    private SyncedStatistics() {}

    /** What the hook needs for the pass running on this thread (libtorch runs a CPU backward on the caller's thread). */
    private static final class Pass {
        BatchSync sync;
        double weight;
        RuntimeException failure;
    }

    private static final ThreadLocal<Pass> PASS = ThreadLocal.withInitial(Pass::new);

    /**
     * One hook for all layers: JavaCPP allocates a bounded number of native callback thunks per
     * callback class, so a hook object per layer (or per pass) would run out.
     */
    private static final TensorTensorHook HOOK = new TensorTensorHook() {
        @Override
        public TensorBase call(TensorBase grad) {
            Pass p = PASS.get();
            Tensor g = new Tensor(grad);
            try {
                Tensor scaled = g.mul(new Scalar(p.weight));
                p.sync.sumInPlace(scaled);
                return scaled.div_(new Scalar(p.weight));
            } catch (RuntimeException e) {
                // An exception must not cross the native backward; it is raised at the next synced pass.
                if (p.failure == null) {
                    p.failure = e;
                }
                return g;
            }
        }
    };

    static {
        // The class may first load inside a step's PointerScope, which would free the hook on closing.
        HOOK.retainReference();
    }

    static Tensor normalize(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar, Tensor batches,
            BatchSync sync, double momentum, double eps) {
        Pass pass = PASS.get();
        if (pass.failure != null) {
            RuntimeException e = pass.failure;
            pass.failure = null;
            throw e instanceof GradregException ? e : new GradregException("synchronized batch norm: " + GradregException.firstLine(e), e);
        }
        long c = x.size(1);
        long[] dims = x.dim() == 2 ? new long[] {0} : new long[] {0, 2, 3};
        long[] shape = x.dim() == 2 ? new long[] {1, c} : new long[] {1, c, 1, 1};
        double local = (double) x.numel() / c;

        Tensor s = x.sum(dims);
        Tensor sums = torch.cat(new TensorVector(s.detach(), torch.ones(1).to(x.scalar_type()).mul(new Scalar(local))));
        sync.sumInPlace(sums);
        double n = sums.narrow(0, c, 1).item_double();
        pass.sync = sync;
        pass.weight = local / n;
        Tensor mean = synced(s, sums.narrow(0, 0, c)).div(new Scalar(n));

        Tensor centered = x.sub(mean.view(shape));
        Tensor r = centered.square().sum(dims);
        Tensor squares = r.detach().clone();
        sync.sumInPlace(squares);
        Tensor var = synced(r, squares).div(new Scalar(n));

        Tensor y = centered.mul(var.add(new Scalar(eps)).rsqrt().view(shape)).mul(weight.view(shape)).add(bias.view(shape));
        if (runningMean != null) {
            try (NoGradGuard g = new NoGradGuard()) {
                batches.add_(new Scalar(1L));
                runningMean.mul_(new Scalar(1 - momentum)).add_(mean.detach(), new Scalar(momentum));
                // PyTorch keeps the unbiased variance.
                runningVar.mul_(new Scalar(1 - momentum)).add_(var.detach().mul(new Scalar(n / (n - 1))), new Scalar(momentum));
            }
        }
        return y;
    }

    /** {@code total}'s value, with {@code local}'s gradient path (reduced over workers by the hook). */
    private static Tensor synced(Tensor local, Tensor total) {
        if (local.requires_grad()) {
            local.register_hook(HOOK);
        }
        // local − detach(local) is exactly 0, so the value is exactly the total.
        return total.add(local.sub(local.detach()));
    }
}
