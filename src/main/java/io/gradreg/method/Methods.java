package io.gradreg.method;

import io.gradreg.GradregException;
import java.util.List;
import java.util.Map;

/** Builds a {@link Method} from its command-line name and hyperparameters. */
public final class Methods {
    private Methods() {}

    /**
     * Every hyperparameter a method may read; each method takes the ones it needs.
     *
     * @param alpha GSAM's α (the weight of the orthogonal part) and GNP's α = λ/r
     * @param r GNP's radius
     * @param perturbOnly which tensors the ascent of SAM, ASAM and GR moves ({@link PerturbationFilter})
     */
    public record Options(SecondOrder secondOrder, double gamma, double eps, boolean normalized, double rho,
            double eta, double flood, double lambda, double delta, double beta, int projections, InputPenalty.Projection projection,
            double alpha, double r, PerturbationFilter perturbOnly) {

        /** Without the SAM-family settings: α 0.1, r 0.05, the ascent on every tensor. */
        public Options(SecondOrder secondOrder, double gamma, double eps, boolean normalized, double rho, double eta, double flood,
                double lambda, double delta, double beta, int projections, InputPenalty.Projection projection) {
            this(secondOrder, gamma, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, projection, 0.1, 0.05,
                    PerturbationFilter.ALL);
        }

        /** Per-sample projections. */
        public Options(SecondOrder secondOrder, double gamma, double eps, boolean normalized, double rho, double eta, double flood,
                double lambda, double delta, double beta, int projections) {
            this(secondOrder, gamma, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, InputPenalty.Projection.SAMPLE);
        }

        /** Defaults: forward second order, gamma 0.1, eps 0.01, rho 0.05, eta 0.01, flood 0.05, lambda 0.01, delta 0.01, beta 0.1. */
        public static Options defaults() {
            return new Options(SecondOrder.FORWARD, 0.1, 0.01, false, 0.05, 0.01, 0.05, 0.01, 0.01, 0.1, 0);
        }

        public Options withSecondOrder(SecondOrder v) {
            return new Options(v, gamma, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, projection, alpha, r, perturbOnly);
        }

        public Options withGamma(double v) {
            return new Options(secondOrder, v, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, projection, alpha, r, perturbOnly);
        }

        public Options withEps(double v) {
            return new Options(secondOrder, gamma, v, normalized, rho, eta, flood, lambda, delta, beta, projections, projection, alpha, r, perturbOnly);
        }

        public Options withNormalized(boolean v) {
            return new Options(secondOrder, gamma, eps, v, rho, eta, flood, lambda, delta, beta, projections, projection, alpha, r, perturbOnly);
        }

        public Options withRho(double v) {
            return new Options(secondOrder, gamma, eps, normalized, v, eta, flood, lambda, delta, beta, projections, projection, alpha, r, perturbOnly);
        }

        public Options withFlood(double v) {
            return new Options(secondOrder, gamma, eps, normalized, rho, eta, v, lambda, delta, beta, projections, projection, alpha, r, perturbOnly);
        }

        public Options withLambda(double v) {
            return new Options(secondOrder, gamma, eps, normalized, rho, eta, flood, v, delta, beta, projections, projection, alpha, r, perturbOnly);
        }

        public Options withBeta(double v) {
            return new Options(secondOrder, gamma, eps, normalized, rho, eta, flood, lambda, delta, v, projections, projection, alpha, r, perturbOnly);
        }

        public Options withAlpha(double v) {
            return new Options(secondOrder, gamma, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, projection, v, r, perturbOnly);
        }

        public Options withR(double v) {
            return new Options(secondOrder, gamma, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, projection, alpha, v, perturbOnly);
        }

        public Options withPerturbOnly(PerturbationFilter v) {
            return new Options(secondOrder, gamma, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, projection, alpha, r, v);
        }

        public Options withProjection(InputPenalty.Projection v) {
            return new Options(secondOrder, gamma, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, v, alpha, r, perturbOnly);
        }
    }

    /** The names {@link #build} accepts. */
    public static final String NAMES = "plain, gr, sam, asam, gsam, fishersam, gnp, esam, flood, doubleback, spectreg, jacreg, frobreg, confpen";

