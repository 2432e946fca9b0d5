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
 * Which libtorch optimizer applies the update direction, and its settings. Weight decay is the
 * optimizer's own (coupled for SGD and Adam, decoupled for AdamW), as in PyTorch.
 */
public record OptimizerSpec(Kind kind, double lr, double momentum, boolean nesterov, double weightDecay) {

    public enum Kind { SGD, ADAM, ADAMW }

    public OptimizerSpec {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new GradregException("learning rate must be a positive number, got " + lr);
        }
        if (momentum < 0 || momentum >= 1) {
            throw new GradregException("momentum must be in [0, 1), got " + momentum);
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
                o.weight_decay().put(weightDecay);
                yield new SGD(params.vector(), o);
            }
            case ADAM -> {
                AdamOptions o = new AdamOptions(lr);
                o.weight_decay().put(weightDecay);
                yield new Adam(params.vector(), o);
            }
            case ADAMW -> {
                AdamWOptions o = new AdamWOptions(lr);
                o.weight_decay().put(weightDecay);
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
