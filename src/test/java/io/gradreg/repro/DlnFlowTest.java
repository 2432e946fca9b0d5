package io.gradreg.repro;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.engine.TensorList;
import io.gradreg.engine.Tensors;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.Loss;
import io.gradreg.method.Method;
import io.gradreg.method.Oracle;
import io.gradreg.method.Plain;
import io.gradreg.method.SecondOrder;
import io.gradreg.nn.DiagonalLinearNet;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.Test;

/** The closed-form diagonal-network dynamics against the project's methods on nn/DiagonalLinearNet (libtorch autograd). */
class DlnFlowTest {
    @Test
    void closedFormDirectionsMatchTheMethodsStepForStep() {
        Engine.start(1);
        int n = 8;
        int d = 20;
        Dataset data = Synthetic.sparseRegression(n, d, 3, 5, DType.FLOAT64);
        double[] x = Tensors.toDoubles(data.x());
        double[] y = Tensors.toDoubles(data.y());
        Object[][] cases = {
            {new DlnFlow.Spec(DlnFlow.Kind.PLAIN, 0, 0, false), new Plain()},
            {new DlnFlow.Spec(DlnFlow.Kind.EXACT, 0.3, 0, false), new GradientRegularization(0.3, 0, SecondOrder.EXACT, false)},
            {new DlnFlow.Spec(DlnFlow.Kind.FORWARD, 0.3, 0.05, false), new GradientRegularization(0.3, 0.05, SecondOrder.FORWARD, false)},
            {new DlnFlow.Spec(DlnFlow.Kind.BACKWARD, 0.3, 0.05, false), new GradientRegularization(0.3, 0.05, SecondOrder.BACKWARD, false)},
            {new DlnFlow.Spec(DlnFlow.Kind.FORWARD, 0.3, 0.2, true), new GradientRegularization(0.3, 0.2, SecondOrder.FORWARD, true)},
            {new DlnFlow.Spec(DlnFlow.Kind.BACKWARD, 0.3, 0.2, true), new GradientRegularization(0.3, 0.2, SecondOrder.BACKWARD, true)},
        };
        for (Object[] c : cases) {
            DlnFlow.Spec spec = (DlnFlow.Spec) c[0];
            Method method = (Method) c[1];
            DlnFlow flow = new DlnFlow(x, y, n, d, 0.5); // 0.5: exact in float32, where the net creates its parameters
            DiagonalLinearNet net = new DiagonalLinearNet(d, 0.5);
            net.to(DType.FLOAT64);
            TensorList params = net.params();
            for (int step = 0; step < 5; step++) {
                try (PointerScope scope = new PointerScope()) {
                    var update = method.direction(new Oracle(net, Loss.SQUARED_ERROR, data.x(), data.y(), 0));
                    double[] expected = update.direction().toDoubles();
                    assertEquals(flow.loss(), update.loss(), 1e-13, spec.label());
                    double[] got = flow.direction(spec, 0.05);
                    for (int i = 0; i < 2 * d; i++) {
                        assertEquals(expected[i], got[i], 1e-12 * (1 + Math.abs(expected[i])), spec.label() + " step " + step + " entry " + i);
                    }
                    try (NoGradGuard g = new NoGradGuard()) {
                        params.addInPlace(update.direction(), -0.05);
                    }
                    for (int i = 0; i < d; i++) {
                        flow.u[i] -= 0.05 * got[i];
                        flow.v[i] -= 0.05 * got[d + i];
                    }
                }
            }
        }
    }

    @Test
    void theIntegralGivesTheRunsOwnScaleForSmallSteps() {
        // Under the flow, u_i v_i = α² exp(−8γ ∫ g_i g̃_i dt) exactly; a small step should nearly keep it.
        Engine.start(1);
        int n = 8;
        int d = 20;
        Dataset data = Synthetic.sparseRegression(n, d, 3, 6, DType.FLOAT64);
        DlnFlow flow = new DlnFlow(Tensors.toDoubles(data.x()), Tensors.toDoubles(data.y()), n, d, 0.5);
        DlnFlow.Spec spec = new DlnFlow.Spec(DlnFlow.Kind.EXACT, 0.5, 0, false);
        for (int k = 0; k < 20000; k++) {
            flow.step(spec, 1e-4);
        }
        double[] theory = flow.alphaTheory(0.5);
        double[] measured = flow.alphaMeasured();
        double spread = 0;
        for (int i = 0; i < d; i++) {
            assertEquals(theory[i], measured[i], 2e-3 * theory[i], "coordinate " + i);
            spread = Math.max(spread, Math.abs(Math.log(theory[i] / 0.5)));
        }
        assertTrue(spread > 0.01, "GR has moved the scales: " + spread);
    }
}
