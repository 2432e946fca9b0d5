package io.gradreg.repro;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Models;
import io.gradreg.nn.Net;
import org.junit.jupiter.api.Test;

/** Seed 000's flooding identity in float64: a flooding pair is a one-sided GR step on the penalty, and −h²Hg + O(h³). */
class FloodingStepTest {
    static Net net() {
        Engine.start(1);
        Engine.seed(5);
        Net net = Models.build("mlp:6-12-3", Models.Options.defaults(new long[] {6}, 3).withActivation(Activation.TANH));
        net.to(DType.FLOAT64);
        return net;
    }

    @Test
    void aFloodingPairIsAForwardGrStepOnThePenaltyAndItsErrorToHessianStepShrinksLikeHCubed() {
        Net net = net();
        Dataset data = Synthetic.blobs(40, 6, 3, 1.0, 2, DType.FLOAT64);
        double[] before = net.params().toDoubles();
        double[] err = new double[3];
        for (int i = 0; i < 3; i++) {
            double h = 0.04 / Math.pow(2, i);
            for (boolean ascentFirst : new boolean[] {true, false}) {
                FloodingStep.Pair p = FloodingStep.pair(net, data, h, ascentFirst);
                assertTrue(p.signsAsExpected(), "the level lies between L(θ) and L(θ ± hg): " + p);
                // θ₂ − θ = −h[∇L(θ ± hg) − g] exactly: equal to the GR penalty step up to float64 rounding
                // (about 1e-16 of ‖g‖·h, while the step itself is O(h²)).
                assertTrue(p.identityError() < 1e-13 && p.errorToGrStep() < 1e-9 * p.displacementNorm(), p.toString());
                // and close to −h²Hg: the difference is O(h³), much smaller than the step itself (O(h²)).
                assertTrue(p.errorToHessian() < 0.2 * p.hessianStepNorm(), p.toString());
                if (ascentFirst) {
                    err[i] = p.errorToHessian();
                }
            }
        }
        // Halving h divides an O(h³) error by about 8.
        assertEquals(8, err[0] / err[1], 1.0);
        assertEquals(8, err[1] / err[2], 1.0);
        assertArrayEquals(before, net.params().toDoubles(), 0, "the parameters are restored");
    }
}
