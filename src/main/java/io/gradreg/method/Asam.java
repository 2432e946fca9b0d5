package io.gradreg.method;

import io.gradreg.engine.TensorList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Adaptive SAM: T = |theta| + eta elementwise (T = 1 for biases and normalization parameters),
 * e = rho T^2 Pg / ||T Pg||, d = grad L(theta + e), where P keeps the tensors {@code filter}
 * selects. T = 1 on normalization parameters, so ASAM with {@code norm} equals SAM with
 * {@code norm}; SAM-ON's code scales normalization weights too (methods.md section 2b).
 */
public record Asam(double rho, double eta, PerturbationFilter filter) implements ParamSpaceMethod, Tunable.Rho {
    /** ASAM over every parameter. */
    public Asam(double rho, double eta) {
        this(rho, eta, PerturbationFilter.ALL);
    }

    @Override
    public Update direction(ParamOracle o) {
        return Sam.ascend(o, rho, filter, scaling(o)::mul);
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
    public Method withStrength(double s) {
        return new Asam(s, eta, filter);
    }

    @Override
    public String describe() {
        return "asam(rho=" + rho + ", eta=" + eta + Sam.filterNote(filter) + ")";
    }
}
