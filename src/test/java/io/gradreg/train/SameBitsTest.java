package io.gradreg.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradreg.data.Dataset;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.method.Loss;
import io.gradreg.method.Methods;
import io.gradreg.method.SecondOrder;
import io.gradreg.nn.Models;
import io.gradreg.nn.Net;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Same seed, same bits (issue 21): every method family trains a float32 LeNet-5 for 100 steps in two
 * fresh JVMs, with one thread and with two (all cores here), and ends at bit-identical weights with
 * no non-finite step. Each JVM runs {@link #main}, which prints one line per method: its name, the
 * SHA-256 of the final weights' float32 bytes, and the number of non-finite losses seen.
 */
class SameBitsTest {
    static final List<String> METHODS = List.of("plain", "gr exact", "gr forward", "sam", "asam", "flood", "doubleback exact",
            "doubleback forward", "spectreg exact", "spectreg forward", "jacreg exact", "confpen");

    @Test
    void oneThread() throws Exception {
        sameBitsInTwoJvms(1);
    }

    @Test
    void twoThreads() throws Exception {
        sameBitsInTwoJvms(2);
    }

    private static void sameBitsInTwoJvms(int threads) throws Exception {
        String first = runJvm(threads);
        String second = runJvm(threads);
        List<String> lines = first.lines().filter(l -> l.startsWith("bits ")).toList();
        assertEquals(METHODS.size(), lines.size(), first);
        for (String l : lines) {
            assertTrue(l.endsWith(" finite"), "a step was not finite: " + l);
        }
        assertEquals(lines, second.lines().filter(l -> l.startsWith("bits ")).toList(),
                "two JVMs with " + threads + " thread(s) ended at different weights");
    }

    private static String runJvm(int threads) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xss8m",
                "-cp", System.getProperty("java.class.path"), SameBitsTest.class.getName(), String.valueOf(threads)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /** Trains each method from the same seed and prints {@code bits METHOD SHA256 finite|NONFINITE}. */
    public static void main(String[] args) throws Exception {
        Engine.start(Integer.parseInt(args[0]));
        torch.manual_seed(5);
        Tensor x = torch.randn(64, 1, 28, 28);
        Tensor y = torch.randint(0, 10, new long[] {64});
        Dataset d = new Dataset(x, y, 10);
        for (String name : METHODS) {
            String[] p = name.split(" ");
            SecondOrder order = p.length > 1 ? SecondOrder.valueOf(p[1].toUpperCase()) : SecondOrder.EXACT;
            var o = new Methods.Options(order, 0.1, 0.01, false, 0.05, 0.01, 2.0, 0.01, 0.01, 0.1, 0);
            Engine.seed(11);
            Net net = Models.build("lenet5", Models.Options.defaults(new long[] {1, 28, 28}, 10)).to(DType.FLOAT32);
            boolean[] finite = {true};
            new Trainer(net, Loss.CROSS_ENTROPY, new TrainConfig(Methods.build(p[0], o), OptimizerSpec.sgd(0.05), Schedule.CONSTANT, 0,
                    100, 32, true, 9)).fit(d, null, new Trainer.Listener() {
                        @Override
                        public void onStep(long step, long total, int epoch, double loss) {
                            finite[0] &= Double.isFinite(loss);
                        }
                    });
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (double v : net.params().toDoubles()) {
                sha.update(ByteBuffer.allocate(4).putFloat((float) v).array());
            }
            System.out.println("bits " + name.replace(' ', '-') + " " + HexFormat.of().formatHex(sha.digest()) + (finite[0] ? " finite" : " NONFINITE"));
        }
    }
}
