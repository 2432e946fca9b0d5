package io.gradreg.nn;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A small ResNet for 3x32x32 inputs, with torchvision's naming: stem {@code conv1}/{@code bn1}
 * (16 channels), then {@code layer1..layer3}, one BasicBlock each (16, 32, 64 channels, strides
 * 1, 2, 2; blocks named {@code layerN.0.conv1}, {@code .bn1}, {@code .conv2}, {@code .bn2}, and
 * {@code .downsample.0}/{@code .downsample.1} where the shape changes), global average pooling,
 * {@code fc}. Convolutions have no bias, as in torchvision.
 */
public final class ResNet extends Net {
    private final Conv conv1;
    private final BatchNorm bn1;
    private final Block[] blocks = new Block[3];
    private final LinearImpl fc;
    private final Activation act;
    /** Plain container modules, kept reachable (see {@link WideResNet}'s note: libtorch calls back into their Java peers). */
    private final java.util.List<Module> containers = new java.util.ArrayList<>();

    public ResNet(long channels, int classes, Activation act) {
        super(channels, 32, 32);
        this.act = act;
        conv1 = Conv.register(this, "conv1", channels, 16, 3, 1, 1, false);
        bn1 = batchNorm("bn1", 16);
        long[] widths = {16, 32, 64};
        long in = 16;
        for (int i = 0; i < 3; i++) {
            Module layer = register_module("layer" + (i + 1), kept(new Module()));
            blocks[i] = layer.register_module("0", new Block(this, "layer" + (i + 1) + ".0", in, widths[i], i == 0 ? 1 : 2, act));
            in = widths[i];
        }
        fc = register_module("fc", new LinearImpl(64, classes));
    }

    @Override
    protected Tensor forwardShaped(Tensor x) {
        x = act.apply(bn1.forward(conv1.forward(x)));
        for (Block b : blocks) {
            x = b.forward(x);
        }
        return fc.forward(torch.adaptive_avg_pool2d(x, 1, 1).flatten(1, -1));
    }

    private Module kept(Module m) {
        containers.add(m);
        return m;
    }

    /** torchvision's BasicBlock. */
    static final class Block extends Module {
        private final Conv conv1;
        private final BatchNorm bn1;
        private final Conv conv2;
        private final BatchNorm bn2;
        private final Conv downConv;
        private final BatchNorm downBn;
        private final Activation act;

        Block(ResNet net, String path, long in, long out, long stride, Activation act) {
            this.act = act;
            conv1 = Conv.register(this, "conv1", in, out, 3, stride, 1, false);
            bn1 = net.batchNorm(this, "bn1", path + ".bn1", out);
            conv2 = Conv.register(this, "conv2", out, out, 3, 1, 1, false);
            bn2 = net.batchNorm(this, "bn2", path + ".bn2", out);
            if (stride != 1 || in != out) {
                Module down = register_module("downsample", net.kept(new Module()));
                downConv = Conv.register(down, "0", in, out, 1, stride, 0, false);
                downBn = net.batchNorm(down, "1", path + ".downsample.1", out);
            } else {
                downConv = null;
                downBn = null;
            }
        }

        Tensor forward(Tensor x) {
            Tensor y = act.apply(bn1.forward(conv1.forward(x)));
            y = bn2.forward(conv2.forward(y));
            Tensor skip = downConv == null ? x : downBn.forward(downConv.forward(x));
            return act.apply(y.add(skip));
        }
    }
}
