package io.gradreg.data;

import io.gradreg.engine.DType;
import io.gradreg.engine.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * Inputs and targets held as libtorch tensors: x is [N, ...sampleShape] floating point, y is
 * int64 class indices [N] (classification) or floating targets [N] / [N, K] (regression).
 */
public record Dataset(Tensor x, Tensor y, int classes) {

    /** Builds a dataset from host arrays; {@code classes} is inferred as max(label) + 1. */
    public static Dataset classification(double[] x, long[] shape, long[] labels, DType dtype) {
        long max = -1;
        for (long l : labels) {
            max = Math.max(max, l);
        }
        return new Dataset(Tensors.fromDoubles(x, dtype, shape), Tensors.fromLongs(labels, labels.length), (int) (max + 1));
    }

    /** Builds a regression dataset from host arrays. */
    public static Dataset regression(double[] x, long[] shape, double[] targets, long[] targetShape, DType dtype) {
        return new Dataset(Tensors.fromDoubles(x, dtype, shape), Tensors.fromDoubles(targets, dtype, targetShape), 0);
    }

    public long size() {
        return x.size(0);
    }

    public boolean isClassification() {
        return Tensors.isIntegral(y);
    }

    /** Shape of one input sample. */
    public long[] sampleShape() {
        long[] s = Tensors.shape(x);
        long[] r = new long[s.length - 1];
        System.arraycopy(s, 1, r, 0, r.length);
        return r;
    }

    /** Number of model outputs the task needs: classes, or the target width for regression. */
    public int outputs() {
        if (isClassification()) {
            return classes;
        }
        return y.dim() == 1 ? 1 : (int) y.size(1);
    }

    /** The samples at {@code index} (an int64 tensor), as new tensors. */
    public Dataset select(Tensor index) {
        return new Dataset(x.index_select(0, index), y.index_select(0, index), classes);
    }

    /** The samples [from, to). */
    public Dataset slice(long from, long to) {
        return new Dataset(x.narrow(0, from, to - from), y.narrow(0, from, to - from), classes);
    }

    /** The same data with floating tensors cast to {@code dtype}. */
    public Dataset to(DType dtype) {
        return new Dataset(x.to(dtype.scalarType), isClassification() ? y : y.to(dtype.scalarType), classes);
    }
}
