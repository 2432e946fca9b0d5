package io.gradreg.nn;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A 2-D convolution: libtorch's {@code Conv2d} module (registered under its PyTorch name, so
 * {@code state_dict} names and layouts are PyTorch's), with its zero padding done by an explicit
 * {@code constant_pad_nd} when the layer has few input channels.
 *
 * <p>Why: oneDNN 3.7.1's convolution backward with few input channels and padding gave
 * non-finite and wrong input gradients on some machines (docs/design.md, "oneDNN's padded
 * convolution"). The same convolution on an explicitly padded input with padding 0 is
 * mathematically identical, costs one small copy of the input, and keeps every derived
 * convolution of the double backward unpadded too.
 */
public final class Conv {
    /** Below this many input channels the padding is done explicitly (oneDNN pads such channel blocks). */
    static final long FEW_CHANNELS = 8;

    private final Conv2dImpl module;
    private final long[] pad;

    private Conv(Conv2dImpl module, long padding) {
        this.module = module;
        this.pad = padding == 0 ? null : new long[] {padding, padding, padding, padding};
    }

    /** Registers a {@code Conv2d(in, out, kernel, stride, padding, bias)} under {@code name} in {@code parent}. */
    static Conv register(Module parent, String name, long in, long out, long kernel, long stride, long padding, boolean bias) {
        boolean explicit = padding > 0 && in < FEW_CHANNELS;
        Conv2dImpl m = parent.register_module(name, conv2d(in, out, kernel, stride, explicit ? 0 : padding, bias));
        return new Conv(m, explicit ? padding : 0);
    }

    Tensor forward(Tensor x) {
        return module.forward(pad == null ? x : torch.constant_pad_nd(x, pad, new Scalar(0.0)));
    }

    private static Conv2dImpl conv2d(long in, long out, long kernel, long stride, long padding, boolean bias) {
        Conv2dOptions o = new Conv2dOptions(in, out, new LongPointer(kernel, kernel));
        o.stride().put(0, stride).put(1, stride);
        o.padding().put(new LongPointer(padding, padding));
        o.bias().put(bias);
        return new Conv2dImpl(o);
    }
}
