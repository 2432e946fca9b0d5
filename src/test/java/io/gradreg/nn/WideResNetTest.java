package io.gradreg.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.GradregException;
import io.gradreg.engine.Engine;
import io.gradreg.engine.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** wrn:DEPTH-WIDTH: names, shapes, and parameter counts against the WRN paper's. */
class WideResNetTest {
    static {
        Engine.start();
    }

    static Net wrn(String spec, int classes) {
        return Models.build(spec, Models.Options.defaults(new long[] {3, 32, 32}, classes));
    }

    /**
     * Trainable parameters of WRN-d-k, counted from the architecture (not from the code under test):
     * stem 3x3 conv 3 -> 16; per block BN(in) + 3x3 conv in -> out + BN(out) + 3x3 conv out -> out,
     * plus a 1x1 conv in -> out where the width changes; final BN, fc with bias.
     */
    static long expectedParams(int depth, int k, int classes) {
        int n = (depth - 4) / 6;
        long total = 3 * 16 * 9;
        long in = 16;
        for (long out : new long[] {16L * k, 32L * k, 64L * k}) {
            for (int i = 0; i < n; i++) {
                total += 2 * in + 9 * in * out + 2 * out + 9 * out * out + (in != out ? in * out : 0);
                in = out;
            }
        }
        return total + 2 * in + in * classes + classes;
    }

    @Test
    void parameterCountsAreThePublishedOnes() {
        // Zagoruyko & Komodakis (2016), table of CIFAR WRNs, in millions: WRN-16-4 2.7, WRN-28-10 36.5.
        assertEquals(2_748_890, expectedParams(16, 4, 10));
        assertEquals(36_479_194, expectedParams(28, 10, 10));
        assertEquals(2.7, Math.round(expectedParams(16, 4, 10) / 1e5) / 10.0);
        assertEquals(36.5, Math.round(expectedParams(28, 10, 10) / 1e5) / 10.0);
        assertEquals(expectedParams(16, 4, 10), wrn("wrn:16-4", 10).numParams());
        assertEquals(expectedParams(16, 4, 100), wrn("wrn:16-4", 100).numParams());
        assertEquals(expectedParams(28, 10, 10), wrn("wrn:28-10", 10).numParams());
    }

    @Test
    void namesAndShapesFollowTheStandardCifarWrn() {
        Net n = wrn("wrn:10-2", 10);
        Map<String, List<Long>> s = ModelsTest.shapes(n);
        List<String> expected = new ArrayList<>(List.of("conv1.weight"));
        long[][] io = {{16, 32}, {32, 64}, {64, 128}};
        for (int g = 1; g <= 3; g++) {
            String p = "block" + g + ".layer.0.";
            for (String bn : List.of("bn1", "conv1", "bn2", "conv2", "convShortcut")) {
                if (bn.startsWith("bn")) {
                    for (String b : List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked")) {
                        expected.add(p + bn + "." + b);
                    }
                } else {
                    expected.add(p + bn + ".weight");
                }
            }
            assertEquals(List.of(io[g - 1][1], io[g - 1][0], 3L, 3L), s.get(p + "conv1.weight"));
            assertEquals(List.of(io[g - 1][1], io[g - 1][1], 3L, 3L), s.get(p + "conv2.weight"));
            assertEquals(List.of(io[g - 1][1], io[g - 1][0], 1L, 1L), s.get(p + "convShortcut.weight"));
            assertEquals(List.of(io[g - 1][0]), s.get(p + "bn1.weight"));
        }
        expected.addAll(List.of("bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked", "fc.weight", "fc.bias"));
        assertEquals(expected, List.copyOf(s.keySet()));
        assertEquals(List.of(16L, 3L, 3L, 3L), s.get("conv1.weight"));
        assertEquals(List.of(10L, 128L), s.get("fc.weight"));
        assertTrue(n.isBiasOrNorm("block2.layer.0.bn2.weight"));
        assertFalse(n.isBiasOrNorm("block2.layer.0.conv2.weight"));

        Net deeper = wrn("wrn:16-1", 10); // width 1: block1's first block keeps 16 channels, no shortcut
        Map<String, List<Long>> d = ModelsTest.shapes(deeper);
        assertFalse(d.containsKey("block1.layer.0.convShortcut.weight"));
        assertFalse(d.containsKey("block2.layer.1.convShortcut.weight"));
        assertEquals(List.of(64L, 32L, 1L, 1L), d.get("block3.layer.0.convShortcut.weight"));
        assertEquals(List.of(32L, 32L, 3L, 3L), d.get("block2.layer.1.conv1.weight"));

        deeper.train(true);
        assertArrayEquals(new long[] {4, 10}, Tensors.shape(deeper.forward(torch.randn(4, 3, 32, 32))));
        deeper.train(false);
        assertArrayEquals(new long[] {2, 10}, Tensors.shape(deeper.forward(torch.randn(2, 3072))));
    }

    @Test
    void badSpecsAreRefusedWithTheRule() {
        var o = Models.Options.defaults(new long[] {3, 32, 32}, 10);
        assertEquals("model spec 'wrn:12-4': WRN depth must be 6n + 4 with n >= 1 (10, 16, 22, 28, 40, ...), got 12",
                assertThrows(GradregException.class, () -> Models.build("wrn:12-4", o)).getMessage());
        assertEquals("model spec 'wrn:28': expected wrn:DEPTH-WIDTH, e.g. wrn:28-10 or wrn:16-4",
                assertThrows(GradregException.class, () -> Models.build("wrn:28", o)).getMessage());
        assertEquals("model spec 'wrn:28-x': 'x' is not a positive integer",
                assertThrows(GradregException.class, () -> Models.build("wrn:28-x", o)).getMessage());
        assertEquals("model 'wrn:16-1' needs image inputs CxHxW, the data has shape [5]",
                assertThrows(GradregException.class, () -> Models.build("wrn:16-1", Models.Options.defaults(new long[] {5}, 10))).getMessage());
    }
}
