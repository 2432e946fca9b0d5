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
        return train(2, out, more);
    }

    String[] train(int epochs, String out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data", data().toString(), "--model", "mlp:6-8-3", "--dtype", "float64",
                "--epochs", String.valueOf(epochs), "--batch-size", "16", "--seed", "4", "--out", tmp.resolve(out).toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /** Trains {@code flags} for 2 epochs in one go and in two halves (1 epoch, then --resume): the two runs' weights. */
    void assertResumesIdentically(String name, String... flags) throws Exception {
        CliTest.Result whole = CliTest.run(train(name + "-whole", flags));
        assertEquals(0, whole.code(), whole.err());
        CliTest.Result half = CliTest.run(train(1, name + "-split", flags));
        assertEquals(0, half.code(), half.err());
        CliTest.Result resumed = CliTest.run("train", "--out", tmp.resolve(name + "-split").toString(), "--resume", "--epochs", "2");
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(weights(name + "-whole"), weights(name + "-split"), name + ": resumed bit-identically");
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

    @Test
    void theSecondPartsIdentitiesWithSamHoldThroughTheFlags() throws Exception {
        assertEquals(0, CliTest.run(train("sam", "--method", "sam", "--rho", "0.05")).code());
        // Batches of 16 (the last of 12): groups of 16 are the whole batch.
        for (String[] same : new String[][] {{"--method", "fsam", "--sigma", "0"}, {"--method", "wsam", "--gamma", "0.5", "--wsam-form", "combined"},
                {"--method", "sam", "--sam-group", "16"}}) {
            String out = same[1] + "-" + same[2];
            CliTest.Result r = CliTest.run(train(out, same));
            assertEquals(0, r.code(), r.err());
            assertEquals(weights("sam"), weights(out), String.join(" ", same) + " ends at SAM's weights");
        }
    }

    @Test
    void theDefaultsAreTheAuthorsAndTheStatefulOnesResumeBitIdentically() throws Exception {
        CliTest.Result f = CliTest.run(train("fsam", "--method", "fsam"));
        assertEquals(0, f.code(), f.err());
        assertTrue(f.out().contains("with fsam(rho=0.05, sigma=1.0, lambda=0.6)"), f.out());
        CliTest.Result w = CliTest.run(train("wsam", "--method", "wsam", "--momentum", "0.9"));
        assertEquals(0, w.code(), w.err());
        assertTrue(w.out().contains("with wsam(rho=0.05, gamma=0.9, decoupled)"), w.out());
        CliTest.Result l = CliTest.run(train("looksam", "--method", "sam", "--every", "2", "--reuse", "looksam"));
        assertEquals(0, l.code(), l.err());
        assertTrue(l.out().contains("every 2 steps, reusing LookSAM's g_v between (alpha=0.7)"), l.out());
        assertTrue(Files.readString(tmp.resolve("looksam/config.json")).contains("\"--reuse\": \"looksam\""));
        CliTest.Result g = CliTest.run(train("groups", "--method", "asam", "--sam-group", "4"));
        assertEquals(0, g.code(), g.err());
        assertTrue(g.out().contains("per group of 4 samples"), g.out());

        assertResumesIdentically("fsam-resume", "--method", "fsam", "--sigma", "0.8", "--momentum", "0.9");
        assertResumesIdentically("looksam-resume", "--method", "sam", "--every", "3", "--reuse", "looksam", "--alpha", "0.5");
        assertResumesIdentically("wsam-resume", "--method", "wsam", "--momentum", "0.9", "--clip-grad-norm", "0.1");
    }

    @Test
    void aBareReuseIsDifferenceAndAnOldRunThatStoredTrueResumes() throws Exception {
        CliTest.Result bare = CliTest.run(train("bare", "--method", "sam", "--every", "2", "--reuse"));
        assertEquals(0, bare.code(), bare.err());
        assertTrue(bare.out().contains("every 2 steps, reusing d - g between"), bare.out());
        CliTest.Result named = CliTest.run(train("named", "--method", "sam", "--every", "2", "--reuse", "difference"));
        assertEquals(0, named.code(), named.err());
        assertEquals(weights("bare"), weights("named"));
        // A run written before --reuse took a mode stored "--reuse": "true"; it resumes as difference.
        assertEquals(0, CliTest.run(train(1, "old", "--method", "sam", "--every", "2", "--reuse")).code());
        Path config = tmp.resolve("old/config.json");
        String json = Files.readString(config);
        assertTrue(json.contains("\"--reuse\": \"difference\""), json);
        Files.writeString(config, json.replace("\"--reuse\": \"difference\"", "\"--reuse\": \"true\""));
        CliTest.Result resumed = CliTest.run("train", "--out", tmp.resolve("old").toString(), "--resume", "--epochs", "2", "--reuse");
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(weights("bare"), weights("old"));
    }

    @Test
    void badSecondPartFlagsAreOneLine() {
        String[][] cases = {
            {"--method sam --every 2 --reuse sometimes", "gradreg: --reuse: unknown mode 'sometimes': expected difference or looksam"},
            {"--method wsam --wsam-form both", "gradreg: --wsam-form: unknown form 'both': expected decoupled or combined"},
            {"--method wsam --gamma 1", "gradreg: wsam gamma must be in [0, 1) (the sharpness weight is gamma / (1 - gamma)), got 1.0"},
            {"--method wsam --every 2 --reuse", "gradreg: --reuse needs the whole step in the direction, but decoupled wsam applies its"
                    + " sharpness term outside the optimizer; use --wsam-form combined"},
            {"--method fsam --every 2 --reuse looksam", "gradreg: --reuse keeps state between steps, and fsam(rho=0.05, sigma=1.0, lambda=0.6)"
                    + " keeps its own: a run keeps one; use --every K without --reuse"},
            {"--method fsam --lambda 1.5", "gradreg: fsam lambda must be in [0, 1], got 1.5"},
            {"--method esam --sam-group 4", "gradreg: --sam-group applies to sam, asam and gr with --second-order forward, not to"
                    + " esam(rho=0.05, beta=0.6, gamma=0.5)"},
            {"--method gsam --every 2 --reuse looksam", "gradreg: --reuse looksam reads --alpha, which gsam reads too: use one of them"},
        };
        for (String[] c : cases) {
            CliTest.Result r = CliTest.run(train("bad", c[0].split(" ")));
            assertEquals(2, r.code(), c[0] + ": " + r.err());
            assertEquals(c[1], r.err().strip(), c[0]);
            assertFalse(Files.exists(tmp.resolve("bad")), c[0] + ": nothing written on bad input");
        }
    }
}
