package io.gradreg.method;

import io.gradreg.GradregException;

/**
 * m-sharpness (Foret et al., ICLR 2021; Andriushchenko and Flammarion, ICML 2022; methods.md
 * section 2b): the batch is cut into groups of m consecutive samples, each group runs {@code base}
 * as a batch of its own (its own gradient, its own ascent step), and d is the mean of the groups'
 * directions weighted by their sizes. Groups are cut in each worker's part of the batch, from its
 * first row, so a group never spans two workers; the last group of a part is shorter when m does
 * not divide it. A group that spans two micro-batches is evaluated across them, exactly, so
 * {@code --accumulate} does not change the direction ({@link ParamOracle#eachGroup}). With m at
 * least the batch (one process) it is {@code base}, bit for bit.
 */
public record Grouped(ParamSpaceMethod base, int m) implements ParamSpaceMethod, Tunable {
    public Grouped {
        if (m < 1) {
            throw new GradregException("--sam-group must be >= 1 samples (0 = off), got " + m);
        }
        if (!(base instanceof Tunable)) {
            throw new IllegalArgumentException(base.describe() + " has no strength");
        }
    }

    @Override
    public Update direction(ParamOracle o) {
        return o.eachGroup(m, base);
    }

    @Override
    public String strengthName() {
        return ((Tunable) base).strengthName();
    }

    @Override
    public double strength() {
        return ((Tunable) base).strength();
    }

    @Override
    public Method withStrength(double s) {
        return new Grouped((ParamSpaceMethod) ((Tunable) base).withStrength(s), m);
    }

    @Override
    public String describe() {
        return base.describe() + " per group of " + m + " samples";
    }
}
