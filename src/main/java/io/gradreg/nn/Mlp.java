package io.gradreg.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Multi-layer perceptron, laid out as PyTorch's
 * {@code nn.Sequential(Linear, [BatchNorm1d], act, [Dropout], Linear, ..., Linear)}: each hidden
 * layer contributes Linear, then BatchNorm1d if enabled, then the activation, then Dropout if
 * p > 0, and every element takes the next index. Without extras the names are {@code 0.weight},
 * {@code 0.bias}, {@code 2.weight}, ...; with batch norm, {@code 0.weight}, {@code 1.weight}
 * (BatchNorm1d), {@code 1.running_mean}, ..., {@code 3.weight}.
 */
public final class Mlp extends Net {
    private final List<UnaryOperator<Tensor>> layers = new ArrayList<>();

    /** @param sizes D, H1, ..., K */
    public Mlp(int[] sizes, Activation act, double dropout, boolean batchNorm) {
        super(sizes[0]);
        if (sizes.length < 2) {
            throw new IllegalArgumentException("an MLP needs at least input and output sizes");
        }
        int index = 0;
        for (int i = 0; i + 1 < sizes.length; i++) {
            LinearImpl lin = register_module(String.valueOf(index++), new LinearImpl(sizes[i], sizes[i + 1]));
            layers.add(lin::forward);
            if (i + 2 == sizes.length) {
                break;
            }
            if (batchNorm) {
                BatchNorm bn = batchNorm(String.valueOf(index++), sizes[i + 1]);
                layers.add(bn::forward);
            }
            layers.add(act::apply);
            index++;
            if (dropout > 0) {
                layers.add(x -> torch.dropout(x, dropout, is_training()));
                index++;
            }
        }
    }

    @Override
    protected Tensor forwardShaped(Tensor x) {
        for (UnaryOperator<Tensor> layer : layers) {
            x = layer.apply(x);
        }
        return x;
    }
}
