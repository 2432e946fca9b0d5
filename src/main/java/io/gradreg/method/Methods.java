package io.gradreg.method;

import io.gradreg.GradregException;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds a {@link Method} from its command-line name and hyperparameters. */
public final class Methods {
    private Methods() {}

    /**
     * Every hyperparameter a method may read; each method takes the ones it needs.
     *
     * @param gamma GR's strength, ESAM's selected fraction, WSAM's γ (sharpness weight γ / (1 − γ))
     * @param lambda the input penalties' strength, FriendlySAM's moving-average coefficient
     * @param alpha GSAM's α (the weight of the orthogonal part) and GNP's α = λ/r
     * @param r GNP's radius
     * @param perturbOnly which tensors the ascent of SAM, ASAM and GR moves ({@link PerturbationFilter})
     * @param sigma FriendlySAM's σ, the weight of the moving average taken off the ascent
     * @param samGroup m-sharpness: SAM, ASAM and forward GR per group of this many samples ({@link Grouped}); 0 = off
     * @param wsamDecoupled WSAM's sharpness term applied outside the optimizer (the authors' default), else combined into d
     */
    public record Options(SecondOrder secondOrder, double gamma, double eps, boolean normalized, double rho, double eta, double flood,
            double lambda, double delta, double beta, int projections, InputPenalty.Projection projection, double alpha, double r,
            PerturbationFilter perturbOnly, double sigma, int samGroup, boolean wsamDecoupled) {

        /** Without the SAM-family settings: α 0.1, r 0.05, the ascent on every tensor, σ 1, no groups, decoupled WSAM. */
        public Options(SecondOrder secondOrder, double gamma, double eps, boolean normalized, double rho, double eta, double flood,
                double lambda, double delta, double beta, int projections, InputPenalty.Projection projection) {
            this(secondOrder, gamma, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, projection, 0.1, 0.05,
                    PerturbationFilter.ALL, 1, 0, true);
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
            return new Options(v, gamma, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, projection,
                    alpha, r, perturbOnly, sigma, samGroup, wsamDecoupled);
        }

        public Options withGamma(double v) {
            return new Options(secondOrder, v, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, projection,
                    alpha, r, perturbOnly, sigma, samGroup, wsamDecoupled);
        }

        public Options withEps(double v) {
            return new Options(secondOrder, gamma, v, normalized, rho, eta, flood, lambda, delta, beta, projections, projection,
                    alpha, r, perturbOnly, sigma, samGroup, wsamDecoupled);
        }

        public Options withNormalized(boolean v) {
            return new Options(secondOrder, gamma, eps, v, rho, eta, flood, lambda, delta, beta, projections, projection,
                    alpha, r, perturbOnly, sigma, samGroup, wsamDecoupled);
        }

        public Options withRho(double v) {
            return new Options(secondOrder, gamma, eps, normalized, v, eta, flood, lambda, delta, beta, projections, projection,
                    alpha, r, perturbOnly, sigma, samGroup, wsamDecoupled);
        }

        public Options withEta(double v) {
            return new Options(secondOrder, gamma, eps, normalized, rho, v, flood, lambda, delta, beta, projections, projection, alpha, r, perturbOnly, sigma, samGroup, wsamDecoupled);
        }

        public Options withFlood(double v) {
            return new Options(secondOrder, gamma, eps, normalized, rho, eta, v, lambda, delta, beta, projections, projection,
                    alpha, r, perturbOnly, sigma, samGroup, wsamDecoupled);
        }

        public Options withLambda(double v) {
            return new Options(secondOrder, gamma, eps, normalized, rho, eta, flood, v, delta, beta, projections, projection,
                    alpha, r, perturbOnly, sigma, samGroup, wsamDecoupled);
        }

        public Options withBeta(double v) {
            return new Options(secondOrder, gamma, eps, normalized, rho, eta, flood, lambda, delta, v, projections, projection,
                    alpha, r, perturbOnly, sigma, samGroup, wsamDecoupled);
        }

        public Options withAlpha(double v) {
            return new Options(secondOrder, gamma, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, projection,
                    v, r, perturbOnly, sigma, samGroup, wsamDecoupled);
        }

        public Options withR(double v) {
            return new Options(secondOrder, gamma, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, projection,
                    alpha, v, perturbOnly, sigma, samGroup, wsamDecoupled);
        }

        public Options withPerturbOnly(PerturbationFilter v) {
            return new Options(secondOrder, gamma, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, projection,
                    alpha, r, v, sigma, samGroup, wsamDecoupled);
        }

        public Options withProjection(InputPenalty.Projection v) {
            return new Options(secondOrder, gamma, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, v,
                    alpha, r, perturbOnly, sigma, samGroup, wsamDecoupled);
        }

        public Options withSigma(double v) {
            return new Options(secondOrder, gamma, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, projection,
                    alpha, r, perturbOnly, v, samGroup, wsamDecoupled);
        }

        public Options withSamGroup(int v) {
            return new Options(secondOrder, gamma, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, projection,
                    alpha, r, perturbOnly, sigma, v, wsamDecoupled);
        }

        public Options withWsamDecoupled(boolean v) {
            return new Options(secondOrder, gamma, eps, normalized, rho, eta, flood, lambda, delta, beta, projections, projection,
                    alpha, r, perturbOnly, sigma, samGroup, v);
        }
    }

