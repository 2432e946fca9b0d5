package io.gradreg.nn;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A small CNN with batch norm for C x H x W inputs (H, W divisible by 4). PyTorch equivalent:
 * <pre>
 * conv1 = Conv2d(C, 32, 3, padding=1); bn1 = BatchNorm2d(32)
 * conv2 = Conv2d(32, 64, 3, padding=1); bn2 = BatchNorm2d(64)
 * fc = Linear(64 * H/4 * W/4, K)
 * forward: pool(act(bn1(conv1))) -> pool(act(bn2(conv2))) -> flatten -> [dropout] -> fc
 * </pre>
 */
public final class SmallCnn extends Net {
    private final Conv conv1;
    private final BatchNorm bn1;
    private final Conv conv2;
    private final BatchNorm bn2;
    private final LinearImpl fc;
    private final Activation act;
    private final double dropout;

    public SmallCnn(long channels, long height, long width, int classes, Activation act, double dropout) {
        super(channels, height, width);
        this.act = act;
        this.dropout = dropout;
        conv1 = Conv.register(this, "conv1", channels, 32, 3, 1, 1, true);
        bn1 = batchNorm("bn1", 32);
        conv2 = Conv.register(this, "conv2", 32, 64, 3, 1, 1, true);
        bn2 = batchNorm("bn2", 64);
        fc = register_module("fc", new LinearImpl(64 * (height / 4) * (width / 4), classes));
    }

    @Override
    protected Tensor forwardShaped(Tensor x) {
        x = torch.max_pool2d(act.apply(bn1.forward(conv1.forward(x))), 2);
        x = torch.max_pool2d(act.apply(bn2.forward(conv2.forward(x))), 2).flatten(1, -1);
        if (dropout > 0) {
            x = torch.dropout(x, dropout, is_training());
        }
        return fc.forward(x);
    }
}
