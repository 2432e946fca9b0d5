package io.gradreg.method;

import io.gradreg.GradregException;

/** Builds a {@link Method} from its command-line name and hyperparameters. */
public final class Methods {
    private Methods() {}

    /** Every hyperparameter a method may read; each method takes the ones it needs. */
    public record Options(SecondOrder secondOrder, double gamma, double eps, boolean normalized, double rho,
            double eta, double flood, double lambda, double delta, double beta, int projections, InputPenalty.Projection projection) {

        /** Per-sample projections. */
        public Options(SecondOrder secondOrder, double gamma, double eps, boolean normalized, double rho, double eta, double flood,
                double lambda, double delta, double beta, int projections) {
            this(secondOrder, gamma, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, InputPenalty.Projection.SAMPLE);
        }

        /** Defaults: forward second order, gamma 0.1, eps 0.01, rho 0.05, eta 0.01, flood 0.05, lambda 0.01, delta 0.01, beta 0.1. */
        public static Options defaults() {
            return new Options(SecondOrder.FORWARD, 0.1, 0.01, false, 0.05, 0.01, 0.05, 0.01, 0.01, 0.1, 0);
        }
    }

    /** The names {@link #build} accepts. */
    public static final String NAMES = "plain, gr, sam, asam, flood, doubleback, spectreg, jacreg, frobreg, confpen";

    public static Method build(String name, Options o) {
        return switch (name.toLowerCase()) {
            case "plain" -> new Plain();
            case "gr" -> {
                nonNegative("gamma", o.gamma());
                fdStep("eps", o.eps(), o.secondOrder());
                yield new GradientRegularization(o.gamma(), o.eps(), o.secondOrder(), o.normalized());
            }
            case "sam" -> new Sam(positive("rho", o.rho()));
            case "asam" -> new Asam(positive("rho", o.rho()), nonNegative("eta", o.eta()));
            case "flood", "flooding" -> new Flooding(nonNegative("flood level", o.flood()));
            case "doubleback", "spectreg", "jacreg", "frobreg" -> {
                nonNegative("lambda", o.lambda());
                fdStep("delta", o.delta(), o.secondOrder());
                if (o.projections() < 0) {
                    throw new GradregException("projections must be >= 0, got " + o.projections());
                }
                yield new InputPenalty(InputPenalty.Kind.valueOf(name.toUpperCase()), o.lambda(), o.secondOrder(),
                        o.delta(), o.projections(), o.projection());
            }
            case "confpen" -> new ConfidencePenalty(nonNegative("beta", o.beta()));
            default -> throw new GradregException("unknown method '" + name + "': expected one of " + NAMES);
        };
    }

    private static double positive(String what, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new GradregException(what + " must be a positive number, got " + v);
        }
        return v;
    }

    private static double nonNegative(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new GradregException(what + " must be >= 0, got " + v);
        }
        return v;
    }

    private static void fdStep(String what, double v, SecondOrder so) {
        if (so != SecondOrder.EXACT) {
            positive(what + " (the finite-difference step)", v);
        }
    }
}
