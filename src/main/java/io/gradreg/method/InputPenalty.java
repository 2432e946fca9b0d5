package io.gradreg.method;

import io.gradreg.GradregException;
import io.gradreg.engine.TensorList;
import io.gradreg.engine.Tensors;
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
public record InputPenalty(Kind kind, double lambda, SecondOrder secondOrder, double delta, int projections, Projection projection)
        implements Tunable {

    /** The four input-gradient penalties of seed 002. */
    public enum Kind { DOUBLEBACK, SPECTREG, JACREG, FROBREG }

    /**
     * How SpectReg's (and the projection estimates') Gaussian vectors r are drawn: one per sample
     * and step (methods.md), or one per mini-batch, shared by its samples (seed 002's code). The
     * batch draw comes from the step's batch seed, so every shard and worker uses the same r.
     */
    public enum Projection {
        SAMPLE, BATCH;

        /** Parses sample | batch. */
        public static Projection parse(String s) {
            for (Projection p : values()) {
                if (p.name().equalsIgnoreCase(s)) {
                    return p;
                }
            }
            throw new GradregException("unknown projection '" + s + "': expected sample or batch");
        }
    }

    /** Per-sample projections (methods.md). */
    public InputPenalty(Kind kind, double lambda, SecondOrder secondOrder, double delta, int projections) {
        this(kind, lambda, secondOrder, delta, projections, Projection.SAMPLE);
    }

    /** Whether the penalty needs no labels, so that it can run on unlabeled inputs. */
    public boolean labelFree() {
        return kind != Kind.DOUBLEBACK;
    }

    private record Probe(UnaryOperator<Tensor> psi, double weight) {}

    @Override
    public Update direction(Oracle o) {
        return direction(o, false);
    }

    /** With exact second order, g is fused into the last backward pass unless {@code reportGrad} asks for it apart. */
    @Override
    public Method reportingGrad() {
        return secondOrder.needsGraph() ? new GradReporting(this) : this;
    }

    /** This penalty, with its exact direction's Update carrying g (one more backward pass). */
    private record GradReporting(InputPenalty base) implements Method {
        @Override
        public Update direction(Oracle o) {
            return base.direction(o, true);
        }

        @Override
        public String describe() {
            return base.describe();
        }
    }

    private Update direction(Oracle o, boolean reportGrad) {
        if (kind == Kind.JACREG && o.lossFunction() != Loss.CROSS_ENTROPY) {
            throw new GradregException("jacreg penalizes the softmax Jacobian and needs a classification task");
        }
        Tensor unlabeled = o.penaltyX();
        if (unlabeled != null && !labelFree()) {
            throw new GradregException("doubleback needs labels: unlabeled inputs work with spectreg, frobreg and jacreg");
        }
        TensorList params = o.params();
        int m = params.size();
        boolean exact = secondOrder.needsGraph();
        // The penalty's inputs: the labeled batch itself, or unlabeled inputs beside it.
        Tensor x;
        Tensor out;
        Tensor l;
        Tensor pOut;
        if (unlabeled == null) {
            x = o.x().detach().set_requires_grad(true);
            out = o.forward(x);
            l = o.loss(out);
            pOut = out;
        } else {
            out = o.forward(o.x());
            l = o.loss(out);
            x = unlabeled.detach().set_requires_grad(true);
            pOut = o.forward(x);
        }
        TensorList withX = params.append(x);
        long n = x.size(0);

        if (exact) {
            return exactDirection(o, x, pOut, l, n, reportGrad);
        }
        TensorList g = kind == Kind.DOUBLEBACK ? null : Oracle.grad(l, params, true, false);
        TensorList correction = null;
        double penalty = 0;
        for (Probe p : probes(o, pOut, n)) {
            TensorList both = Oracle.grad(p.psi().apply(pOut), withX, true, exact);
            TensorList gradPsi = both.head(m).detach();
            Tensor gradX = both.get(m);
            if (g == null) {
                g = gradPsi; // doubleback: psi is the loss itself
            }
            Tensor d = gradX.detach().mul(new Scalar((double) n));
            penalty += p.weight() * n * gradX.detach().square().sum().item_double();
            TensorList slope = secondOrder.slope(o.inputLine(x.detach(), p.psi(), d, gradX), gradPsi, delta);
            TensorList term = slope.scale(2 * lambda * p.weight());
            correction = correction == null ? term : correction.add(term);
        }
        return new Update(g.add(correction), l.item_double(), penalty).withGrad(g.detach());
    }

    /**
     * Exact (double backprop) direction: one backward per probe for grad_x psi_j alone (with its
     * graph; no parameter gradients, which only finite differences need), then one pass over the
     * union of the graphs for g + sum_j 2 lambda c_j (d grad_x psi_j / d theta)^T d_j
     * = vjp([L, grad_x psi_j], theta, [1, 2 lambda c_j d_j]), so the loss's backward and the double
     * backward share one traversal. With {@code reportGrad}, g gets a backward pass of its own
     * and the last pass covers the correction only.
     */
    private Update exactDirection(Oracle o, Tensor x, Tensor pOut, Tensor l, long n, boolean reportGrad) {
        TensorList g = reportGrad ? Oracle.grad(l, o.params(), true, false).detach() : null;
        List<Tensor> roots = new ArrayList<>();
        List<Tensor> seeds = new ArrayList<>();
        if (!reportGrad) {
            roots.add(l);
            seeds.add(torch.ones_like(l));
        }
        double penalty = 0;
        for (Probe p : probes(o, pOut, n)) {
            Tensor gradX = Oracle.grad(p.psi().apply(pOut), TensorList.of(x), true, true).get(0);
            Tensor gx = gradX.detach();
            penalty += p.weight() * n * gx.square().sum().item_double();
            roots.add(gradX);
            seeds.add(gx.mul(new Scalar(2 * lambda * p.weight() * n)));
        }
        TensorList d = Oracle.vjp(TensorList.of(roots.toArray(Tensor[]::new)), o.params(), TensorList.of(seeds.toArray(Tensor[]::new)), false);
        return reportGrad ? new Update(g.add(d), l.item_double(), penalty).withGrad(g) : new Update(d, l.item_double(), penalty);
    }

    private List<Probe> probes(Oracle o, Tensor out, long n) {
        Scalar invN = new Scalar(1.0 / n);
        Tensor outDetached = out.detach();
        List<Probe> probes = new ArrayList<>();
        switch (kind) {
            case DOUBLEBACK -> probes.add(new Probe(o::loss, 1.0));
            case SPECTREG -> {
                Tensor r = gaussian(o, outDetached, 0);
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
                        Tensor r = gaussian(o, outDetached, j);
                        probes.add(new Probe(f -> h.apply(f).mul(r).sum().mul(invN), 1.0 / projections));
                    }
                }
            }
            default -> throw new IllegalStateException(kind.toString());
        }
        return probes;
    }

    /**
     * Gaussian projections shaped like {@code out}: fresh per sample, or one row drawn from the
     * batch seed and broadcast over the samples. The batch draw reseeds libtorch's generator,
     * which every later forward pass of the step reseeds again (see {@link Oracle#forward}).
     * Drawn in float64 and rounded to the model's type, so a float32 run projects on the same
     * vectors as its float64 twin (libtorch's float32 and float64 normal samplers differ).
     */
    private Tensor gaussian(Oracle o, Tensor out, int j) {
        if (projection == Projection.SAMPLE) {
            return Tensors.standardNormalLike(out);
        }
        torch.manual_seed((o.batchSeed() ^ 0x5DEECE66DL) + j);
        return Tensors.standardNormalLike(out.narrow(0, 0, 1));
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
        return new InputPenalty(kind, s, secondOrder, delta, projections, projection);
    }

    @Override
    public String describe() {
        return kind.name().toLowerCase() + "(" + secondOrder + ", lambda=" + lambda
                + (secondOrder.needsGraph() ? "" : ", delta=" + delta)
                + (projections > 0 ? ", projections=" + projections : "")
                + (projection == Projection.BATCH && kind != Kind.DOUBLEBACK ? ", projection=batch" : "") + ")";
    }
}
