package io.gradreg.nn;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * LeNet-5 for 1x28x28 inputs (the MNIST model of seed 002). PyTorch equivalent:
 * <pre>
 * conv1 = Conv2d(1, 6, 5, padding=2); conv2 = Conv2d(6, 16, 5)
 * fc1 = Linear(400, 120); fc2 = Linear(120, 84); fc3 = Linear(84, K)
 * forward: pool(act(conv1)) -> pool(act(conv2)) -> flatten -> act(fc1) -> [dropout]
 *          -> act(fc2) -> [dropout] -> fc3;  pool = max_pool2d(2)
 * </pre>
 * With batch norm, {@code bn1}/{@code bn2} (BatchNorm2d) follow conv1/conv2.
 *
 * <p>The layout of seed 002's code ({@code lenet5:002}) differs after fc1: its conv 5×5×120 on the
 * 5×5 map is our fc1 (400 → 120); dropout acts only after act(fc2), and its batch-norm variant has
 * one BatchNorm1d ({@code bn3}, 84 features) there instead:
 * <pre>
 * pool(act(conv1)) -> pool(act(conv2)) -> flatten -> act(fc1) -> act(fc2) -> [dropout | bn3] -> fc3
 * </pre>
 */
public final class LeNet5 extends Net {
    private final Conv conv1;
    private final Conv conv2;
    private final LinearImpl fc1;
    private final LinearImpl fc2;
    private final LinearImpl fc3;
    private final BatchNorm bn1;
    private final BatchNorm bn2;
    private final BatchNorm bn3;
    private final Activation act;
    private final double dropout;
    private final boolean seed002;

    public LeNet5(int classes, Activation act, double dropout, boolean batchNorm) {
        this(classes, act, dropout, batchNorm, false);
    }

    /** @param seed002 the layout of seed 002's code (dropout or batch norm only before fc3), see above */
    public LeNet5(int classes, Activation act, double dropout, boolean batchNorm, boolean seed002) {
        super(1, 28, 28);
        this.act = act;
        this.dropout = dropout;
        this.seed002 = seed002;
        conv1 = Conv.register(this, "conv1", 1, 6, 5, 1, 2, true);
        bn1 = batchNorm && !seed002 ? batchNorm("bn1", 6) : null;
        conv2 = Conv.register(this, "conv2", 6, 16, 5, 1, 0, true);
        bn2 = batchNorm && !seed002 ? batchNorm("bn2", 16) : null;
        fc1 = register_module("fc1", new LinearImpl(400, 120));
        fc2 = register_module("fc2", new LinearImpl(120, 84));
        bn3 = batchNorm && seed002 ? batchNorm("bn3", 84) : null;
        fc3 = register_module("fc3", new LinearImpl(84, classes));
    }

    @Override
    protected Tensor forwardShaped(Tensor x) {
        x = conv1.forward(x);
        if (bn1 != null) {
            x = bn1.forward(x);
        }
        x = torch.max_pool2d(act.apply(x), 2);
        x = conv2.forward(x);
        if (bn2 != null) {
            x = bn2.forward(x);
        }
        x = torch.max_pool2d(act.apply(x), 2).flatten(1, -1);
        if (seed002) {
            x = act.apply(fc2.forward(act.apply(fc1.forward(x))));
            x = bn3 != null ? bn3.forward(x) : drop(x);
            return fc3.forward(x);
        }
        x = drop(act.apply(fc1.forward(x)));
        x = drop(act.apply(fc2.forward(x)));
        return fc3.forward(x);
    }

    private Tensor drop(Tensor x) {
        return dropout > 0 ? torch.dropout(x, dropout, is_training()) : x;
    }
}
