package io.gradreg.method;

import io.gradreg.engine.TensorList;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * LookSAM's two computations (Liu et al., CVPR 2022; methods.md section 2b), tensor by tensor as
 * the public code takes them: on a full step, g_v = d − (⟨d, g⟩ / ‖g‖²) g, the part of the full
 * step's direction d orthogonal to g; between full steps, d = g + α (‖g‖ / ‖g_v‖) g_v. The kept g_v
 * is state of the run ({@link Every} with {@link Every.Reuse#LOOKSAM}).
 */
final class LookSam {
    private LookSam() {}

    /** Per tensor i: d_i − (⟨d_i, g_i⟩ / ‖g_i‖²) g_i; d_i itself where g_i = 0 (the code divides by zero there). */
    static TensorList orthogonal(TensorList d, TensorList g) {
        Tensor[] out = new Tensor[d.size()];
        for (int i = 0; i < out.length; i++) {
            double gg = dot(g.get(i), g.get(i));
            out[i] = gg > 0 ? d.get(i).add(g.get(i), new Scalar(-dot(d.get(i), g.get(i)) / gg)) : d.get(i);
        }
        return TensorList.of(out);
    }

    /** ⟨a, b⟩ of two tensors, as a double. */
    private static double dot(Tensor a, Tensor b) {
        return a.flatten().dot(b.flatten()).item_double();
    }

    /** A step between full steps: d_i = g_i + α (‖g_i‖ / ‖g_v,i‖) g_v,i per tensor; g_i where g_v,i = 0. */
    record Between(TensorList gv, double alpha) implements ParamSpaceMethod {
        @Override
        public Update direction(ParamOracle o) {
            Oracle.Eval e = o.eval(false);
            TensorList g = e.grad();
            Tensor[] d = new Tensor[g.size()];
            for (int i = 0; i < d.length; i++) {
                double nv = Math.sqrt(dot(gv.get(i), gv.get(i)));
                double ng = Math.sqrt(dot(g.get(i), g.get(i)));
                d[i] = nv > 0 ? g.get(i).add(gv.get(i), new Scalar(alpha * (ng / nv))) : g.get(i);
            }
            return new Update(TensorList.of(d), e.loss()).withGrad(g);
        }

        @Override
        public String describe() {
            return "plain + LookSAM's kept g_v (alpha=" + alpha + ")";
        }
    }
}
