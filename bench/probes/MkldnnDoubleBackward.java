import org.bytedeco.pytorch.*;
import org.bytedeco.pytorch.global.torch;
/**
 * Whether a second derivative can pass through oneDNN's max pooling (LeNetLayouts' fastest variant):
 * the input gradient of a conv + mkldnn_max_pool2d with a graph, then its gradient to the weights.
 * Prints "second order refused: ..." in libtorch 2.10 (no derivative of mkldnn_max_pool2d_backward).
 *
 * java -cp "target/classes:$(cat target/classpath.txt)" bench/probes/MkldnnDoubleBackward.java
 */
public class MkldnnDoubleBackward {
    public static void main(String[] a) {
        io.gradreg.engine.Engine.start(1);
        Tensor x = torch.rand(4, 3, 8, 8).requires_grad_(true);
        Tensor w = torch.rand(3, 3, 3, 3).requires_grad_(true);
        Tensor h = torch.conv2d(x, w);
        Tensor p = torch.mkldnn_max_pool2d(h.to_mkldnn(), new long[] {2, 2}, new long[] {2, 2}, new long[] {0, 0}, new long[] {1, 1}, false).to_dense();
        Tensor l = p.pow(new Scalar(2)).sum();
        TensorVector gx = torch.grad(new TensorVector(l), new TensorVector(x), new TensorVector(), new BoolOptional(true), true, false);
        System.out.println("first order ok " + gx.get(0).sum().item_double());
        try {
            TensorVector gw = torch.grad(new TensorVector(gx.get(0).pow(new Scalar(2)).sum()), new TensorVector(w), new TensorVector(), new BoolOptional(true), false, false);
            System.out.println("second order ok " + gw.get(0).sum().item_double());
        } catch (RuntimeException e) {
            System.out.println("second order refused: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }
}
