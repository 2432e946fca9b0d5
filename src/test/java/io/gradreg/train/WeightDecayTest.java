package io.gradreg.train;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.Fixtures;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.TensorList;
import io.gradreg.method.Loss;
import io.gradreg.method.Plain;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Net;
import org.junit.jupiter.api.Test;

/** Weight decay on weight tensors only, coupled (L2 in the loss) and decoupled, against one step computed by hand (float64). */
class WeightDecayTest {
    final Dataset batch = Synthetic.blobs(8, 4, 3, 1.0, 2, DType.FLOAT64);
    static final double LR = 0.1;
    static final double WD = 0.05;

    /** Parameters after one step of {@code opt} from the fixed initialisation, and the initial parameters and gradient. */
    double[][] oneStep(OptimizerSpec opt) {
        Net net = Fixtures.mlp(3, Activation.TANH, 4, 5, 3);
        double[] theta = net.params().toDoubles();
        double[] g = Fixtures.eval(net, Loss.CROSS_ENTROPY, batch).grad().toDoubles();
        TrainConfig cfg = new TrainConfig(new Plain(), opt, Schedule.CONSTANT, 0, 1, 8, false, 0);
        new Trainer(net, Loss.CROSS_ENTROPY, cfg).step(batch, 1);
        return new double[][] {theta, g, net.params().toDoubles()};
    }

    /** 1 for entries of weight matrices (2+ dims), 0 for biases, in flattened parameter order. */
    static double[] weightMask() {
        Net net = Fixtures.mlp(3, Activation.TANH, 4, 5, 3);
        TensorList p = net.params();
        double[] mask = new double[(int) net.numParams()];
        int k = 0;
        for (int i = 0; i < p.size(); i++) {
            long n = p.get(i).numel();
            for (long j = 0; j < n; j++) {
                mask[k++] = p.get(i).dim() >= 2 ? 1 : 0;
            }
        }
        return mask;
    }

    @Test
    void coupledL2OnWeightsOnlyAddsWdTimesWToTheGradientOfWeightsAlone() {
        double[][] r = oneStep(new OptimizerSpec(OptimizerSpec.Kind.SGD, LR, 0, false, WD, OptimizerSpec.DecayOn.WEIGHTS));
        double[] mask = weightMask();
        double[] theta = r[0];
        double[] g = r[1];
        int biases = 0;
        for (int i = 0; i < theta.length; i++) {
            // d/dθ of L + (wd/2) Σ_W ‖W‖²: g + wd·θ on weights, g on biases
            double expected = theta[i] - LR * (g[i] + WD * mask[i] * theta[i]);
            assertEquals(expected, r[2][i], 1e-14, "parameter " + i);
            biases += mask[i] == 0 ? 1 : 0;
        }
        assertEquals(5 + 3, biases);
    }

    @Test
    void coupledL2WithAdamIsAdamsFirstStepOnTheL2Gradient() {
        double[][] r = oneStep(new OptimizerSpec(OptimizerSpec.Kind.ADAM, LR, 0, false, WD, OptimizerSpec.DecayOn.WEIGHTS));
        double[] mask = weightMask();
        for (int i = 0; i < r[0].length; i++) {
            double gi = r[1][i] + WD * mask[i] * r[0][i];
            // Adam's first step with bias correction: m̂ = g, v̂ = g², step lr·g/(|g| + 1e-8)
            assertEquals(r[0][i] - LR * gi / (Math.abs(gi) + 1e-8), r[2][i], 1e-12, "parameter " + i);
        }
    }

    @Test
    void decoupledOnWeightsOnlyShrinksWeightsByLrTimesWd() {
        double[][] r = oneStep(new OptimizerSpec(OptimizerSpec.Kind.ADAMW, LR, 0, false, WD, OptimizerSpec.DecayOn.WEIGHTS));
        double[] mask = weightMask();
        for (int i = 0; i < r[0].length; i++) {
            double gi = r[1][i];
            double shrunk = r[0][i] * (1 - LR * WD * mask[i]);
            assertEquals(shrunk - LR * gi / (Math.abs(gi) + 1e-8), r[2][i], 1e-12, "parameter " + i);
        }
    }

    @Test
    void allParametersIsTheOptimizersOwnCoupledDecay() {
        double[][] r = oneStep(new OptimizerSpec(OptimizerSpec.Kind.SGD, LR, 0, false, WD));
        for (int i = 0; i < r[0].length; i++) {
            assertEquals(r[0][i] - LR * (r[1][i] + WD * r[0][i]), r[2][i], 1e-14, "parameter " + i);
        }
    }

    @Test
    void stepScheduleSwitchesAtTheAuthorsMilestones() {
        // seed 002: 10,000 iterations, x0.1 at 5,000 and x0.01 at 7,500 (0-based steps)
        assertEquals(1.0, Schedule.STEP.factor(4999, 10_000));
        assertEquals(0.1, Schedule.STEP.factor(5000, 10_000));
        assertEquals(0.1, Schedule.STEP.factor(7499, 10_000));
        assertEquals(0.01, Schedule.STEP.factor(7500, 10_000));
        assertEquals(0.01, Schedule.STEP.factor(9999, 10_000));
    }
}
