package io.gradreg.method;

import io.gradreg.GradregException;
import io.gradreg.engine.TensorList;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Input-space gradient regularization (methods.md section 3): minimizes L + lambda R with
 * R = (1/N) sum_i sum_j c_j ||grad_{x_i} psi_ij||^2, where each probe j is a scalar function of
 * the outputs: the loss (doubleback), r_i^T f with fresh Gaussian r_i (spectreg), or e_k^T f /
 * e_k^T softmax(f) over the K classes (frobreg / jacreg, exact), or n Gaussian projections with
 * weight 1/n (their estimate, {@code projections > 0}).
 *
 * <p>Per-sample input gradients come from one backward pass over the batch: row i of
 * grad_x (1/N) sum_i psi_i is (1/N) grad_{x_i} psi_i, exact unless something couples samples
 * (batch norm in training mode does). The parameter gradient of R is 2 lambda c_j times the
 * slope of s -> grad_theta Psi_j(x + s d_j) along d_j = grad_x psi_j, so the same
 * {@link SecondOrder} choices apply as in parameter space, with step {@code delta}.
 */
public record InputPenalty(Kind kind, double lambda, SecondOrder secondOrder, double delta, int projections)
        implements Tunable {

    /** The four input-gradient penalties of seed 002. */
    public enum Kind { DOUBLEBACK, SPECTREG, JACREG, FROBREG }

    private record Probe(UnaryOperator<Tensor> psi, double weight) {}

    @Override
    public Update direction(Oracle o) {
        if (kind == Kind.JACREG && o.lossFunction() != Loss.CROSS_ENTROPY) {
            throw new GradregException("jacreg penalizes the softmax Jacobian and needs a classification task");
        }
        Tensor x = o.x().detach().set_requires_grad(true);
        Tensor out = o.forward(x);
        Tensor l = o.loss(out);
        TensorList params = o.params();
        TensorList withX = params.append(x);
        int m = params.size();
        long n = o.batchSize();
        boolean exact = secondOrder.needsGraph();

        if (exact) {
            return exactDirection(o, x, out, l);
        }
        TensorList g = kind == Kind.DOUBLEBACK ? null : Oracle.grad(l, params, true, false);
        TensorList correction = null;
        double penalty = 0;
        for (Probe p : probes(o, out)) {
            TensorList both = Oracle.grad(p.psi().apply(out), withX, true, exact);
            TensorList gradPsi = both.head(m).detach();
            Tensor gradX = both.get(m);
            if (g == null) {
                g = gradPsi; // doubleback: psi is the loss itself
            }
            Tensor d = gradX.detach().mul(new Scalar((double) n));
            penalty += p.weight() * n * gradX.detach().square().sum().item_double();
            TensorList slope = secondOrder.slope(o.inputLine(p.psi(), d, gradX), gradPsi, delta);
            TensorList term = slope.scale(2 * lambda * p.weight());
            correction = correction == null ? term : correction.add(term);
        }
        return new Update(g.add(correction), l.item_double(), penalty).withGrad(g.detach());
    }

    /**
     * Exact (double backprop) direction in two kinds of backward pass instead of three: one per probe
     * for grad_x psi_j alone (with its graph; no parameter gradients, which only finite differences
     * need), then one pass over the union of the graphs for
     * g + sum_j 2 lambda c_j (d grad_x psi_j / d theta)^T d_j = vjp([L, grad_x psi_j], theta, [1, 2 lambda c_j d_j]),
     * so the loss's backward and the double backward share one traversal.
     */
    private Update exactDirection(Oracle o, Tensor x, Tensor out, Tensor l) {
        long n = o.batchSize();
        List<Tensor> roots = new ArrayList<>();
        List<Tensor> seeds = new ArrayList<>();
        roots.add(l);
        seeds.add(torch.ones_like(l));
        double penalty = 0;
        for (Probe p : probes(o, out)) {
            Tensor gradX = Oracle.grad(p.psi().apply(out), TensorList.of(x), true, true).get(0);
            Tensor gx = gradX.detach();
            penalty += p.weight() * n * gx.square().sum().item_double();
            roots.add(gradX);
            seeds.add(gx.mul(new Scalar(2 * lambda * p.weight() * n)));
        }
        TensorList d = Oracle.vjp(TensorList.of(roots.toArray(Tensor[]::new)), o.params(), TensorList.of(seeds.toArray(Tensor[]::new)), false);
        return new Update(d, l.item_double(), penalty);
    }

    private List<Probe> probes(Oracle o, Tensor out) {
        long n = o.batchSize();
        Scalar invN = new Scalar(1.0 / n);
        Tensor outDetached = out.detach();
        List<Probe> probes = new ArrayList<>();
        switch (kind) {
            case DOUBLEBACK -> probes.add(new Probe(o::loss, 1.0));
            case SPECTREG -> {
                Tensor r = torch.randn_like(outDetached);
                probes.add(new Probe(f -> f.mul(r).sum().mul(invN), 1.0));
            }
            case FROBREG, JACREG -> {
                UnaryOperator<Tensor> h = kind == Kind.JACREG ? f -> torch.softmax(f, 1) : f -> f;
                if (projections == 0) {
                    for (long k = 0; k < out.size(1); k++) {
                        final long kk = k;
                        probes.add(new Probe(f -> h.apply(f).select(1, kk).sum().mul(invN), 1.0));
                    }
                } else {
                    for (int j = 0; j < projections; j++) {
                        Tensor r = torch.randn_like(outDetached);
                        probes.add(new Probe(f -> h.apply(f).mul(r).sum().mul(invN), 1.0 / projections));
                    }
                }
            }
            default -> throw new IllegalStateException(kind.toString());
        }
        return probes;
    }

    @Override
    public String strengthName() {
        return "lambda";
    }

    @Override
    public double strength() {
        return lambda;
    }

    @Override
    public Method withStrength(double s) {
        return new InputPenalty(kind, s, secondOrder, delta, projections);
    }

    @Override
    public String describe() {
        return kind.name().toLowerCase() + "(" + secondOrder + ", lambda=" + lambda
                + (secondOrder.needsGraph() ? "" : ", delta=" + delta)
                + (projections > 0 ? ", projections=" + projections : "") + ")";
    }
}
