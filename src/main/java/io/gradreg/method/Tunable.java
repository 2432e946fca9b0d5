package io.gradreg.method;

/**
 * A method with one regularization strength that a {@link StrengthSchedule} may scale: SAM and
 * ASAM's ρ, GR's γ, the input penalties' λ. Flooding's level b and the confidence penalty's β are
 * not strengths of this kind and take no schedule (methods.md, "Schedules").
 */
public interface Tunable extends Method {
    /** The parameter's name on the command line: {@code rho}, {@code gamma} or {@code lambda}. */
    String strengthName();

    /** The strength as configured. */
    double strength();

    /** The same method with strength {@code s}. */
    Method withStrength(double s);

    /** The SAM family's strength: the perturbation radius ρ, named {@code rho}. */
    interface Rho extends Tunable {
        /** The perturbation radius. */
        double rho();

        @Override
        default String strengthName() {
            return "rho";
        }

        @Override
        default double strength() {
            return rho();
        }
    }
}
