package io.gradreg.method;

import io.gradreg.engine.TensorList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Adaptive SAM: T = |theta| + eta elementwise (T = 1 for biases and normalization parameters),
 * e = rho T^2 g / ||T g||, d = grad L(theta + e).
 */
public record Asam(double rho, double eta) implements ParamSpaceMethod, Tunable {
    @Override
    public Update direction(ParamOracle o) {
        return Sam.ascend(o, rho, scaling(o)::mul);
    }

    private TensorList scaling(ParamOracle o) {
        TensorList p = o.params();
        List<String> names = o.net().paramNames();
        Tensor[] t = new Tensor[p.size()];
        for (int i = 0; i < t.length; i++) {
            Tensor theta = p.get(i).detach();
            t[i] = o.net().isBiasOrNorm(names.get(i)) ? torch.ones_like(theta) : theta.abs().add(new Scalar(eta));
        }
        return TensorList.of(t);
    }

    @Override
    public String strengthName() {
        return "rho";
    }

    @Override
    public double strength() {
        return rho;
    }

    @Override
    public Method withStrength(double s) {
        return new Asam(s, eta);
    }

    @Override
    public String describe() {
        return "asam(rho=" + rho + ", eta=" + eta + ")";
    }
}
