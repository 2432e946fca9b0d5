import io.gradreg.bench.Bench;
import io.gradreg.data.Dataset;
import io.gradreg.engine.Engine;
import io.gradreg.engine.DType;
import io.gradreg.engine.TensorList;
import io.gradreg.method.*;
import io.gradreg.nn.*;
import io.gradreg.train.*;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.global.torch;
import java.util.*;

/** Phase breakdown of a plain step and a spectreg step (medians over steps, interleaved). */
public class Phases {
    static Map<String, List<Double>> t = new LinkedHashMap<>();
    static long last;
    static void lap(String k) { long now = System.nanoTime(); t.computeIfAbsent(k, x -> new ArrayList<>()).add((now - last) / 1e6); last = now; }
    public static void main(String[] a) throws Exception {
        Engine.start(Integer.parseInt(a[1]));
        Bench.Workload w = Bench.WORKLOADS.get(Integer.parseInt(a[0]));
        Engine.seed(0);
        Net net = Models.build(w.model(), Models.Options.defaults(w.inputShape(), 10)).to(DType.FLOAT32);
        Tensor x = torch.rand(w.batch(), w.inputShape()[0] == 1 ? 784 : w.inputShape()[0]);
        Tensor y = torch.arange(new Scalar(w.batch())).remainder(new Scalar(10));
        Optimizer opt = OptimizerSpec.sgd(0.01).build(net.params());
        int steps = Integer.parseInt(a[2]);
        for (int s = 0; s < steps; s++) {
            try (PointerScope sc = new PointerScope()) {
                last = System.nanoTime();
                Oracle o = new Oracle(net, Loss.CROSS_ENTROPY, x, y, 1);
                Tensor out = o.forward(x); lap("plain forward");
                Tensor l = o.loss(out); lap("plain loss");
                TensorList g = Oracle.grad(l, net.params(), false, false); lap("plain backward");
                double lv = l.item_double(); lap("plain item");
                TensorList p = net.params();
                for (int i = 0; i < p.size(); i++) p.get(i).mutable_grad().put(g.get(i));
                opt.step(); lap("plain sgd");
            }
            lap("plain scope close");
            try (PointerScope sc = new PointerScope()) {
                last = System.nanoTime();
                Oracle o = new Oracle(net, Loss.CROSS_ENTROPY, x, y, 1);
                Tensor xr = x.detach().set_requires_grad(true);
                Tensor out = o.forward(xr); lap("spec forward");
                Tensor l = o.loss(out);
                Tensor r = torch.randn_like(out.detach());
                Tensor psi = out.mul(r).sum().mul(new Scalar(1.0 / w.batch())); lap("spec loss+psi");
                Tensor gx = Oracle.grad(psi, TensorList.of(xr), true, true).get(0); lap("spec gradX (create_graph)");
                Tensor gxd = gx.detach();
                double pen = gxd.square().sum().item_double(); lap("spec penalty item");
                TensorList d = Oracle.vjp(TensorList.of(l, gx), net.params(), TensorList.of(torch.ones_like(l), gxd.mul(new Scalar(0.02 * w.batch()))), false); lap("spec fused backward");
                TensorList p = net.params();
                for (int i = 0; i < p.size(); i++) p.get(i).mutable_grad().put(d.get(i));
                opt.step(); lap("spec sgd");
            }
            lap("spec scope close");
        }
        for (var e : t.entrySet()) { List<Double> v = e.getValue().subList(3, steps); List<Double> s2 = new ArrayList<>(v); Collections.sort(s2); System.out.printf("%-28s %8.3f ms%n", e.getKey(), s2.get(s2.size()/2)); }
    }
}
