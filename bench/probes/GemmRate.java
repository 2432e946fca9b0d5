import io.gradreg.engine.Engine;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * float32 n×n matrix products through gradreg's libtorch, GFLOP/s (best of REPS), for each OpenBLAS
 * thread count and n, both as Bench.matmulPeak times them (a new output each call) and into a kept
 * output (mm_out). Its twin is gemm_rate.py; run the two alternately, on a quiet machine.
 *
 * java -cp "target/classes:$(cat target/classpath.txt)" bench/probes/GemmRate.java [reps]
 */
public class GemmRate {
    public static void main(String[] a) {
        int reps = a.length > 0 ? Integer.parseInt(a[0]) : 8;
        torch.manual_seed(0);
        for (int t = 1; t <= Engine.cores(); t++) {
            Engine.start(t, 1);
            for (int n : new int[] {256, 512, 1024, 2048}) {
                try (PointerScope s = new PointerScope()) {
                    Tensor x = torch.randn(n, n), y = torch.randn(n, n), out = torch.empty(n, n);
                    double fresh = Double.MAX_VALUE, kept = Double.MAX_VALUE;
                    for (int i = 0; i < reps + 2; i++) {
                        long t0 = System.nanoTime();
                        try (PointerScope call = new PointerScope()) { // freed at once, as in PyTorch
                            torch.mm(x, y).sum().item_double();
                        }
                        long t1 = System.nanoTime();
                        torch.mm_out(out, x, y);
                        out.sum().item_double();
                        long t2 = System.nanoTime();
                        if (i >= 2) {
                            fresh = Math.min(fresh, (t1 - t0) / 1e9);
                            kept = Math.min(kept, (t2 - t1) / 1e9);
                        }
                    }
                    double f = 2.0 * n * n * n / 1e9;
                    System.out.printf("gradreg threads %d n %4d  new output %6.1f  kept output %6.1f GFLOP/s%n", t, n, f / fresh, f / kept);
                }
            }
        }
    }
}
