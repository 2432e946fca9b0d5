package io.gradreg.train;

import io.gradreg.engine.Engine;
import io.gradreg.engine.TensorList;
import io.gradreg.engine.Tensors;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;

/**
 * The program {@link DataParallelLifetimeTest} runs in a child JVM under glibc's checking malloc:
 * ROUNDS times, two threads join a fresh two-worker group, all-reduce, and drop it; then the
 * garbage collector runs, so JavaCPP's deallocators see every c10d object left unreachable, and
 * native memory is churned so a block freed twice or still in use is caught. Before
 * {@code DataParallel} kept its store and group alive, this aborted with "corrupted double-linked list".
 */
public final class GroupChurn {
    private GroupChurn() {}

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        Engine.start(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int r = 0; r < rounds; r++) {
                int port;
                try (ServerSocket s = new ServerSocket(0)) {
                    port = s.getLocalPort();
                }
                List<Future<Double>> sums = List.of(pool.submit(() -> join(port, 0)), pool.submit(() -> join(port, 1)));
                for (Future<Double> f : sums) {
                    if (f.get() != 3.0) {
                        throw new AssertionError("round " + r + ": all-reduce gave " + f.get());
                    }
                }
                for (int k = 0; k < 3; k++) {
                    System.gc();
                    Thread.sleep(100);
                }
                for (int k = 0; k < 200; k++) {
                    try (PointerScope scope = new PointerScope()) {
                        torch.randn(4096).add(new org.bytedeco.pytorch.Scalar(1.0));
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.println("GroupChurn: " + rounds + " rounds ok");
    }

    private static double join(int port, int rank) {
        DataParallel dp = DataParallel.connect("127.0.0.1", port, rank, 2, Duration.ofSeconds(60));
        TensorList t = TensorList.of(Tensors.fromDoubles(new double[] {rank + 1.0}, 1));
        double s = 0;
        for (int i = 0; i < 10; i++) {
            s = dp.sum(rank + 1.0);
        }
        dp.sum(t);
        return s;
    }
}
