package io.gradreg.nn;

import io.gradreg.GradregException;
import io.gradreg.engine.HostArrays;
import io.gradreg.engine.Tensors;
import io.gradreg.io.NdArray;
import io.gradreg.io.Safetensors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Model weights in safetensors files, under PyTorch {@code state_dict} names. */
public final class Weights {
    private Weights() {}

    /**
     * Writes every parameter and buffer of {@code net} (atomically). Batch norm's
     * {@code num_batches_tracked} is written as I64, as PyTorch's {@code state_dict} holds it,
     * whatever dtype the model was cast to (libtorch's {@code Module::to} casts it with the rest);
     * {@link #load} reads it in either type.
     */
    public static void save(Net net, Path file, Map<String, String> metadata) {
        Map<String, NdArray> out = new LinkedHashMap<>();
        net.stateDict().forEach((k, v) -> out.put(k, HostArrays.toHost(k.endsWith("num_batches_tracked") ? v.to(ScalarType.Long) : v)));
        Safetensors.write(file, out, metadata);
    }

    /**
     * Loads {@code file} into {@code net}: every state_dict entry must be present with its shape;
     * values are cast to the model's dtype. Extra entries are an error (a different model).
     */
    public static void load(Net net, Path file) {
        Map<String, NdArray> in = Safetensors.read(file);
        Map<String, Tensor> state = net.stateDict();
        for (String k : in.keySet()) {
            if (!state.containsKey(k)) {
                throw new GradregException(file + ": tensor '" + k + "' does not belong to this model (it has " + state.keySet()
                        + "; was it built with other settings, e.g. dropout or batch norm?)");
            }
        }
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : state.entrySet()) {
                NdArray a = in.get(e.getKey());
                if (a == null) {
                    throw new GradregException(file + ": missing tensor '" + e.getKey() + "'");
                }
                long[] want = Tensors.shape(e.getValue());
                if (!Arrays.equals(want, a.shape())) {
                    throw new GradregException(file + ": tensor '" + e.getKey() + "' has shape " + Arrays.toString(a.shape())
                            + ", the model needs " + Arrays.toString(want));
                }
                e.getValue().copy_(HostArrays.toTensor(a).to(e.getValue().scalar_type()));
            }
        }
    }
}