    /** The methods whose ascent {@code --perturb-only} restricts. */
    static final String FILTERED = "sam, asam, gr";

    /** The method {@code name} with the hyperparameters it reads from {@code o}; bad values are one-line errors naming the flag. */
    public static Method build(String name, Options o) {
        String n = name.toLowerCase();
        if (o.perturbOnly() != PerturbationFilter.ALL && !List.of("sam", "asam", "gr").contains(n)) {
            throw new GradregException("--perturb-only " + o.perturbOnly() + " applies to " + FILTERED + ", not to " + name);
        }
        return switch (n) {
            case "plain" -> new Plain();
            case "gr" -> {
                nonNegative("gamma", o.gamma());
                fdStep("eps", o.eps(), o.secondOrder());
                yield new GradientRegularization(o.gamma(), o.eps(), o.secondOrder(), o.normalized(), o.perturbOnly());
            }
            case "sam" -> new Sam(positive("rho", o.rho()), o.perturbOnly());
            case "asam" -> new Asam(positive("rho", o.rho()), nonNegative("eta", o.eta()), o.perturbOnly());
            case "gsam" -> new Gsam(positive("rho", o.rho()), nonNegative("alpha", o.alpha()));
            case "fishersam" -> new FisherSam(positive("rho", o.rho()), nonNegative("eta", o.eta()));
            case "gnp" -> new Gnp(nonNegative("alpha", o.alpha()), positive("r", o.r()));
            case "esam" -> new Esam(positive("rho", o.rho()), o.beta(), o.gamma());
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

    /**
     * {@code m} with the strength schedules that apply to it: {@code schedules} maps a strength name
     * ({@code rho}, {@code gamma}, {@code lambda}) to its schedule. A schedule other than constant
     * for a parameter the method does not have is an error naming the methods that have it.
     */
    public static Method scheduled(Method m, Map<String, StrengthSchedule> schedules) {
        return scheduled(m, schedules.getOrDefault("rho", StrengthSchedule.CONSTANT), schedules.getOrDefault("gamma", StrengthSchedule.CONSTANT),
                schedules.getOrDefault("lambda", StrengthSchedule.CONSTANT));
    }

    /** As {@link #scheduled(Method, Map)}, one schedule per strength: SAM/ASAM's ρ, GR's γ, the input penalties' λ. */
    public static Method scheduled(Method m, StrengthSchedule rho, StrengthSchedule gamma, StrengthSchedule lambda) {
        Map<String, StrengthSchedule> schedules = new java.util.LinkedHashMap<>();
        schedules.put("rho", rho);
        schedules.put("gamma", gamma);
        schedules.put("lambda", lambda);
        Method out = m;
        for (Map.Entry<String, StrengthSchedule> e : schedules.entrySet()) {
            if (e.getValue().isConstant()) {
                continue;
            }
            if (!(m instanceof Tunable t) || !t.strengthName().equals(e.getKey())) {
                throw new GradregException("--" + e.getKey() + "-schedule: " + m.describe() + " has no " + e.getKey()
                        + " (it applies to " + HAVING.get(e.getKey()) + ")");
            }
            out = new Scheduled(t, e.getValue());
        }
        return out;
    }

    /** Which methods have each schedulable strength. */
    private static final Map<String, String> HAVING = Map.of("rho", "sam, asam, gsam, fishersam, esam", "gamma", "gr",
            "lambda", "doubleback, spectreg, jacreg, frobreg");

    /**
     * {@code m} run every {@code k}-th step, plain steps between, or with {@code reuse} the last
     * regularization component between (see {@link Every}); {@code m} itself when k = 1 without reuse.
     */
    public static Method every(Method m, int k, boolean reuse) {
        if (k < 1) {
            throw new GradregException("--every must be >= 1, got " + k);
        }
        if (reuse && k < 2) {
            throw new GradregException("--reuse needs --every K with K >= 2 (with K = 1 every step is a full step)");
        }
        if (reuse && m instanceof ConfidencePenalty) {
            throw new GradregException("--reuse needs the plain gradient g of a full step, which confpen does not compute");
        }
        return k == 1 ? m : new Every(m, k, reuse);
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
