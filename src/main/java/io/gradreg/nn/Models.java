package io.gradreg.nn;

import io.gradreg.GradregException;
import io.gradreg.engine.Engine;
import java.util.Arrays;

/**
 * Parses a model spec and builds the model. Specs: {@code mlp:D-H1-...-K}, {@code lenet5}, {@code lenet5:002},
 * {@code cnn}, {@code resnet}, {@code wrn:DEPTH-WIDTH}, {@code dln:D} or {@code dln:D:ALPHA}, {@code twoparam} or
 * {@code twoparam:A:B}.
 */
public final class Models {
    private Models() {}

    /** Options shared by the models; {@code inputShape} and {@code outputs} come from the data. */
    public record Options(Activation activation, double dropout, boolean batchNorm, long[] inputShape, int outputs) {
        public static Options defaults(long[] inputShape, int outputs) {
            return new Options(Activation.RELU, 0.0, false, inputShape, outputs);
        }

        public Options withActivation(Activation a) {
            return new Options(a, dropout, batchNorm, inputShape, outputs);
        }

        public Options withDropout(double p) {
            return new Options(activation, p, batchNorm, inputShape, outputs);
        }

        public Options withBatchNorm(boolean b) {
            return new Options(activation, dropout, b, inputShape, outputs);
        }
    }

    /**
     * Builds the model named by {@code spec}; the data's shape is checked against it. The engine's
     * threads are split for the model's kernels (convolutional or not, {@link Engine#kernels}).
     */
    public static Net build(String spec, Options o) {
        Net net = create(spec, o);
        Engine.kernels(convolutional(net) ? Engine.Kernels.CONVOLUTION : Engine.Kernels.MATMUL);
        return net;
    }

    /** Whether the net has convolution kernels (4-D weights). */
    static boolean convolutional(Net net) {
        var p = net.params();
        for (int i = 0; i < p.size(); i++) {
            if (p.get(i).dim() == 4) {
                return true;
            }
        }
        return false;
    }

    private static Net create(String spec, Options o) {
        String[] parts = spec.trim().split(":");
        String kind = parts[0].toLowerCase();
        if (o.dropout() < 0 || o.dropout() >= 1) {
            throw new GradregException("dropout must be in [0, 1), got " + o.dropout());
        }
        return switch (kind) {
            case "mlp" -> mlp(spec, parts, o);
            case "lenet5", "lenet" -> {
                requireNumel(spec, o.inputShape(), 784);
                if (parts.length > 2 || parts.length == 2 && !parts[1].equals("002")) {
                    throw new GradregException("model spec '" + spec + "': expected lenet5 or lenet5:002 (seed 002's layout)");
                }
                yield new LeNet5(o.outputs(), o.activation(), o.dropout(), o.batchNorm(), parts.length == 2);
            }
            case "cnn" -> {
                long[] s = imageShape(spec, o.inputShape());
                yield new SmallCnn(s[0], s[1], s[2], o.outputs(), o.activation(), o.dropout());
            }
            case "resnet" -> {
                long[] s = imageShape(spec, o.inputShape());
                if (s[1] != 32 || s[2] != 32) {
                    throw new GradregException("model 'resnet' needs Cx32x32 inputs, the data has " + Arrays.toString(s));
                }
                yield new ResNet(s[0], o.outputs(), o.activation());
            }
            case "wrn" -> wrn(spec, parts, o);
            case "dln" -> {
                if (parts.length < 2 || parts.length > 3) {
                    throw new GradregException("model spec '" + spec + "': expected dln:D or dln:D:ALPHA");
                }
                int d = (int) positive(spec, parts[1]);
                requireNumel(spec, o.inputShape(), d);
                requireOutputs(spec, 1, o);
                double alpha = parts.length == 3 ? number(spec, parts[2]) : 0.1;
                yield new DiagonalLinearNet(d, alpha);
            }
            case "twoparam" -> {
                if (parts.length != 1 && parts.length != 3) {
                    throw new GradregException("model spec '" + spec + "': expected twoparam or twoparam:A:B");
                }
                requireNumel(spec, o.inputShape(), 1);
                requireOutputs(spec, 1, o);
                yield parts.length == 3 ? new TwoParam(number(spec, parts[1]), number(spec, parts[2])) : new TwoParam(2.8, 3.5);
            }
            default -> throw new GradregException("unknown model '" + spec + "': expected mlp:D-H-...-K, lenet5, cnn, resnet, wrn:DEPTH-WIDTH, dln:D or twoparam");
        };
    }

    private static Net mlp(String spec, String[] parts, Options o) {
        if (parts.length != 2) {
            throw new GradregException("model spec '" + spec + "': expected mlp:D-H1-...-K, e.g. mlp:784-512-512-10");
        }
        String[] s = parts[1].split("-");
        if (s.length < 2) {
            throw new GradregException("model spec '" + spec + "': an MLP needs at least two sizes");
        }
        int[] sizes = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            sizes[i] = (int) positive(spec, s[i]);
        }
        if (o.inputShape() != null) {
            requireNumel(spec, o.inputShape(), sizes[0]);
        }
        requireOutputs(spec, sizes[sizes.length - 1], o);
        return new Mlp(sizes, o.activation(), o.dropout(), o.batchNorm());
    }

    /** {@code wrn:DEPTH-WIDTH}, e.g. wrn:28-10; depth must be 6n + 4. Batch norm is part of the model. */
    private static Net wrn(String spec, String[] parts, Options o) {
        String[] s = parts.length == 2 ? parts[1].split("-") : new String[0];
        if (s.length != 2) {
            throw new GradregException("model spec '" + spec + "': expected wrn:DEPTH-WIDTH, e.g. wrn:28-10 or wrn:16-4");
        }
        long depth = positive(spec, s[0]);
        long width = positive(spec, s[1]);
        if (depth < 10 || (depth - 4) % 6 != 0) {
            throw new GradregException("model spec '" + spec + "': WRN depth must be 6n + 4 with n >= 1 (10, 16, 22, 28, 40, ...), got " + depth);
        }
        long[] img = imageShape(spec, o.inputShape());
        return new WideResNet((int) depth, (int) width, img[0], img[1], img[2], o.outputs(), o.activation(), o.dropout());
    }

    private static long[] imageShape(String spec, long[] shape) {
        if (shape == null || shape.length != 3) {
            if (shape != null && shape.length == 1 && shape[0] == 784) {
                return new long[] {1, 28, 28};
            }
            throw new GradregException("model '" + spec + "' needs image inputs CxHxW, the data has shape " + Arrays.toString(shape));
        }
        return shape;
    }

    private static void requireNumel(String spec, long[] shape, long n) {
        if (shape == null) {
            return;
        }
        long m = 1;
        for (long d : shape) {
            m *= d;
        }
        if (m != n) {
            throw new GradregException("model '" + spec + "' takes " + n + " input values per sample, the data has " + m + " " + Arrays.toString(shape));
        }
    }

    /** A model's output count must be what the loss expects: one per class, or the target width. */
    private static void requireOutputs(String spec, long k, Options o) {
        if (o.outputs() > 0 && k != o.outputs()) {
            throw new GradregException("model '" + spec + "' has " + k + " output" + (k == 1 ? "" : "s")
                    + ", the data needs " + o.outputs() + " (one per class, or the width of the targets)");
        }
    }

    private static long positive(String spec, String s) {
        try {
            long v = Long.parseLong(s);
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        throw new GradregException("model spec '" + spec + "': '" + s + "' is not a positive integer");
    }

    private static double number(String spec, String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new GradregException("model spec '" + spec + "': '" + s + "' is not a number");
        }
    }
}
