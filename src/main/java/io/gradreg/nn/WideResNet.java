package io.gradreg.nn;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Wide residual network WRN-d-k for CIFAR (Zagoruyko and Komodakis, 2016): a 3x3 stem of 16
 * channels, three groups of n = (d − 4) / 6 pre-activation blocks with 16k, 32k and 64k channels
 * (strides 1, 2, 2), a final batch norm and activation, global average pooling and {@code fc}.
 * Each block is BN-act-conv3x3-BN-act-[dropout]-conv3x3 plus a shortcut, a 1x1 convolution where
 * the width or stride changes. Convolutions have no bias.
 *
 * <p>Names follow the de facto standard PyTorch implementation of CIFAR WRNs (xternalz/WideResNet-
 * pytorch, used by most SAM and GR code): {@code conv1}, {@code blockG.layer.I.{bn1, conv1, bn2,
 * conv2, convShortcut}}, {@code bn1}, {@code fc}. As there, a block whose width changes feeds the
 * activated input to both branches, and other blocks add the raw input.
 */
public final class WideResNet extends Net {
    private final Conv conv1;
    private final Block[] blocks;
    private final BatchNorm bn1;
    private final LinearImpl fc;
    private final Activation act;
    /**
     * The plain container modules (blockG, blockG.layer). JavaCPP routes libtorch's virtual calls
     * on them (train(), ...) back to their Java peers, so the peers must stay reachable: once
     * collected, {@code train(true)} failed with a NullPointerException inside libtorch.
     */
    private final java.util.List<Module> containers = new java.util.ArrayList<>();

    /**
     * @param depth d, with (d − 4) divisible by 6
     * @param width k, the widening factor
     */
    public WideResNet(int depth, int width, long channels, long height, long imageWidth, int classes, Activation act, double dropout) {
        super(channels, height, imageWidth);
        if (depth < 10 || (depth - 4) % 6 != 0 || width < 1) {
            throw new IllegalArgumentException("WRN depth must be 6n + 4 (n >= 1) and width >= 1");
        }
        this.act = act;
        int n = (depth - 4) / 6;
        long[] widths = {16L * width, 32L * width, 64L * width};
        conv1 = Conv.register(this, "conv1", channels, 16, 3, 1, 1, false);
        blocks = new Block[3 * n];
        long in = 16;
        for (int g = 0; g < 3; g++) {
            String group = "block" + (g + 1);
            Module outer = new Module();
            Module layer = new Module();
            containers.add(outer);
            containers.add(layer);
            register_module(group, outer).register_module("layer", layer);
            for (int i = 0; i < n; i++) {
                long stride = i == 0 && g > 0 ? 2 : 1;
                String path = group + ".layer." + i;
                blocks[g * n + i] = layer.register_module(String.valueOf(i), new Block(this, path, in, widths[g], stride, act, dropout));
                in = widths[g];
            }
        }
        bn1 = batchNorm("bn1", in);
        fc = register_module("fc", new LinearImpl(in, classes));
    }

    @Override
    protected Tensor forwardShaped(Tensor x) {
        x = conv1.forward(x);
        for (Block b : blocks) {
            x = b.forward(x);
        }
        x = act.apply(bn1.forward(x));
        return fc.forward(torch.adaptive_avg_pool2d(x, 1, 1).flatten(1, -1));
    }

    /** A pre-activation basic block. */
    static final class Block extends Module {
        private final BatchNorm bn1;
        private final Conv conv1;
        private final BatchNorm bn2;
        private final Conv conv2;
        private final Conv shortcut;
        private final Activation act;
        private final double dropout;

        Block(WideResNet net, String path, long in, long out, long stride, Activation act, double dropout) {
            this.act = act;
            this.dropout = dropout;
            bn1 = net.batchNorm(this, "bn1", path + ".bn1", in);
            conv1 = Conv.register(this, "conv1", in, out, 3, stride, 1, false);
            bn2 = net.batchNorm(this, "bn2", path + ".bn2", out);
            conv2 = Conv.register(this, "conv2", out, out, 3, 1, 1, false);
            shortcut = in == out && stride == 1 ? null : Conv.register(this, "convShortcut", in, out, 1, stride, 0, false);
        }

        Tensor forward(Tensor x) {
            Tensor a = act.apply(bn1.forward(x));
            Tensor y = act.apply(bn2.forward(conv1.forward(a)));
            if (dropout > 0) {
                y = torch.dropout(y, dropout, is_training());
            }
            y = conv2.forward(y);
            return y.add(shortcut == null ? x : shortcut.forward(a));
        }
    }
}
