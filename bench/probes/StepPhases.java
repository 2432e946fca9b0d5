import io.gradreg.data.Dataset;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.engine.TensorList;
import io.gradreg.method.*;
import io.gradreg.nn.*;
import io.gradreg.train.*;
import java.util.*;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Where LeNet-5's plain and SAM steps (batch 128) spend their time in gradreg: the whole step through
 * the Trainer, and the same step cut into phases with the engine's calls made directly. The gap between
 * the whole step and the sum of its phases is the toolkit's own cost (objects, scopes, JNI calls). Its
 * twin is step_phases.py (PyTorch). Medians over STEPS rounds, all cells interleaved in each round.
 *
 * java -cp "target/classes:$(cat target/classpath.txt)" bench/probes/StepPhases.java BLAS INTRA STEPS
 */
public class StepPhases {
    static final Map<String, List<Double>> T = new LinkedHashMap<>();
    static long last;

    static void lap(String k) {
        long now = System.nanoTime();
        T.computeIfAbsent(k, x -> new ArrayList<>()).add((now - last) / 1e6);
        last = now;
    }

    public static void main(String[] a) {
        Engine.start(Integer.parseInt(a[0]), Integer.parseInt(a[1]));
        int steps = Integer.parseInt(a[2]);
        Engine.seed(0);
        Net net = Models.build("lenet5", Models.Options.defaults(new long[] {1, 28, 28}, 10)).to(DType.FLOAT32);
        Tensor x = torch.rand(128, 1, 28, 28);
        Tensor y = torch.arange(new Scalar(128)).remainder(new Scalar(10));
        Dataset batch = new Dataset(x, y, 10);
        Trainer plain = new Trainer(net, Loss.CROSS_ENTROPY, TrainConfig.plain(0.01, 1, 128));
        Trainer sam = new Trainer(net, Loss.CROSS_ENTROPY, TrainConfig.plain(0.01, 1, 128).withMethod(new Sam(0.05)));
        Optimizer opt = OptimizerSpec.sgd(0.01).build(net.params());
        TensorList p = net.params();
        for (int s = 0; s < steps; s++) {
            last = System.nanoTime();
            plain.step(batch, 1_000_000);
            lap("plain: whole step (Trainer)");
            sam.step(batch, 1_000_000);
            lap("sam: whole step (Trainer)");
            try (PointerScope sc = new PointerScope()) {
                last = System.nanoTime();
                Oracle o = new Oracle(net, Loss.CROSS_ENTROPY, x, y, 1);
                Tensor l = o.loss(o.forward(x));
                lap("plain: forward + loss");
                TensorList g = Oracle.grad(l, p, false, false);
                lap("plain: backward");
                l.item_double();
                lap("plain: loss.item");
                for (int i = 0; i < p.size(); i++) {
                    p.get(i).mutable_grad().put(g.get(i));
                }
                opt.step();
                lap("plain: sgd");
            }
            lap("plain: scope close");
            try (PointerScope sc = new PointerScope()) {
                last = System.nanoTime();
                Oracle o = new Oracle(net, Loss.CROSS_ENTROPY, x, y, 1);
                Tensor l = o.loss(o.forward(x));
                lap("sam: forward + loss 1");
                TensorList g = Oracle.grad(l, p, false, false);
                lap("sam: backward 1");
                l.item_double();
                double n = g.norm();
                lap("sam: loss.item + ||g||");
                Tensor[] own = new Tensor[p.size()];
                try (NoGradGuard ng = new NoGradGuard()) {
                    Scalar r = new Scalar(0.05 / n);
                    for (int i = 0; i < p.size(); i++) {
                        own[i] = p.get(i).detach();
                        p.get(i).set_(own[i].add(g.get(i), r));
                    }
                }
                lap("sam: perturb");
                Tensor l2 = o.loss(o.forward(x));
                lap("sam: forward + loss 2");
                TensorList g2 = Oracle.grad(l2, p, false, false);
                lap("sam: backward 2");
                try (NoGradGuard ng = new NoGradGuard()) {
                    for (int i = 0; i < p.size(); i++) {
                        p.get(i).set_(own[i]);
                    }
                }
                lap("sam: restore");
                for (int i = 0; i < p.size(); i++) {
                    p.get(i).mutable_grad().put(g2.get(i));
                }
                opt.step();
                lap("sam: sgd");
            }
            lap("sam: scope close");
        }
        System.out.printf("LeNet-5 b128, threads %s x %s; median of %d rounds (first 5 dropped), ms%n", a[0], a[1], steps);
        double[] sums = new double[2];
        for (var e : T.entrySet()) {
            List<Double> v = new ArrayList<>(e.getValue().subList(5, steps));
            Collections.sort(v);
            double m = v.get(v.size() / 2);
            if (!e.getKey().contains("whole")) {
                sums[e.getKey().startsWith("plain") ? 0 : 1] += m;
            }
            System.out.printf("%-30s %8.3f%n", e.getKey(), m);
        }
        System.out.printf("%-30s %8.3f%n%-30s %8.3f%n", "plain: sum of phases", sums[0], "sam: sum of phases", sums[1]);
    }
}
