package io.gradreg.nn;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;

/** Builds libtorch's Conv2d modules (its options object is awkward to fill from Java). */
final class Conv {
    private Conv() {}

    static Conv2dImpl conv2d(long in, long out, long kernel, long stride, long padding, boolean bias) {
        Conv2dOptions o = new Conv2dOptions(in, out, new LongPointer(kernel, kernel));
        o.stride().put(0, stride).put(1, stride);
        o.padding().put(new LongPointer(padding, padding));
        o.bias().put(bias);
        return new Conv2dImpl(o);
    }
}
