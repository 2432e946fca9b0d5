package io.gradreg.engine;

import java.util.Arrays;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.TensorVector;

/**
 * A vector in parameter space, stored as one tensor per parameter (the layout libtorch's
 * gradients and optimizers use). Operations return new lists and never modify their inputs,
 * except the methods ending in an underscore, which work in place like libtorch's.
 */
public final class TensorList {
    private final Tensor[] tensors;

    private TensorList(Tensor[] tensors) {
        this.tensors = tensors;
    }

    /** Wraps the given tensors (not copied). */
    public static TensorList of(Tensor... tensors) {
        return new TensorList(tensors);
    }

    /** Takes owning copies of the handles in a libtorch vector, so the list outlives the vector. */
    public static TensorList of(TensorVector v) {
        Tensor[] t = new Tensor[(int) v.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = new Tensor(v.get(i));
        }
        return new TensorList(t);
    }

    public int size() {
        return tensors.length;
    }

    public Tensor get(int i) {
        return tensors[i];
    }

    /** This list with {@code t} appended (e.g. parameters plus the input batch). */
    public TensorList append(Tensor t) {
        Tensor[] r = Arrays.copyOf(tensors, tensors.length + 1);
        r[tensors.length] = t;
        return new TensorList(r);
    }

    /** The first {@code n} tensors. */
    public TensorList head(int n) {
        return new TensorList(Arrays.copyOf(tensors, n));
    }

    /** A libtorch vector holding the same tensors, for calls such as {@code torch.grad}. */
    public TensorVector vector() {
        return new TensorVector(tensors);
    }

    /** Total number of scalars. */
    public long numel() {
        long n = 0;
        for (Tensor t : tensors) {
            n += t.numel();
        }
        return n;
    }

    /** {@code this + alpha * other}. */
    public TensorList add(TensorList other, double alpha) {
        Scalar a = new Scalar(alpha);
        Tensor[] r = new Tensor[tensors.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = tensors[i].add(other.tensors[i], a);
        }
        return new TensorList(r);
    }

    /** {@code this + other}. */
    public TensorList add(TensorList other) {
        return add(other, 1.0);
    }

    /** {@code this - other}. */
    public TensorList sub(TensorList other) {
        return add(other, -1.0);
    }

    /** {@code alpha * this}. */
    public TensorList scale(double alpha) {
        Scalar a = new Scalar(alpha);
        Tensor[] r = new Tensor[tensors.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = tensors[i].mul(a);
        }
        return new TensorList(r);
    }

    /** {@code this + w * (end - this)} in one fused pass per tensor. */
    public TensorList lerp(TensorList end, double w) {
        Scalar a = new Scalar(w);
        Tensor[] r = new Tensor[tensors.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = tensors[i].lerp(end.tensors[i], a);
        }
        return new TensorList(r);
    }

    /** Elementwise product. */
    public TensorList mul(TensorList other) {
        Tensor[] r = new Tensor[tensors.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = tensors[i].mul(other.tensors[i]);
        }
        return new TensorList(r);
    }

    /** Euclidean inner product, accumulated in float64. */
    public double dot(TensorList other) {
        double s = 0;
        for (int i = 0; i < tensors.length; i++) {
            s += tensors[i].flatten().dot(other.tensors[i].flatten()).item_double();
        }
        return s;
    }

    /** Euclidean norm over all parameters. */
    public double norm() {
        return Math.sqrt(dot(this));
    }

    /** The same values cut from the autograd graph. */
    public TensorList detach() {
        Tensor[] r = new Tensor[tensors.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = tensors[i].detach();
        }
        return new TensorList(r);
    }

    /** Zeros of the same shapes and dtypes, outside the autograd graph (an accumulator). */
    public TensorList zerosLike() {
        Tensor[] z = new Tensor[tensors.length];
        for (int i = 0; i < z.length; i++) {
            z[i] = torch.zeros_like(tensors[i].detach());
        }
        return new TensorList(z);
    }

    /** Deep copy of the values, outside the autograd graph. */
    public TensorList copy() {
        Tensor[] r = new Tensor[tensors.length];
        try (NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < r.length; i++) {
                r[i] = tensors[i].detach().clone();
            }
        }
        return new TensorList(r);
    }

    /** In place, without autograd: {@code this += alpha * other}. */
    public void addInPlace(TensorList other, double alpha) {
        Scalar a = new Scalar(alpha);
        try (NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < tensors.length; i++) {
                tensors[i].add_(other.tensors[i], a);
            }
        }
    }

    /** In place, without autograd: copies {@code source}'s values into these tensors. */
    public void copyFrom(TensorList source) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < tensors.length; i++) {
                tensors[i].copy_(source.tensors[i]);
            }
        }
    }

    /** All values, flattened in order, as float64 (for tests and reports). */
    public double[] toDoubles() {
        double[] out = new double[(int) numel()];
        int off = 0;
        for (Tensor t : tensors) {
            double[] v = Tensors.toDoubles(t);
            System.arraycopy(v, 0, out, off, v.length);
            off += v.length;
        }
        return out;
    }

    /** Writes {@code values} (flattened, in order) into these tensors in place. */
    public void setFromDoubles(double[] values) {
        if (values.length != numel()) {
            throw new IllegalArgumentException("expected " + numel() + " values, got " + values.length);
        }
        int off = 0;
        try (NoGradGuard g = new NoGradGuard()) {
            for (Tensor t : tensors) {
                int n = (int) t.numel();
                double[] part = Arrays.copyOfRange(values, off, off + n);
                t.copy_(Tensors.fromDoubles(part, Tensors.shape(t)).to(t.scalar_type()));
                off += n;
            }
        }
    }
}
