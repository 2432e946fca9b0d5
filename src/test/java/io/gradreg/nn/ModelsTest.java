package io.gradreg.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.GradregException;
import io.gradreg.engine.Engine;
import io.gradreg.engine.Tensors;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class ModelsTest {
    static {
        Engine.start();
    }

    static Map<String, List<Long>> shapes(Net n) {
        Map<String, List<Long>> m = new java.util.LinkedHashMap<>();
        n.stateDict().forEach((k, v) -> m.put(k, java.util.Arrays.stream(Tensors.shape(v)).boxed().toList()));
        return m;
    }

    @Test
    void mlpUsesSequentialNamesAndLayouts() {
        Net n = Models.build("mlp:784-512-512-10", Models.Options.defaults(new long[] {784}, 10));
        assertEquals(Map.of("0.weight", List.of(512L, 784L), "0.bias", List.of(512L), "2.weight", List.of(512L, 512L),
                "2.bias", List.of(512L), "4.weight", List.of(10L, 512L), "4.bias", List.of(10L)), shapes(n));
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"), n.paramNames());
        assertEquals(784 * 512 + 512 + 512 * 512 + 512 + 5120 + 10, n.numParams());
        Net drop = Models.build("mlp:4-3-2", Models.Options.defaults(new long[] {4}, 2).withDropout(0.2));
        assertEquals(List.of("0.weight", "0.bias", "3.weight", "3.bias"), drop.paramNames());
        Net bn = Models.build("mlp:4-3-2", Models.Options.defaults(new long[] {4}, 2).withBatchNorm(true));
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                "1.num_batches_tracked", "3.weight", "3.bias"), List.copyOf(bn.stateDict().keySet()));
        assertTrue(bn.isBiasOrNorm("1.weight"));
        assertFalse(bn.isBiasOrNorm("0.weight"));
    }

    @Test
    void convolutionalModelsHaveTorchNamesAndRun() {
        Net lenet = Models.build("lenet5", Models.Options.defaults(new long[] {1, 28, 28}, 10));
        assertEquals(List.of(6L, 1L, 5L, 5L), shapes(lenet).get("conv1.weight"));
        assertEquals(List.of(120L, 400L), shapes(lenet).get("fc1.weight"));
        assertEquals(List.of(10L, 84L), shapes(lenet).get("fc3.weight"));
        assertArrayEquals(new long[] {3, 10}, Tensors.shape(lenet.forward(torch.randn(3, 784))));
        Net cnn = Models.build("cnn", Models.Options.defaults(new long[] {3, 32, 32}, 10));
        assertArrayEquals(new long[] {2, 10}, Tensors.shape(cnn.forward(torch.randn(2, 3, 32, 32))));
        assertTrue(cnn.stateDict().containsKey("bn2.running_var"));
        Net resnet = Models.build("resnet", Models.Options.defaults(new long[] {3, 32, 32}, 100));
        Map<String, List<Long>> rs = shapes(resnet);
        assertEquals(List.of(32L, 16L, 1L, 1L), rs.get("layer2.0.downsample.0.weight"));
        assertTrue(rs.containsKey("layer3.0.bn2.running_mean"));
        assertFalse(rs.containsKey("layer1.0.downsample.0.weight"));
        assertTrue(resnet.isBiasOrNorm("layer2.0.downsample.1.weight"));
        assertArrayEquals(new long[] {2, 100}, Tensors.shape(resnet.forward(torch.randn(2, 3, 32, 32))));
    }

    @Test
    void solvableModelsStartWhereThePapersStart() {
        DiagonalLinearNet dln = (DiagonalLinearNet) Models.build("dln:5:0.3", Models.Options.defaults(new long[] {5}, 1));
        assertArrayEquals(new double[5], Tensors.toDoubles(dln.beta()), 0.0);
        assertArrayEquals(new double[] {0.3, 0.3, 0.3, 0.3, 0.3}, Tensors.toDoubles(dln.stateDict().get("u")), 1e-7);
        Net two = Models.build("twoparam", Models.Options.defaults(new long[] {1}, 1));
        Tensor out = two.forward(Tensors.fromDoubles(new double[] {1}, 1, 1).to(torch.ScalarType.Float));
        assertEquals(2.8 * 3.5, Tensors.toDoubles(out)[0], 1e-5);
    }

    @Test
    void badSpecsAreRejectedWithAMessage() {
        Models.Options o = Models.Options.defaults(new long[] {784}, 10);
        assertEquals("unknown model 'vgg': expected mlp:D-H-...-K, lenet5, cnn, resnet, wrn:DEPTH-WIDTH, dln:D or twoparam",
                assertThrows(GradregException.class, () -> Models.build("vgg", o)).getMessage());
        assertEquals("model spec 'mlp:784-x-10': 'x' is not a positive integer",
                assertThrows(GradregException.class, () -> Models.build("mlp:784-x-10", o)).getMessage());
        assertEquals("model 'mlp:100-10' takes 100 input values per sample, the data has 784 [784]",
                assertThrows(GradregException.class, () -> Models.build("mlp:100-10", o)).getMessage());
        assertEquals("model 'resnet' needs Cx32x32 inputs, the data has [1, 28, 28]",
                assertThrows(GradregException.class, () -> Models.build("resnet", o)).getMessage());
    }

    @Test
    void parametersFirstListedInsideAPointerScopeSurviveIt() {
        Net n = Models.build("mlp:4-3-2", Models.Options.defaults(new long[] {4}, 2));
        try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
            assertEquals(4 * 3 + 3 + 3 * 2 + 2, n.params().numel());
        }
        assertEquals(23, n.params().numel(), "the cached handles must not be freed with the scope");
        assertEquals(23, n.params().toDoubles().length);
    }

    @Test
    void lenet5Seed002LayoutHasOneBatchNormBeforeTheLastLayer() {
        Models.Options o = Models.Options.defaults(new long[] {1, 28, 28}, 10);
        Net bn = Models.build("lenet5:002", o.withBatchNorm(true));
        assertEquals(java.util.List.of("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight",
                "fc2.bias", "bn3.weight", "bn3.bias", "fc3.weight", "fc3.bias"), bn.paramNames());
        // 6·25+6 + 16·6·25+16 + 400·120+120 + 120·84+84 + 84·10+10 = 61,706, plus 2·84 batch-norm parameters
        assertEquals(61_706 + 168, bn.numParams());
        assertEquals(61_706, Models.build("lenet5:002", o).numParams());
        var e = assertThrows(io.gradreg.GradregException.class, () -> Models.build("lenet5:003", o));
        assertEquals("model spec 'lenet5:003': expected lenet5 or lenet5:002 (seed 002's layout)", e.getMessage());
    }

    @Test
    void numBatchesTrackedIsWrittenAsInt64AndReadInEitherType(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        Net bn = Models.build("mlp:4-3-2", Models.Options.defaults(new long[] {4}, 2).withBatchNorm(true)).to(io.gradreg.engine.DType.FLOAT64);
        bn.stateDict().get("1.num_batches_tracked").fill_(new org.bytedeco.pytorch.Scalar(7L));
        java.nio.file.Path file = tmp.resolve("w.safetensors");
        Weights.save(bn, file, Map.of());
        var read = io.gradreg.io.Safetensors.read(file);
        assertEquals(io.gradreg.io.DType.I64, read.get("1.num_batches_tracked").dtype(), "PyTorch's state_dict holds it as int64");
        assertEquals(io.gradreg.io.DType.F64, read.get("1.running_mean").dtype());
        assertEquals(7.0, read.get("1.num_batches_tracked").toDoubleArray()[0]);
        // A file written before (the counter as F64) still loads.
        Map<String, io.gradreg.io.NdArray> old = new java.util.LinkedHashMap<>(read);
        java.nio.ByteBuffer five = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putDouble(0, 5.0);
        old.put("1.num_batches_tracked", new io.gradreg.io.NdArray(io.gradreg.io.DType.F64, new long[0], five)); // a scalar, as written before
        io.gradreg.io.Safetensors.write(tmp.resolve("old.safetensors"), old, Map.of());
        Net again = Models.build("mlp:4-3-2", Models.Options.defaults(new long[] {4}, 2).withBatchNorm(true)).to(io.gradreg.engine.DType.FLOAT64);
        Weights.load(again, tmp.resolve("old.safetensors"));
        assertEquals(5.0, Tensors.toDoubles(again.stateDict().get("1.num_batches_tracked"))[0]);
    }
}
