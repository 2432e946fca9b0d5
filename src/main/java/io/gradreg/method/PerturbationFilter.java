package io.gradreg.method;

import io.gradreg.GradregException;
import io.gradreg.engine.TensorList;
import io.gradreg.nn.Net;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Which parameter tensors a perturbation may move (methods.md section 2b, "Ascent on a subset of
 * parameters"; SAM-ON, Mueller et al., NeurIPS 2023). SAM and ASAM restrict their ascent vector
 * and its norm to the kept tensors, GR its finite-difference direction (and, exactly, the
 * penalized gradient); the direction d is still the gradient of every parameter.
 */
public enum PerturbationFilter {
    /** Every tensor: the unfiltered method, bit for bit. */
    ALL,
    /** Normalization-layer parameters only (SAM-ON's {@code only_norm}). */
    NORM,
    /** Everything but normalization-layer parameters (SAM-ON's {@code no_norm}). */
    NO_NORM,
    /** Weight tensors of two or more dimensions: no biases, no normalization parameters. */
    WEIGHTS;

    /** Whether parameter {@code name} (tensor {@code t}) of {@code net} takes part in the perturbation. */
    public boolean keeps(Net net, String name, Tensor t) {
        return switch (this) {
            case ALL -> true;
            case NORM -> isNorm(net, name);
            case NO_NORM -> !isNorm(net, name);
            case WEIGHTS -> t.dim() >= 2;
        };
    }

    /**
     * {@code v} with the tensors this filter drops replaced by zeros; {@link #ALL} returns
     * {@code v} itself, so unfiltered methods compute exactly what they did before filters existed.
     */
    public TensorList apply(Net net, TensorList v) {
        if (this == ALL) {
            return v;
        }
        List<String> names = net.paramNames();
        TensorList p = net.params();
        Tensor[] out = new Tensor[v.size()];
        boolean any = false;
        for (int i = 0; i < out.length; i++) {
            boolean keep = keeps(net, names.get(i), p.get(i));
            any |= keep;
            out[i] = keep ? v.get(i) : torch.zeros_like(v.get(i));
        }
        if (!any) {
            throw new GradregException("--perturb-only " + this + ": the model has no such parameters (" + names.size()
                    + " tensors, none kept)");
        }
        return TensorList.of(out);
    }

    /**
     * A normalization-layer parameter: its layer's {@code weight} is exempt from ASAM's scaling
     * ({@link Net#isBiasOrNorm}) although it is no bias. Matching on the registered layer, not on
     * "bn" or "norm" in the name as SAM-ON's code does, also finds the MLP's numbered layers.
     */
    static boolean isNorm(Net net, String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 && net.isBiasOrNorm(name.substring(0, dot) + ".weight");
    }

    /** Parses {@code all | norm | no-norm | weights}. */
    public static PerturbationFilter parse(String s) {
        for (PerturbationFilter f : values()) {
            if (f.toString().equals(s.trim().toLowerCase())) {
                return f;
            }
        }
        throw new GradregException("--perturb-only: unknown filter '" + s + "': expected all, norm, no-norm or weights");
    }

    @Override
    public String toString() {
        return name().toLowerCase().replace('_', '-');
    }
}
