package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.HostArrays;
import io.gradreg.io.Npz;
import io.gradreg.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SAM family on the command line: each variant trains, its identities with SAM hold through the flags, bad flags are one line. */
class SamFamilyFlagsTest {
    @TempDir
    Path tmp;

    /** The data: 60 samples of 6 features in 3 classes. */
    Path data() {
        Path npz = tmp.resolve("blobs.npz");
        if (!Files.exists(npz)) {
            var d = Synthetic.blobs(60, 6, 3, 1.0, 1, DType.FLOAT32);
            Npz.write(npz, Map.of("x", HostArrays.toHost(d.x()), "y", HostArrays.toHost(d.y())));
        }
        return npz;
    }

    String[] train(String out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data", data().toString(), "--model", "mlp:6-8-3", "--dtype", "float64",
                "--epochs", "2", "--batch-size", "16", "--seed", "4", "--out", tmp.resolve(out).toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /** The final weights, every tensor's values in state_dict order (the file's metadata names the method, so bytes would differ). */
    List<List<Double>> weights(String out) {
        List<List<Double>> w = new ArrayList<>();
        new java.util.TreeMap<>(Safetensors.read(tmp.resolve(out).resolve("weights.safetensors"))).forEach((k, v) -> {
            List<Double> values = new ArrayList<>();
            for (double d : v.toDoubleArray()) {
                values.add(d);
            }
            w.add(values);
        });
        return w;
    }

    @Test
    void theIdentitiesWithSamHoldThroughTheFlags() throws Exception {
        assertEquals(0, CliTest.run(train("sam", "--method", "sam", "--rho", "0.05")).code());
        for (String[] same : new String[][] {{"--method", "gsam", "--rho", "0.05", "--alpha", "0"},
                {"--method", "fishersam", "--rho", "0.05", "--eta", "0"}, {"--method", "gnp", "--alpha", "1", "--r", "0.05"},
                {"--method", "esam", "--rho", "0.05", "--beta", "1", "--gamma", "1"}, {"--method", "sam", "--perturb-only", "all"}}) {
            String out = same[1] + "-" + same.length;
            CliTest.Result r = CliTest.run(train(out, same));
            assertEquals(0, r.code(), r.err());
            assertEquals(weights("sam"), weights(out), String.join(" ", same) + " ends at SAM's weights");
        }
        CliTest.Result g = CliTest.run(train("gsam", "--method", "gsam", "--alpha", "0.3"));
        assertEquals(0, g.code(), g.err());
        assertTrue(g.out().contains("with gsam("), g.out());
        assertNotEquals(weights("sam"), weights("gsam"), "alpha 0.3 moves elsewhere");
        assertTrue(Files.readString(tmp.resolve("gsam/config.json")).contains("\"--alpha\": \"0.3\""));
    }

    @Test
    void esamTakesThePapersDefaultsAndBadFlagsAreOneLine() {
        CliTest.Result e = CliTest.run(train("esam", "--method", "esam"));
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("beta=0.6") && e.out().contains("gamma=0.5"), e.out());
        assertEquals("gradreg: gnp needs --alpha (alpha = lambda / r for the penalty lambda * ||grad L||; 1 is SAM with rho = r)",
                CliTest.run(train("x", "--method", "gnp")).err().strip());
        assertEquals("gradreg: --perturb-only norm applies to sam, asam, gr, not to flood",
                CliTest.run(train("x", "--method", "flood", "--perturb-only", "norm")).err().strip());
        assertEquals("gradreg: --perturb-only: unknown filter 'bias': expected all, norm, no-norm or weights",
                CliTest.run(train("x", "--method", "sam", "--perturb-only", "bias")).err().strip());
        assertFalse(Files.exists(tmp.resolve("x")), "nothing written on bad input");
    }
}
