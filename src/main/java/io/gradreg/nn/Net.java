package io.gradreg.nn;

import io.gradreg.engine.DType;
import io.gradreg.engine.TensorList;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;

/**
 * A model: a libtorch module whose parameters and buffers carry the names of the equivalent
 * PyTorch module's {@code state_dict}, plus a Java {@code forward}. Parameter handles are
 * taken once, after construction and dtype conversion, so steps never re-list them.
 */
public abstract class Net extends Module {
    // Note for subclasses: register_parameter returns a reference into the module's parameter
    // table, which moves when the next parameter is registered. Keep new Tensor(...) copies.
    private final Set<String> normPrefixes = new HashSet<>();
    private final List<BatchNorm> batchNorms = new ArrayList<>();
    private TensorList params;
    private List<String> paramNames;
    private long[] inputShape;

    /** @param inputShape the shape of one sample, e.g. {784} or {1, 28, 28} */
    protected Net(long... inputShape) {
        this.inputShape = inputShape.clone();
    }

    /** Outputs (logits, or regression outputs) for a batch shaped [N, ...inputShape]. */
    protected abstract Tensor forwardShaped(Tensor x);

    /** Outputs for a batch; the batch is reshaped to [N, ...inputShape] first. */
    public final Tensor forward(Tensor x) {
        long[] shape = new long[inputShape.length + 1];
        shape[0] = x.size(0);
        System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
        return forwardShaped(x.reshape(shape));
    }

    /** The shape of one input sample. */
    public long[] inputShape() {
        return inputShape.clone();
    }

    /** Casts parameters and buffers to {@code dtype}; call before training starts. */
    public Net to(DType dtype) {
        to(dtype.scalarType, false);
        params = null;
        return this;
    }

    /** Trainable parameters in {@code state_dict} order. */
    public TensorList params() {
        if (params == null) {
            StringTensorDict d = named_parameters(true);
            List<String> names = new ArrayList<>();
            Tensor[] t = new Tensor[(int) d.size()];
            var keys = d.keys();
            for (int i = 0; i < t.length; i++) {
                String k = keys.get(i).getString();
                names.add(k);
                t[i] = new Tensor(d.get(k));
                // The cache outlives the caller: if the first call happens inside a PointerScope,
                // the scope would otherwise free these handles when it closes.
                t[i].retainReference();
            }
            paramNames = List.copyOf(names);
            params = TensorList.of(t);
        }
        return params;
    }

    /** Parameter names, aligned with {@link #params()}. */
    public List<String> paramNames() {
        params();
        return paramNames;
    }

    /** Number of trainable scalars (m in methods.md). */
    public long numParams() {
        return params().numel();
    }

    /** Parameters and buffers by PyTorch {@code state_dict} name. */
    public Map<String, Tensor> stateDict() {
        // PyTorch's order: module by module (pre-order), each module's parameters then buffers.
        Map<String, Tensor> out = new LinkedHashMap<>();
        var modules = named_modules();
        var keys = modules.keys();
        for (long i = 0; i < modules.size(); i++) {
            BytePointer key = keys.get(i); // null for the root module's empty name
            String prefix = key == null ? "" : key.getString();
            Module m = modules.get(prefix);
            String p = prefix.isEmpty() ? "" : prefix + ".";
            putAll(out, p, m.named_parameters(false));
            putAll(out, p, m.named_buffers(false));
        }
        return out;
    }

    /** Batch-norm buffers (running statistics), which perturbed passes must leave unchanged. */
    public TensorList buffers_() {
        return TensorList.of(buffers(true));
    }

    /**
     * True for a bias or a normalization parameter: ASAM leaves these unscaled (T = 1),
     * following the paper's convention.
     */
    public boolean isBiasOrNorm(String paramName) {
        if (paramName.equals("bias") || paramName.endsWith(".bias")) {
            return true;
        }
        for (String p : normPrefixes) {
            if (paramName.startsWith(p + ".")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Registers a batch-norm layer as {@code owner}'s child {@code name}; {@code path} is its full
     * state_dict prefix (normalization parameters are exempt from ASAM's scaling).
     */
    BatchNorm batchNorm(Module owner, String name, String path, long features) {
        normPrefixes.add(path);
        BatchNorm bn = owner.register_module(name, new BatchNorm(features));
        batchNorms.add(bn);
        return bn;
    }

    /** Registers a batch-norm layer as this model's child {@code name}. */
    protected BatchNorm batchNorm(String name, long features) {
        return batchNorm(this, name, name, features);
    }

    /** Freezes or unfreezes every batch-norm layer's running statistics (see {@link BatchNorm}). */
    public void freezeBatchNorm(boolean frozen) {
        for (BatchNorm bn : batchNorms) {
            bn.freeze(frozen);
        }
    }

    /**
     * Makes every batch-norm layer normalize training batches with the statistics of the whole
     * batch across data-parallel workers, summed by {@code sync} ({@code null}: local statistics).
     */
    public void syncBatchNorm(BatchSync sync) {
        for (BatchNorm bn : batchNorms) {
            bn.sync(sync);
        }
    }

    /** True if the model has batch-norm layers. */
    public boolean hasBatchNorm() {
        return !batchNorms.isEmpty();
    }

    private static void putAll(Map<String, Tensor> out, String prefix, StringTensorDict d) {
        var keys = d.keys();
        for (long i = 0; i < d.size(); i++) {
            String k = keys.get(i).getString();
            out.put(prefix + k, new Tensor(d.get(k)));
        }
    }
}
