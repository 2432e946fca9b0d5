package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.data.Cifar;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.HostArrays;
import io.gradreg.io.Json;
import io.gradreg.io.Npz;
import io.gradreg.io.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train on CIFAR-format files with crop-flip (an MLP: the WRN's own cost is not the point here); the flags in --help; bad input. */
class CifarTrainTest {
    @TempDir
    static Path tmp;
    static Path cifar;

    @BeforeAll
    static void data() {
        cifar = tmp.resolve("cifar-10-batches-bin");
        Cifar.writeSynthetic(cifar, Cifar.Kind.CIFAR10, 2, 4, 1);
    }

    /** 10 training images in batches of 4: 3 steps per epoch, the last one short. */
    static List<String> train(Path out, String epochs) {
        return new ArrayList<>(List.of("train", "--data", "cifar10:" + cifar, "--model", "mlp:3072-32-10", "--augment", "crop-flip",
                "--method", "sam", "--momentum", "0.9", "--batch-size", "4", "--epochs", epochs, "--out", out.toString()));
    }

    @Test
    void anAugmentedWrnRunOnCifarFilesResumesBitIdentical() throws Exception {
        Path straight = tmp.resolve("straight");
        CliTest.Result a = CliTest.run(train(straight, "2").toArray(String[]::new));
        assertEquals(0, a.code(), a.err() + a.out());
        assertTrue(a.out().contains("normalized per channel with mean ["), a.out());
        var settings = Json.read(straight.resolve("config.json")).get("settings");
        assertEquals("cifar10:" + cifar.toAbsolutePath().normalize(), settings.get("--data").asText());
        assertEquals("crop-flip", settings.get("--augment").asText());

        Path split = tmp.resolve("split");
        assertEquals(0, CliTest.run(train(split, "1").toArray(String[]::new)).code());
        CliTest.Result b = CliTest.run("train", "--out", split.toString(), "--resume", "--epochs", "2");
        assertEquals(0, b.code(), b.err() + b.out());
        var wa = Safetensors.read(straight.resolve("weights.safetensors"));
        var wb = Safetensors.read(split.resolve("weights.safetensors"));
        for (String k : wa.keySet()) {
            assertArrayEquals(wa.get(k).toDoubleArray(), wb.get(k).toDoubleArray(), 0.0, k);
        }
        // Without augmentation the same run ends elsewhere: the flag does something.
        List<String> plain = train(tmp.resolve("plain"), "2");
        plain.set(plain.indexOf("crop-flip"), "none");
        assertEquals(0, CliTest.run(plain.toArray(String[]::new)).code());
        var wc = Safetensors.read(tmp.resolve("plain").resolve("weights.safetensors"));
        assertFalse(java.util.Arrays.equals(wa.get("0.weight").toDoubleArray(), wc.get("0.weight").toDoubleArray()));
    }

    @Test
    void helpAndReadmeListTheFlags() throws Exception {
        String help = CliTest.run("train", "--help").out().replaceAll("\\s+", ""); // help wraps lines anywhere
        String readme = Files.readString(Path.of("docs/guide.md")); // the README is short; the guide documents the flags
        for (String s : List.of("--augment", "crop-flip", "--sync-batchnorm", "cifar10:DIR", "cifar100:DIR", "cifar100-coarse:DIR", "wrn:DEPTH-WIDTH")) {
            assertTrue(help.contains(s), "train --help lacks " + s);
            assertTrue(readme.contains(s), "docs/guide.md lacks " + s);
        }
        assertTrue(readme.contains("./gradreg reproduce cifar-gr --quick"));
    }

    @Test
    void badInputEndsInOneLine() {
        Path out = tmp.resolve("bad");
        Path empty = tmp.resolve("empty");
        CliTest.Result missing = CliTest.run("train", "--data", "cifar100:" + empty, "--model", "wrn:10-1", "--out", out.toString());
        assertEquals(2, missing.code());
        assertEquals("gradreg: " + empty + ": missing CIFAR-100 files train.bin, test.bin (expected train.bin and test.bin, the binary version from cifar-100-binary)",
                missing.err().strip());
        var d = Synthetic.blobs(20, 6, 3, 1.0, 1, DType.FLOAT32);
        Path npz = tmp.resolve("flat.npz");
        Npz.write(npz, Map.of("x", HostArrays.toHost(d.x()), "y", HostArrays.toHost(d.y())));
        CliTest.Result flat = CliTest.run("train", "--data", npz.toString(), "--model", "mlp:6-4-3", "--augment", "crop-flip", "--out", out.toString());
        assertEquals(2, flat.code());
        assertEquals("gradreg: --augment crop-flip needs image data (N x C x H x W), the data has shape [20, 6]", flat.err().strip());
        CliTest.Result unknown = CliTest.run("train", "--data", npz.toString(), "--model", "mlp:6-4-3", "--augment", "cutout", "--out", out.toString());
        assertEquals(2, unknown.code());
        assertEquals("gradreg: unknown --augment 'cutout': expected none or crop-flip", unknown.err().strip());
        CliTest.Result acc = CliTest.run("train", "--data", npz.toString(), "--model", "mlp:6-4-3", "--batchnorm", "--sync-batchnorm",
                "--accumulate", "2", "--out", out.toString());
        assertEquals(2, acc.code());
        assertTrue(acc.err().startsWith("gradreg: --sync-batchnorm does not work with --accumulate 2: "), acc.err());
        assertFalse(Files.exists(out), "nothing written on bad input");
    }
}
