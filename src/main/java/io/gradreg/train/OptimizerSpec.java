package io.gradreg.train;

import io.gradreg.GradregException;
import io.gradreg.engine.TensorList;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;

/**
 * Which libtorch optimizer applies the update direction, and its settings. Weight decay is coupled
 * for SGD and Adam (an L2 term (wd/2)·Σ‖θ‖² in the loss: wd·θ is added to the gradient) and
 * decoupled for AdamW (θ ← θ(1 − lr·wd) beside the Adam update), as in PyTorch. With
 * {@link DecayOn#ALL} the optimizer applies it to every parameter; with {@link DecayOn#WEIGHTS}
 * the {@link Trainer} applies the same rule to the weight tensors only (see {@link #decays}).
 */
public record OptimizerSpec(Kind kind, double lr, double momentum, boolean nesterov, double weightDecay, DecayOn decayOn) {

    /** The libtorch optimizer that applies the update: SGD (with momentum and Nesterov), Adam, or AdamW. */
    public enum Kind { SGD, ADAM, ADAMW }

    /** Which parameters weight decay acts on. */
    public enum DecayOn {
        /** Every parameter (the optimizer's own weight decay). */
        ALL,
        /**
         * Weight tensors only: parameters with two or more dimensions (convolution kernels and dense
         * matrices); biases and batch-norm scales and shifts are left alone, as in seed 002's code.
         */
        WEIGHTS;

        /** Parses weights | all. */
        public static DecayOn parse(String s) {
            for (DecayOn d : values()) {
                if (d.name().equalsIgnoreCase(s)) {
                    return d;
                }
            }
            throw new GradregException("unknown --weight-decay-on '" + s + "': expected weights or all");
        }
    }

    /** Weight decay on every parameter. */
    public OptimizerSpec(Kind kind, double lr, double momentum, boolean nesterov, double weightDecay) {
        this(kind, lr, momentum, nesterov, weightDecay, DecayOn.ALL);
    }

    /** Whether weight decay is decoupled from the gradient (AdamW) rather than an L2 term in the loss. */
    public boolean decoupled() {
        return kind == Kind.ADAMW;
    }

    /** Whether the parameter {@code p} is decayed by the trainer rather than by the optimizer. */
    public boolean decays(org.bytedeco.pytorch.Tensor p) {
        return decayOn == DecayOn.WEIGHTS && weightDecay > 0 && p.dim() >= 2;
    }

    /** The weight decay handed to the libtorch optimizer (0 when the trainer applies it to weights only). */
    double optimizerWeightDecay() {
        return decayOn == DecayOn.ALL ? weightDecay : 0;
    }

    public OptimizerSpec {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new GradregException("learning rate must be a positive number, got " + lr);
        }
        if (momentum < 0 || momentum >= 1) {
            throw new GradregException("momentum must be in [0, 1), got " + momentum);
        }
        if (decayOn == null) {
            throw new GradregException("weight decay needs a target (weights or all)");
        }
        if (weightDecay < 0) {
            throw new GradregException("weight decay must be >= 0, got " + weightDecay);
        }
        if (nesterov && (kind != Kind.SGD || momentum == 0)) {
            throw new GradregException("nesterov needs the sgd optimizer with momentum > 0");
        }
    }

    /** Plain SGD with learning rate {@code lr}. */
    public static OptimizerSpec sgd(double lr) {
        return new OptimizerSpec(Kind.SGD, lr, 0, false, 0);
    }

    /** Parses sgd | adam | adamw. */
    public static Kind parseKind(String s) {
        return switch (s.toLowerCase()) {
            case "sgd" -> Kind.SGD;
            case "adam" -> Kind.ADAM;
            case "adamw" -> Kind.ADAMW;
            default -> throw new GradregException("unknown optimizer '" + s + "': expected sgd, adam or adamw");
        };
    }

    /** A libtorch optimizer over {@code params}. */
    public Optimizer build(TensorList params) {
        return switch (kind) {
            case SGD -> {
                SGDOptions o = new SGDOptions(lr);
                o.momentum().put(momentum);
                o.nesterov().put(nesterov);
                o.weight_decay().put(optimizerWeightDecay());
                yield new SGD(params.vector(), o);
            }
            case ADAM -> {
                AdamOptions o = new AdamOptions(lr);
                o.weight_decay().put(optimizerWeightDecay());
                yield new Adam(params.vector(), o);
            }
            case ADAMW -> {
                AdamWOptions o = new AdamWOptions(lr);
                o.weight_decay().put(optimizerWeightDecay());
                yield new AdamW(params.vector(), o);
            }
        };
    }

    /** Sets the learning rate of every parameter group (schedules call this each step). */
    public static void setLearningRate(Optimizer optimizer, double lr) {
        var groups = optimizer.param_groups();
        for (long i = 0; i < groups.size(); i++) {
            groups.get(i).options().set_lr(lr);
        }
    }
}
