package io.gradreg.method;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.GradregException;
import org.junit.jupiter.api.Test;

/** constant | follow-lr | warmup:STEPS, the same for every method that has the strength. */
class StrengthScheduleTest {
    @Test
    void factorsAreFunctionsOfTheStep() {
        StrengthSchedule w = StrengthSchedule.parse("--rho-schedule", "warmup:4");
        assertEquals(0.0, w.factor(new Step(0, 100, 0.7)));
        assertEquals(0.25, w.factor(new Step(1, 100, 0.7)));
        assertEquals(0.5, w.factor(new Step(2, 100, 0.7)));
        assertEquals(1.0, w.factor(new Step(4, 100, 0.7)));
        assertEquals(1.0, w.factor(new Step(400, 100, 0.7)));
        assertEquals(0.7, StrengthSchedule.parse("--rho-schedule", "follow-lr").factor(new Step(3, 10, 0.7)));
        assertEquals(1.0, StrengthSchedule.parse("--rho-schedule", "constant").factor(new Step(3, 10, 0.7)));
        assertEquals("warmup:4", w.toString());
    }

    @Test
    void everyTunableMethodGetsItsStrengthScaled() {
        Step s = new Step(1, 10, 0.3);
        StrengthSchedule lr = StrengthSchedule.parse("f", "follow-lr");
        assertEquals(new Sam(0.05 * 0.3), new Scheduled(new Sam(0.05), lr).at(s));
        assertEquals(new Asam(0.5 * 0.3, 0.01), new Scheduled(new Asam(0.5, 0.01), lr).at(s));
        assertEquals(new GradientRegularization(0.1 * 0.3, 0.01, SecondOrder.CENTRAL, true),
                new Scheduled(new GradientRegularization(0.1, 0.01, SecondOrder.CENTRAL, true), lr).at(s));
        assertEquals(new InputPenalty(InputPenalty.Kind.SPECTREG, 0.02 * 0.3, SecondOrder.FORWARD, 0.01, 2),
                new Scheduled(new InputPenalty(InputPenalty.Kind.SPECTREG, 0.02, SecondOrder.FORWARD, 0.01, 2), lr).at(s));
    }

    @Test
    void aScheduleForAParameterTheMethodLacksIsRefused() {
        StrengthSchedule c = StrengthSchedule.CONSTANT, warm = StrengthSchedule.parse("--gamma-schedule", "warmup:10");
        assertEquals(new Scheduled(new GradientRegularization(0.1, 0.01, SecondOrder.FORWARD, false), warm),
                Methods.scheduled(new GradientRegularization(0.1, 0.01, SecondOrder.FORWARD, false), c, warm, c));
        GradregException e = assertThrows(GradregException.class, () -> Methods.scheduled(new Sam(0.05), c, warm, c));
        assertEquals("--gamma-schedule: sam(rho=0.05) has no gamma (it applies to gr)", e.getMessage());
        e = assertThrows(GradregException.class, () -> Methods.scheduled(new Flooding(0.1), StrengthSchedule.parse("r", "follow-lr"), c, c));
        assertEquals("--rho-schedule: flood(b=0.1) has no rho (it applies to sam, asam, gsam, fishersam, esam, fsam, wsam)", e.getMessage());
        assertEquals("--lambda-schedule: unknown schedule 'cosine': expected constant, follow-lr or warmup:STEPS",
                assertThrows(GradregException.class, () -> StrengthSchedule.parse("--lambda-schedule", "cosine")).getMessage());
        assertEquals("--rho-schedule warmup:STEPS needs a whole number of steps >= 1, got 'warmup:0'",
                assertThrows(GradregException.class, () -> StrengthSchedule.parse("--rho-schedule", "warmup:0")).getMessage());
        assertEquals("--reuse needs --every K with K >= 2 (with K = 1 every step is a full step)",
                assertThrows(GradregException.class, () -> Methods.every(new Sam(0.1), 1, true)).getMessage());
        assertEquals("--reuse needs the plain gradient g of a full step, which confpen does not compute",
                assertThrows(GradregException.class, () -> Methods.every(new ConfidencePenalty(0.1), 2, true)).getMessage());
    }
}
