package io.gradreg.nn;

import io.gradreg.engine.DType;
import io.gradreg.engine.TensorList;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.BatchNorm1dImpl;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;

/**
 * A model: a libtorch module whose parameters and buffers carry the names of the equivalent
 * PyTorch module's {@code state_dict}, plus a Java {@code forward}. Parameter handles are
 * taken once, after construction and dtype conversion, so steps never re-list them.
 */
public abstract class Net extends Module {
    private final Set<String> normPrefixes = new HashSet<>();
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
        Map<String, Tensor> out = new LinkedHashMap<>();
        putAll(out, named_parameters(true));
        putAll(out, named_buffers(true));
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

    /** Registers a BatchNorm1d submodule and remembers it as a normalization layer. */
    protected BatchNorm1dImpl batchNorm1d(String name, long features) {
        normPrefixes.add(name);
        return register_module(name, new BatchNorm1dImpl(new BatchNormOptions(features)));
    }

    /** Registers a BatchNorm2d submodule and remembers it as a normalization layer. */
    protected BatchNorm2dImpl batchNorm2d(String name, long channels) {
        normPrefixes.add(name);
        return register_module(name, new BatchNorm2dImpl(new BatchNormOptions(channels)));
    }

    /** Marks a prefix whose parameters are normalization parameters (for nested blocks). */
    protected void markNorm(String prefix) {
        normPrefixes.add(prefix);
    }

    private static void putAll(Map<String, Tensor> out, StringTensorDict d) {
        var keys = d.keys();
        for (long i = 0; i < d.size(); i++) {
            String k = keys.get(i).getString();
            out.put(k, new Tensor(d.get(k)));
        }
    }
}
