import io.gradreg.bench.Bench;
import io.gradreg.engine.Engine;
import io.gradreg.engine.DType;
import io.gradreg.engine.TensorList;
import io.gradreg.method.*;
import io.gradreg.nn.*;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.global.torch;
import java.util.*;

/** Interleaved A/B: spectreg exact direction, old three-pass form vs the fused form (now in InputPenalty). */
public class SpecAB {
    public static void main(String[] a) {
        Engine.start(1);
        Bench.Workload w = Bench.WORKLOADS.get(Integer.parseInt(a[0]));
        Engine.seed(0);
        Net net = Models.build(w.model(), Models.Options.defaults(w.inputShape(), 10)).to(DType.FLOAT32);
        long[] shape = new long[w.inputShape().length + 1]; shape[0] = w.batch(); System.arraycopy(w.inputShape(), 0, shape, 1, w.inputShape().length);
        Tensor x = torch.rand(shape);
        Tensor y = torch.arange(new Scalar(w.batch())).remainder(new Scalar(10));
        InputPenalty fused = new InputPenalty(InputPenalty.Kind.SPECTREG, 0.01, SecondOrder.EXACT, 0.01, 0);
        List<Double> ra = new ArrayList<>(), rb = new ArrayList<>(), ratio = new ArrayList<>();
        int steps = Integer.parseInt(a[1]);
        for (int s = 0; s < steps; s++) {
            double ta, tb;
            try (PointerScope sc = new PointerScope()) {
                long t0 = System.nanoTime();
                fused.direction(new Oracle(net, Loss.CROSS_ENTROPY, x, y, 1)).direction().get(0).sum().item_double();
                ta = (System.nanoTime() - t0) / 1e6;
            }
            try (PointerScope sc = new PointerScope()) {
                long t0 = System.nanoTime();
                old(new Oracle(net, Loss.CROSS_ENTROPY, x, y, 1), w.batch()).get(0).sum().item_double();
                tb = (System.nanoTime() - t0) / 1e6;
            }
            if (s >= 3) { ra.add(ta); rb.add(tb); ratio.add(ta / tb); }
        }
        System.out.printf("%s spectreg exact direction: fused %.2f ms, old %.2f ms (medians), fused/old per pair median %.3f [%d pairs]%n", w.model(), med(ra), med(rb), med(ratio), ratio.size());
    }
    /** The pre-change InputPenalty exact path for spectreg. */
    static TensorList old(Oracle o, long n) {
        Tensor x = o.x().detach().set_requires_grad(true);
        Tensor out = o.forward(x);
        Tensor l = o.loss(out);
        TensorList params = o.params();
        TensorList g = Oracle.grad(l, params, true, false);
        Tensor r = torch.randn_like(out.detach());
        Tensor psi = out.mul(r).sum().mul(new Scalar(1.0 / n));
        TensorList both = Oracle.grad(psi, params.append(x), true, true);
        Tensor gradX = both.get(params.size());
        Tensor d = gradX.detach().mul(new Scalar((double) n));
        gradX.detach().square().sum().item_double();
        TensorList slope = Oracle.vjp(TensorList.of(gradX), params, TensorList.of(d), false);
        return g.add(slope.scale(0.02));
    }
    static double med(List<Double> v) { List<Double> s = new ArrayList<>(v); Collections.sort(s); int k = s.size(); return k % 2 == 1 ? s.get(k/2) : (s.get(k/2-1)+s.get(k/2))/2; }
}
