import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The bytedeco-only reproduction of issue 21, for a report upstream (docs/design.md, "oneDNN's padded
 * convolution"): Conv2d(1 -> 6, 5x5, padding 2) on a fixed randn(128, 1, 28, 28), then
 * torch::autograd::grad of sum(y^2) with respect to the input, repeated; counts the repeats whose
 * input gradient is not finite or differs from the first. Nothing of gradreg is used.
 *
 *   java -cp "target/classes:$(cat target/classpath.txt)" bench/probes/ConvInputGradient.java [repeats] [mkldnn true|false] [padding]
 */
public class ConvInputGradient {
    public static void main(String[] a) {
        int repeats = a.length > 0 ? Integer.parseInt(a[0]) : 100;
        torch.globalContext().setUserEnabledMkldnn(a.length <= 1 || Boolean.parseBoolean(a[1]));
        long pad = a.length > 2 ? Long.parseLong(a[2]) : 2;
        torch.set_num_threads(1);
        torch.manual_seed(0);
        Conv2dOptions o = new Conv2dOptions(1, 6, new LongPointer(5L, 5L));
        o.padding().put(new LongPointer(pad, pad));
        Conv2dImpl conv = new Conv2dImpl(o);
        Tensor x = torch.randn(128, 1, 28, 28);
        int nonFinite = 0;
        int differ = 0;
        Tensor first = null;
        for (int r = 0; r < repeats; r++) {
            try (PointerScope s = new PointerScope()) {
                Tensor xr = x.clone().requires_grad_(true);
                Tensor y = conv.forward(xr);
                Tensor g = torch.grad(new TensorVector(y.mul(y).sum()), new TensorVector(xr), new TensorVector(),
                        new BoolOptional(false), false, false).get(0);
                if (!torch.isfinite(g).all().item_bool()) {
                    nonFinite++;
                } else if (first == null) {
                    first = g.clone();
                    first.retainReference();
                } else if (!torch.equal(first, g)) {
                    differ++;
                }
            }
        }
        System.out.printf("oneDNN %s, padding %d: input gradient non-finite in %d of %d repeats, different from the first finite one in %d%n",
                torch.globalContext().userEnabledMkldnn() ? "on" : "off", pad, nonFinite, repeats, differ);
    }
}
