import io.gradreg.engine.Engine;
import io.gradreg.engine.TensorList;
import io.gradreg.method.Oracle;
import java.util.*;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * LeNet-5's forward and backward (batch 128, to every weight, as a plain step does) in the layouts and
 * orders CPU convolution libraries prefer, written functionally so only the layout changes: medians over
 * ROUNDS, the variants interleaved in each round. A variant libtorch refuses is reported, not skipped.
 *
 * java -cp "target/classes:$(cat target/classpath.txt)" bench/probes/LeNetLayouts.java BLAS INTRA ROUNDS
 */
public class LeNetLayouts {
    static Tensor w1, b1, w2, b2, f1, c1, f2, c2, f3, c3;

    static Tensor conv(Tensor x, Tensor w, Tensor b, long pad) {
        return torch.conv2d(x, w, new TensorOptional(b), new long[] {1}, new long[] {pad}, new long[] {1}, 1);
    }

    static Tensor head(Tensor x) {
        x = torch.relu(torch.linear(x, f1, new TensorOptional(c1)));
        x = torch.relu(torch.linear(x, f2, new TensorOptional(c2)));
        return torch.linear(x, f3, new TensorOptional(c3));
    }

    /** pool(relu(conv)) as LeNet5.java and the peer do; {@code explicitPad}: conv1 on a padded input. */
    static Tensor standard(Tensor x, boolean explicitPad) {
        Tensor a = explicitPad ? conv(torch.constant_pad_nd(x, new long[] {2, 2, 2, 2}, new Scalar(0.0)), w1, b1, 0) : conv(x, w1, b1, 2);
        a = torch.max_pool2d(torch.relu(a), 2);
        a = torch.max_pool2d(torch.relu(conv(a, w2, b2, 0)), 2);
        return head(a.flatten(1, -1));
    }

    /** relu(pool(conv)): the same function (max commutes with a monotone activation), a quarter of the relu work. */
    static Tensor reluAfterPool(Tensor x) {
        Tensor a = conv(torch.constant_pad_nd(x, new long[] {2, 2, 2, 2}, new Scalar(0.0)), w1, b1, 0);
        a = torch.relu(torch.max_pool2d(a, 2));
        a = torch.relu(torch.max_pool2d(conv(a, w2, b2, 0), 2));
        return head(a.flatten(1, -1));
    }

    /** Both poolings through oneDNN (mkldnn) tensors: converted in, pooled by oneDNN, converted back. */
    static Tensor mkldnnPool(Tensor x) {
        Tensor a = conv(torch.constant_pad_nd(x, new long[] {2, 2, 2, 2}, new Scalar(0.0)), w1, b1, 0);
        a = torch.mkldnn_max_pool2d(torch.relu(a).to_mkldnn(), new long[] {2, 2}, new long[] {2, 2}, new long[] {0, 0}, new long[] {1, 1}, false).to_dense();
        a = torch.mkldnn_max_pool2d(torch.relu(conv(a, w2, b2, 0)).to_mkldnn(), new long[] {2, 2}, new long[] {2, 2}, new long[] {0, 0}, new long[] {1, 1}, false).to_dense();
        return head(a.flatten(1, -1));
    }

    public static void main(String[] a) {
        Engine.start(Integer.parseInt(a[0]), Integer.parseInt(a[1]));
        int rounds = Integer.parseInt(a[2]);
        torch.manual_seed(0);
        w1 = torch.randn(6, 1, 5, 5).mul(new Scalar(0.2)).requires_grad_(true);
        b1 = torch.zeros(6).requires_grad_(true);
        w2 = torch.randn(16, 6, 5, 5).mul(new Scalar(0.08)).requires_grad_(true);
        b2 = torch.zeros(16).requires_grad_(true);
        f1 = torch.randn(120, 400).mul(new Scalar(0.05)).requires_grad_(true);
        c1 = torch.zeros(120).requires_grad_(true);
        f2 = torch.randn(84, 120).mul(new Scalar(0.09)).requires_grad_(true);
        c2 = torch.zeros(84).requires_grad_(true);
        f3 = torch.randn(10, 84).mul(new Scalar(0.1)).requires_grad_(true);
        c3 = torch.zeros(10).requires_grad_(true);
        Tensor x = torch.rand(128, 1, 28, 28);
        Tensor y = torch.arange(new Scalar(128)).remainder(new Scalar(10));
        Tensor w1cl = w1.detach().contiguous(torch.MemoryFormat.ChannelsLast).requires_grad_(true);
        Tensor w2cl = w2.detach().contiguous(torch.MemoryFormat.ChannelsLast).requires_grad_(true);
        Tensor xcl = x.contiguous(torch.MemoryFormat.ChannelsLast);
        Map<String, Function<Tensor, Tensor>> variants = new LinkedHashMap<>();
        variants.put("conv1 padding 2 inside oneDNN (before issue 21)", in -> standard(in, false));
        variants.put("conv1 on an explicitly padded input (today)", in -> standard(in, true));
        variants.put("relu after pool (same function)", LeNetLayouts::reluAfterPool);
        variants.put("max pooling through oneDNN (mkldnn tensors)", LeNetLayouts::mkldnnPool);
        variants.put("channels-last input and conv weights", in -> {
            Tensor o1 = w1, o2 = w2;
            w1 = w1cl;
            w2 = w2cl;
            try {
                return standard(xcl, true);
            } finally {
                w1 = o1;
                w2 = o2;
            }
        });
        variants.put("oneDNN off (at::native convolutions)", in -> {
            torch.globalContext().setUserEnabledMkldnn(false);
            try {
                return standard(in, true);
            } finally {
                torch.globalContext().setUserEnabledMkldnn(true);
            }
        });
        TensorList weights = TensorList.of(w1, b1, w2, b2, f1, c1, f2, c2, f3, c3);
        Map<String, List<Double>> t = new LinkedHashMap<>();
        Map<String, String> refused = new LinkedHashMap<>();
        for (int r = 0; r < rounds + 3; r++) {
            for (var e : variants.entrySet()) {
                if (refused.containsKey(e.getKey())) {
                    continue;
                }
                try (PointerScope s = new PointerScope()) {
                    long t0 = System.nanoTime();
                    boolean cl = e.getKey().startsWith("channels-last");
                    Tensor l = torch.cross_entropy_loss(e.getValue().apply(x), y);
                    TensorList g = Oracle.grad(l, cl ? TensorList.of(w1cl, b1, w2cl, b2, f1, c1, f2, c2, f3, c3) : weights, false, false);
                    l.item_double();
                    if (r >= 3) {
                        t.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e6);
                    }
                } catch (RuntimeException ex) {
                    refused.put(e.getKey(), String.valueOf(ex.getMessage()).lines().findFirst().orElse(""));
                }
            }
        }
        System.out.printf("LeNet-5 b128 forward + loss + backward to the weights, threads %s x %s; median of %d interleaved rounds, ms%n", a[0], a[1], rounds);
        for (var e : t.entrySet()) {
            List<Double> v = e.getValue();
            Collections.sort(v);
            System.out.printf("%-50s %8.3f  (%.3f-%.3f)%n", e.getKey(), v.get(v.size() / 2), v.get(0), v.get(v.size() - 1));
        }
        refused.forEach((k, m) -> System.out.printf("%-50s refused: %s%n", k, m));
    }
}
