package io.gradreg.train;

import io.gradreg.engine.TensorList;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The optimizer step as torch.optim takes it: a libtorch optimizer applying an update direction
 * at the step's learning rate, with weight decay as {@link OptimizerSpec} says. Decay on every
 * parameter is the libtorch optimizer's own; decay on the weight tensors only (seed 002's
 * 0.0005·Σ½‖W‖²) is applied here by the same rule: added to the direction when coupled (SGD,
 * Adam), θ ← θ(1 − lr·wd) before the update when decoupled (AdamW).
 */
final class Optim {
    private final OptimizerSpec spec;
    private final Optimizer optimizer;

    Optim(OptimizerSpec spec, TensorList params) {
        this.spec = spec;
        this.optimizer = spec.build(params);
    }

    /** libtorch's optimizer (its state is what a checkpoint saves). */
    Optimizer libtorch() {
        return optimizer;
    }

    /**
     * θ ← the optimizer's update of θ along {@code direction} at learning rate {@code lr}, then
     * θ ← θ − lr·{@code outside} when a part of the step is taken outside the optimizer (decoupled
     * WSAM's sharpness term, as its authors apply it after the base optimizer's step; null: none).
     */
    void step(TensorList params, TensorList direction, TensorList outside, double lr) {
        OptimizerSpec.setLearningRate(optimizer, lr);
        for (int i = 0; i < params.size(); i++) {
            Tensor d = direction.get(i);
            if (spec.decays(params.get(i)) && !spec.decoupled()) {
                d = d.add(params.get(i).detach(), new Scalar(spec.weightDecay())); // gradient of (wd/2)‖W‖²
            }
            params.get(i).mutable_grad().put(d);
        }
        if (spec.decoupled()) {
            try (NoGradGuard g = new NoGradGuard()) {
                for (int i = 0; i < params.size(); i++) {
                    if (spec.decays(params.get(i))) {
                        params.get(i).mul_(new Scalar(1 - lr * spec.weightDecay()));
                    }
                }
            }
        }
        optimizer.step();
        if (outside != null) {
            params.addInPlace(outside, -lr);
        }
    }
}
