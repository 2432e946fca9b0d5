package io.gradreg.data;

import io.gradreg.engine.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Per-channel standardization x → (x − mean) / (std + 1e-7), with the mean and the population
 * standard deviation of the training inputs, applied unchanged to test and unlabeled inputs. A
 * channel is a slice along axis 1: each feature of N × D data, each image channel (over all its
 * pixels) of N × C × H × W data. That is Keras' featurewise standardization, which seed 002's code
 * used (its ImageDataGenerator); per-pixel statistics would divide MNIST's constant border pixels by
 * (almost) zero.
 */
public record Standardizer(double[] mean, double[] std) {
    /** Keras' epsilon, added to the standard deviation. */
    public static final double EPS = 1e-7;

    /** The statistics of {@code x} (N × C × ...), per channel, in float64. */
    public static Standardizer fit(Tensor x) {
        double[] v = Tensors.toDoubles(x);
        long n = x.size(0);
        int c = (int) x.size(1);
        long inner = v.length / (n * c);
        double[] mean = new double[c];
        double[] sq = new double[c];
        for (long i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                long base = (i * c + ch) * inner;
                for (long j = 0; j < inner; j++) {
                    mean[ch] += v[(int) (base + j)];
                }
            }
        }
        double count = (double) n * inner;
        for (int ch = 0; ch < c; ch++) {
            mean[ch] /= count;
        }
        for (long i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                long base = (i * c + ch) * inner;
                for (long j = 0; j < inner; j++) {
                    double d = v[(int) (base + j)] - mean[ch];
                    sq[ch] += d * d;
                }
            }
        }
        double[] std = new double[c];
        for (int ch = 0; ch < c; ch++) {
            std[ch] = Math.sqrt(sq[ch] / count);
        }
        return new Standardizer(mean, std);
    }

    /** {@code x} standardized with these statistics (a new tensor of x's dtype). */
    public Tensor apply(Tensor x) {
        long[] shape = new long[(int) x.dim()];
        java.util.Arrays.fill(shape, 1);
        shape[1] = mean.length;
        double[] scale = new double[std.length];
        for (int i = 0; i < scale.length; i++) {
            scale[i] = 1 / (std[i] + EPS);
        }
        Tensor m = Tensors.fromDoubles(mean, shape).to(x.scalar_type());
        Tensor s = Tensors.fromDoubles(scale, shape).to(x.scalar_type());
        return x.sub(m).mul(s);
    }

    /** {@code d} with standardized inputs. */
    public Dataset apply(Dataset d) {
        return d == null ? null : new Dataset(apply(d.x()), d.y(), d.classes());
    }

    /** Mean and std per channel, for config.json. */
    public java.util.Map<String, Object> describe() {
        return java.util.Map.of("mean", mean, "std", std, "eps", EPS, "per", "channel (axis 1)");
    }
}