    /** The names {@link #build} accepts. */
    public static final String NAMES = "plain, gr, sam, asam, gsam, fishersam, gnp, esam, fsam, wsam, flood, doubleback, spectreg, jacreg, frobreg,"
            + " confpen";

    /** The methods whose ascent {@code --perturb-only} restricts. */
    static final String FILTERED = "sam, asam, gr";

    /** The method {@code name} with the hyperparameters it reads from {@code o}; bad values are one-line errors naming the flag. */
    public static Method build(String name, Options o) {
        String n = name.toLowerCase();
        if (o.perturbOnly() != PerturbationFilter.ALL && !List.of("sam", "asam", "gr").contains(n)) {
            throw new GradregException("--perturb-only " + o.perturbOnly() + " applies to " + FILTERED + ", not to " + name);
        }
        Method m = single(name, n, o);
        if (o.samGroup() == 0) {
            return m;
        }
        if (!List.of("sam", "asam", "gr").contains(n) || m instanceof GradientRegularization gr && gr.secondOrder() != SecondOrder.FORWARD) {
            throw new GradregException("--sam-group applies to sam, asam and gr with --second-order forward, not to " + m.describe());
        }
        return new Grouped((ParamSpaceMethod) m, o.samGroup());
    }

    /** The method {@code name} on the whole batch. */
    private static Method single(String name, String n, Options o) {
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
            case "fsam" -> new FriendlySam(positive("rho", o.rho()), nonNegative("sigma", o.sigma()), o.lambda());
            case "wsam" -> new Wsam(positive("rho", o.rho()), o.gamma(), o.wsamDecoupled());
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
     * {@code m} with the strength schedules that apply to it, one per strength: SAM/ASAM's ρ, GR's γ,
     * the input penalties' λ. A schedule other than constant for a strength the method does not have
     * is an error naming the methods that have it.
     */
    public static Method scheduled(Method m, StrengthSchedule rho, StrengthSchedule gamma, StrengthSchedule lambda) {
        Map<String, StrengthSchedule> schedules = new LinkedHashMap<>();
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
    private static final Map<String, String> HAVING = Map.of("rho", "sam, asam, gsam, fishersam, esam, fsam, wsam", "gamma", "gr",
            "lambda", "doubleback, spectreg, jacreg, frobreg");

    /**
     * {@code m} run every {@code k}-th step, plain steps between, or with {@code reuse} the last
     * regularization component between (see {@link Every}); {@code m} itself when k = 1 without reuse.
     */
    public static Method every(Method m, int k, boolean reuse) {
        return every(m, k, reuse ? Every.Reuse.DIFFERENCE : Every.Reuse.NONE, 0);
    }

    /**
     * {@code m} run every {@code k}-th step; between, plain steps or what {@code reuse} keeps of the last
     * full step (see {@link Every}), with LookSAM's {@code alpha}; {@code m} itself when k = 1 without reuse.
     */
    public static Method every(Method m, int k, Every.Reuse reuse, double alpha) {
        if (k < 1) {
            throw new GradregException("--every must be >= 1, got " + k);
        }
        boolean reusing = reuse != Every.Reuse.NONE;
        if (reusing && k < 2) {
            throw new GradregException("--reuse needs --every K with K >= 2 (with K = 1 every step is a full step)");
        }
        if (reusing && m instanceof ConfidencePenalty) {
            throw new GradregException("--reuse needs the plain gradient g of a full step, which confpen does not compute");
        }
        if (reuse == Every.Reuse.LOOKSAM) {
            if (m.unwrapped() instanceof Gsam || m.unwrapped() instanceof Gnp) {
                String which = m.unwrapped() instanceof Gsam ? "gsam" : "gnp";
                throw new GradregException("--reuse looksam reads --alpha, which " + which + " reads too: use one of them");
            }
            nonNegative("--alpha (looksam)", alpha);
        }
        return k == 1 ? m : new Every(m, k, reuse, alpha);
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
