package io.gradreg.method;

import io.gradreg.engine.TensorList;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Efficient SAM (Du et al., ICLR 2022; methods.md section 2b), following the authors' code
 * (dydjw9/Efficient_SAM, {@code utils/Esam.py}) except in how many rows the selection keeps (the
 * code's strict cut keeps one row fewer than the paper's fraction, none at all when that is one):
 * <ul>
 *   <li><b>Stochastic weight perturbation.</b> Each parameter tensor joins the ascent with
 *       probability beta (mask m, drawn from the batch's seed, so every shard, worker and resumed
 *       run draws the same): e = (rho / beta) mg / ||mg||. Tensors left out are not moved.
 *   <li><b>Sharpness-sensitive data selection.</b> The rows whose loss rose most from θ to θ + e,
 *       the ⌊gamma·N⌋ largest rises of the whole batch (ties at the cut all join), give
 *       d = grad of their mean loss at θ + e. With gamma = 1 every row is used and the rises are
 *       not computed.
 * </ul>
 * With beta = 1 and gamma = 1 it is SAM. Under accumulation and data parallelism the selection is
 * made over the whole batch (see {@link ParamOracle#largest}), so the direction is the unsplit one.
 */
public record Esam(double rho, double beta, double gamma) implements ParamSpaceMethod, Tunable.Rho {
    public Esam {
        Checks.nonNegative("esam rho", rho);
        Checks.fraction("esam beta", beta);
        Checks.fraction("esam gamma", gamma);
    }

    @Override
    public Update direction(ParamOracle o) {
        boolean select = gamma < 1;
        Oracle.Eval e = select ? o.evalSamples() : o.eval(false);
        TensorList g = e.grad();
        TensorList v = beta < 1 ? masked(g, mask(o.batchSeed(), g.size(), beta)) : g;
        double n = v.norm();
        if (n == 0) {
            return new Update(g, e.loss()).withGrad(g); // nothing to ascend along, as SAM with g = 0
        }
        double s = rho / (beta * n);
        if (!select) {
            return new Update(o.gradAt(v, s), e.loss()).withGrad(g);
        }
        double[] rise = o.lossesAt(v, s);
        double[] before = e.losses();
        for (int i = 0; i < rise.length; i++) {
            rise[i] -= before[i];
        }
        return new Update(o.gradAt(v, s, o.largest(rise, gamma)), e.loss()).withGrad(g);
    }

    /**
     * Which of {@code tensors} parameter tensors join the ascent: each with probability beta, from
     * a generator seeded by the batch's seed alone (libtorch's generator, which dropout uses, is
     * left alone).
     */
    static boolean[] mask(long batchSeed, int tensors, double beta) {
        SplittableRandom r = new SplittableRandom(batchSeed ^ 0xE5A3_5EEDL);
        boolean[] m = new boolean[tensors];
        for (int i = 0; i < m.length; i++) {
            m[i] = r.nextDouble() < beta;
        }
        return m;
    }

    private static TensorList masked(TensorList g, boolean[] m) {
        Tensor[] out = new Tensor[g.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = m[i] ? g.get(i) : torch.zeros_like(g.get(i));
        }
        return TensorList.of(out);
    }

    @Override
    public Method withStrength(double s) {
        return new Esam(s, beta, gamma);
    }

    @Override
    public String describe() {
        return "esam(rho=" + rho + ", beta=" + beta + ", gamma=" + gamma + ")";
    }
}
