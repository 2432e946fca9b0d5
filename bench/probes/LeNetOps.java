import io.gradreg.engine.Engine;
import io.gradreg.engine.TensorList;
import io.gradreg.method.Oracle;
import java.util.*;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Per-op times of LeNet-5's layers at batch 128 in gradreg's libtorch: forward, and forward plus the
 * backward to the op's input (with a graph-free autograd.grad), median of REPS calls, for
 * OpenBLAS x intra-op threads given as arguments. Its twin is lenet_ops.py (PyTorch).
 *
 * java -cp "target/classes:$(cat target/classpath.txt)" bench/probes/LeNetOps.java 2 1 [reps]
 */
public class LeNetOps {
    static double median(List<Double> v) {
        Collections.sort(v);
        return v.get(v.size() / 2);
    }

    static double time(int reps, Runnable r) {
        for (int i = 0; i < 3; i++) {
            try (PointerScope s = new PointerScope()) {
                r.run();
            }
        }
        List<Double> t = new ArrayList<>();
        for (int i = 0; i < reps; i++) {
            try (PointerScope s = new PointerScope()) {
                long t0 = System.nanoTime();
                r.run();
                t.add((System.nanoTime() - t0) / 1e6);
            }
        }
        return median(t);
    }

    public static void main(String[] a) {
        Engine.start(Integer.parseInt(a[0]), Integer.parseInt(a[1]));
        int reps = a.length > 2 ? Integer.parseInt(a[2]) : 50;
        torch.manual_seed(0);
        Tensor x1 = torch.randn(128, 1, 28, 28).requires_grad_(true);
        Tensor w1 = torch.randn(6, 1, 5, 5).requires_grad_(true);
        Tensor a1 = torch.randn(128, 6, 28, 28).requires_grad_(true);
        Tensor x2 = torch.randn(128, 6, 14, 14).requires_grad_(true);
        Tensor w2 = torch.randn(16, 6, 5, 5).requires_grad_(true);
        Tensor a2 = torch.randn(128, 16, 10, 10).requires_grad_(true);
        Tensor f = torch.randn(128, 400).requires_grad_(true);
        Tensor wf = torch.randn(120, 400).requires_grad_(true);
        Map<String, Supplier<Tensor>> ops = new LinkedHashMap<>();
        ops.put("conv1 5x5, 1->6, pad 2", () -> torch.conv2d(x1, w1, new org.bytedeco.pytorch.TensorOptional(), new long[] {1}, new long[] {2}, new long[] {1}, 1));
        ops.put("relu 128x6x28x28", () -> torch.relu(a1));
        ops.put("max_pool2d 2, 128x6x28x28", () -> torch.max_pool2d(a1, 2));
        ops.put("conv2 5x5, 6->16", () -> torch.conv2d(x2, w2));
        ops.put("max_pool2d 2, 128x16x10x10", () -> torch.max_pool2d(a2, 2));
        ops.put("linear 400->120", () -> torch.linear(f, wf));
        System.out.printf("threads %s x %s; median of %d calls, ms%n", a[0], a[1], reps);
        System.out.printf("%-28s %9s %14s%n", "op", "forward", "fwd+backward");
        for (var e : ops.entrySet()) {
            double fw = time(reps, () -> e.getValue().get());
            double fb = time(reps, () -> {
                Tensor out = e.getValue().get();
                Tensor in = e.getKey().startsWith("conv1") ? x1 : e.getKey().startsWith("relu") ? a1
                        : e.getKey().startsWith("max_pool2d 2, 128x6") ? a1 : e.getKey().startsWith("conv2") ? x2
                        : e.getKey().startsWith("max_pool2d") ? a2 : f;
                TensorList g = Oracle.grad(out.sum(), TensorList.of(in), false, false);
                g.get(0).sum().item_double();
            });
            System.out.printf("%-28s %9.3f %14.3f%n", e.getKey(), fw, fb);
        }
    }
}
