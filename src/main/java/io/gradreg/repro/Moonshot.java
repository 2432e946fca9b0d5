package io.gradreg.repro;

import io.gradreg.stats.Stats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Issue 22's moonshot question on one task: which methods keep at least 90 % of full SAM's paired
 * gain over plain SGD at no more than 1.2× plain's cost per step. The answer names the methods that
 * reach it and always shows the candidates (every-k with reuse, LookSAM, ESAM) with their
 * numbers, so a near miss reads as one. Where SAM itself does not gain, there is no gain to keep,
 * and the sentence says so instead of answering "none".
 *
 * @param reached the methods (other than SAM) that meet both bounds
 * @param sentence the answer for the report, beginning "on TASK"
 */
record Moonshot(List<String> reached, String sentence) {
    static final double GAIN_FRACTION = 0.9;
    static final double MAX_COST = 1.2;
    static final List<String> CANDIDATES = List.of("every5", "looksam", "esam");

    /**
     * @param gain each method's paired difference to plain (fractions, not points), SAM's under "sam"
     * @param cost each method's cost per step over plain's
     */
    static Moonshot of(String task, Map<String, Stats.Paired> gain, Map<String, Double> cost) {
        Stats.Paired sam = gain.get("sam");
        if (sam == null) {
            throw new IllegalArgumentException("no SAM row on task " + task);
        }
        boolean samGains = sam.mean() > 0;
        List<String> reached = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        for (Map.Entry<String, Stats.Paired> e : gain.entrySet()) {
            String id = e.getKey();
            if (id.equals("sam")) {
                continue;
            }
            double g = e.getValue().mean();
            double c = cost.get(id);
            // "at least 90 %": 0.9·SAM's gain is rounded, and a gain exactly at the bound must not miss it by an ulp.
            boolean hit = samGains && g >= GAIN_FRACTION * sam.mean() - 1e-12 && c <= MAX_COST;
            if (hit) {
                reached.add(id);
            }
            if (hit || CANDIDATES.contains(id)) {
                shown.add(samGains ? String.format("%s %+.2f (%.0f %% of SAM's) at %.2f×", id, 100 * g, 100 * g / sam.mean(), c)
                        : String.format("%s %+.2f at %.2f×", id, 100 * g, c));
            }
        }
        String samText = String.format("%+.2f ± %.2f points at %.2f×", 100 * sam.mean(), 100 * sam.se(), cost.get("sam"));
        String head;
        if (!samGains) {
            head = "on " + task + " SAM itself does not gain over plain SGD (" + samText + "), so there is no gain to keep";
        } else {
            head = "on " + task + (reached.isEmpty() ? " none does" : " " + String.join(", ", reached) + " reach" + (reached.size() == 1 ? "es" : "")
                    + " it") + " (SAM " + samText + (sam.mean() < 2 * sam.se() ? ", within 2 standard errors of zero" : "") + ")";
        }
        return new Moonshot(List.copyOf(reached), shown.isEmpty() ? head : head + "; " + String.join(", ", shown));
    }

    boolean isReached() {
        return !reached.isEmpty();
    }
}
