package io.gradreg.analysis;

import io.gradreg.data.Dataset;
import io.gradreg.engine.TensorList;
import io.gradreg.method.Loss;
import io.gradreg.nn.Net;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;

/**
 * Loss-landscape measures at a model's current parameters θ, on the full-dataset mean loss in
 * evaluation mode (methods.md §5): sharpness within a ball, the implicit gradient regularizer
 * R_IG of seed 001, and robustness to parameter noise. Each method leaves θ bit-identical: it
 * copies θ once and restores it from the copy, never by subtracting what it added.
 */
public final class Landscape {
    private Landscape() {}

    /**
     * Sharpness at radius ρ: {@code value} = L(θ + δ) − L(θ) for the best δ found, ‖δ‖ ≤ ρ.
     *
     * @param firstOrder ρ‖g‖, the linear prediction of the increase
     * @param losses L(θ + δ_k) for each visited point δ_0, δ_1, ...
     */
    public record Sharpness(double rho, double value, double loss, double firstOrder, double[] losses) {}

    /** R_IG = ‖∇L‖²/m and λ = h·m/4 (seed 001), so λ·R_IG = (h/4)‖∇L‖² is the implicit penalty. */
    public record ImplicitRegularizer(double loss, double gradNorm, long parameters, double rIG, double lr, double lambda) {
        /** λ·R_IG: the term gradient descent with step h adds to the loss, to first order in h. */
        public double penalty() {
            return lambda * rIG;
        }

        /** R_IG / L, the ratio seed 001 tracks along training. */
        public double ratio() {
            return rIG / loss;
        }
    }

    /** Accuracy and loss over {@code repeats} draws of θ + σξ: means and sample standard deviations. */
    public record NoisePoint(double sigma, double accuracyMean, double accuracyStd, double lossMean, double lossStd, int repeats) {}

    /**
     * Sharpness by projected gradient ascent on the ball ‖δ‖ ≤ ρ: δ_0 = ρ g/‖g‖ (a seeded random
     * direction when g = 0), then δ_{k+1} = ρ ∇L(θ+δ_k)/‖∇L(θ+δ_k)‖. That is projected ascent with a
     * step long enough to always end on the sphere; where L is convex (a quadratic, near a minimum)
     * every step increases the loss, as in Frank–Wolfe, and on a quadratic with g = 0 it is power
     * iteration towards the top eigenvector. The result is the best point visited, so it is a lower
     * bound of the true maximum whatever the landscape. Cost: {@code steps} gradients and
     * {@code steps} + 1 losses over the data, plus one gradient for g.
     */
    public static Sharpness sharpness(Net net, Loss loss, Dataset data, double rho, int steps, long seed) {
        if (!(rho > 0) || steps < 0) {
            throw new IllegalArgumentException("need rho > 0 and steps >= 0, got " + rho + ", " + steps);
        }
        double base = FullBatch.evaluate(net, loss, data).loss();
        double[] g = FullBatch.gradient(net, loss, data);
        double gNorm = FullBatch.norm(g);
        double[] dir = gNorm > 0 ? g : HostVectors.gaussian(g.length, new Random(seed));
        double[] delta = HostVectors.scaled(dir, rho / FullBatch.norm(dir));
        double[] losses = new double[steps + 1];
        double best = Double.NEGATIVE_INFINITY;
        try (PointerScope outer = new PointerScope()) {
            TensorList params = net.params();
            TensorList saved = params.copy();
            try {
                for (int k = 0; ; k++) {
                    double[] grad;
                    try (PointerScope step = new PointerScope()) {
                        params.addInPlace(HostVectors.like(params, delta), 1.0);
                        losses[k] = FullBatch.evaluate(net, loss, data).loss();
                        grad = k < steps ? FullBatch.gradient(net, loss, data) : null;
                        params.copyFrom(saved);
                    }
                    best = Math.max(best, losses[k]);
                    if (grad == null) {
                        break;
                    }
                    double n = FullBatch.norm(grad);
                    if (n == 0) {
                        losses = java.util.Arrays.copyOf(losses, k + 1); // a stationary point: ascent stops
                        break;
                    }
                    delta = HostVectors.scaled(grad, rho / n);
                }
            } finally {
                params.copyFrom(saved);
            }
        }
        return new Sharpness(rho, best - base, base, rho * gNorm, losses);
    }

    /** R_IG and λ on {@code data} for learning rate {@code lr} (NaN when unknown). */
    public static ImplicitRegularizer implicitRegularizer(Net net, Loss loss, Dataset data, double lr) {
        long m = net.numParams();
        double l = FullBatch.evaluate(net, loss, data).loss();
        double gn = FullBatch.norm(FullBatch.gradient(net, loss, data));
        return new ImplicitRegularizer(l, gn, m, gn * gn / m, lr, lr * m / 4);
    }

    /**
     * Accuracy and loss of θ + σξ for each σ, over {@code repeats} draws ξ ~ N(0, I) from Java's
     * generator seeded with {@code seed}. The same draws serve every σ (common random numbers), so
     * the curve over σ is smooth and σ = 0 reproduces the clean model exactly, with zero spread.
     * Draws are regenerated per σ rather than stored, so memory is one host vector of m doubles.
     */
    public static List<NoisePoint> noiseRobustness(Net net, Loss loss, Dataset data, double[] sigmas, int repeats, long seed,
            ProgressListener listener) {
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
        }
        int m = Math.toIntExact(net.numParams());
        List<NoisePoint> out = new ArrayList<>();
        try (PointerScope outer = new PointerScope()) {
            TensorList params = net.params();
            TensorList saved = params.copy();
            try {
                for (int s = 0; s < sigmas.length; s++) {
                    double[] acc = new double[repeats];
                    double[] lss = new double[repeats];
                    Random r = new Random(seed);
                    for (int k = 0; k < repeats; k++) {
                        double[] xi = HostVectors.gaussian(m, r);
                        try (PointerScope draw = new PointerScope()) {
                            params.addInPlace(HostVectors.like(params, xi), sigmas[s]);
                            FullBatch.LossAccuracy la = FullBatch.evaluate(net, loss, data);
                            params.copyFrom(saved);
                            acc[k] = la.accuracy();
                            lss[k] = la.loss();
                        }
                        listener.onProgress("noise sigma=" + sigmas[s], s * repeats + k + 1, sigmas.length * repeats, acc[k]);
                    }
                    double[] a = HostVectors.meanStd(acc);
                    double[] l = HostVectors.meanStd(lss);
                    out.add(new NoisePoint(sigmas[s], a[0], a[1], l[0], l[1], repeats));
                }
            } finally {
                params.copyFrom(saved);
            }
        }
        return out;
    }
}
