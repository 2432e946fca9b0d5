package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.io.Json;
import io.gradreg.io.NdArray;
import io.gradreg.io.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The train flags of seed 002's protocol: --holdout, --standardize, --subset, --unlabeled-*, --weight-decay-on, --projection. */
class ProtocolFlagsTest {
    @TempDir
    static Path tmp;
    static Path npz;

    /** 12 samples of 2 features: x_i = (i, 2i mod 5), label i mod 3. */
    @BeforeAll
    static void data() {
        double[] x = new double[24];
        long[] y = new long[12];
        for (int i = 0; i < 12; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = (2 * i) % 5;
            y[i] = i % 3;
        }
        npz = tmp.resolve("d.npz");
        Npz.write(npz, Map.of("x", NdArray.ofDoubles(x, 12, 2), "y", NdArray.ofLongs(y, 12)));
    }

    static CliTest.Result train(Path out, String... extra) {
        String[] base = {"train", "--data", npz.toString(), "--model", "mlp:2-4-3", "--steps", "2", "--batch-size", "4", "--dtype", "float64",
                "--out", out.toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return CliTest.run(args);
    }

    @Test
    void holdoutAndStandardizeUseTheTrainingRowsStatistics() throws Exception {
        Path out = tmp.resolve("std");
        CliTest.Result r = train(out, "--holdout", "4", "--standardize", "--weight-decay", "0.01", "--weight-decay-on", "weights");
        assertEquals(0, r.code(), r.err());
        JsonNode c = Json.read(out.resolve("config.json"));
        assertEquals(8, c.get("train_size").asInt());
        assertEquals(4, c.get("test_size").asInt());
        // rows 0..7 only (the last 4 are the test set): feature 0 = 0..7, feature 1 = 0,2,4,1,3,0,2,4
        double[] f1 = {0, 2, 4, 1, 3, 0, 2, 4};
        double m1 = 0;
        for (double v : f1) {
            m1 += v / 8;
        }
        double v1 = 0;
        for (double v : f1) {
            v1 += (v - m1) * (v - m1) / 8;
        }
        JsonNode s = c.get("standardization");
        assertEquals(3.5, s.get("mean").get(0).asDouble(), 1e-12);
        assertEquals(m1, s.get("mean").get(1).asDouble(), 1e-12);
        assertEquals(Math.sqrt(5.25), s.get("std").get(0).asDouble(), 1e-12); // population variance of 0..7 = 63/12
        assertEquals(Math.sqrt(v1), s.get("std").get(1).asDouble(), 1e-12);
        assertEquals("WEIGHTS", c.get("optimizer").get("decayOn").asText());

        // eval --run scores the run's own held-out, standardized test set: the number train reported
        CliTest.Result e = CliTest.run("eval", "--run", out.toString(), "--json");
        assertEquals(0, e.code(), e.err());
        JsonNode scored = Json.read(out.resolve("summary.json"));
        JsonNode ev = new com.fasterxml.jackson.databind.ObjectMapper().readTree(e.out().strip());
        assertEquals(4, ev.get("samples").asInt());
        assertEquals(scored.get("final_test_accuracy").asDouble(), ev.get("accuracy").asDouble(), 1e-12);
    }

    @Test
    void unlabeledSamplesComeFromTheRestAndNeedALabelFreePenalty() {
        Path out = tmp.resolve("unl");
        CliTest.Result r = train(out, "--holdout", "2", "--train-size", "4", "--subset", "random", "--unlabeled-size", "5",
                "--method", "spectreg", "--projection", "batch", "--second-order", "exact");
        assertEquals(0, r.code(), r.err());
        JsonNode c = Json.read(out.resolve("config.json"));
        assertEquals(4, c.get("train_size").asInt());
        assertEquals(5, c.get("unlabeled_size").asInt());
        assertEquals("spectreg(exact, lambda=0.01, projection=batch)", c.get("method").asText());

        CliTest.Result bad = train(tmp.resolve("bad1"), "--train-size", "4", "--unlabeled-size", "5", "--method", "doubleback");
        assertEquals(2, bad.code());
        assertEquals("gradreg: unlabeled inputs need a label-free input penalty (--method spectreg, frobreg or jacreg), got doubleback",
                bad.err().strip());
        CliTest.Result tooMany = train(tmp.resolve("bad2"), "--holdout", "2", "--train-size", "4", "--unlabeled-size", "7", "--method", "spectreg");
        assertEquals(2, tooMany.code());
        assertEquals("gradreg: asked for 7 unlabeled samples but only 6 are left besides the 4 labeled ones", tooMany.err().strip());
        assertFalse(Files.exists(tmp.resolve("bad1")) || Files.exists(tmp.resolve("bad2")), "a refused run writes nothing");
    }

    @Test
    void badValuesAreOneLineErrors() {
        assertEquals("gradreg: unknown --subset 'some': expected balanced or random",
                train(tmp.resolve("e1"), "--subset", "some").err().strip());
        assertEquals("gradreg: --holdout must be between 1 and the number of training samples - 1 (11), got 12",
                train(tmp.resolve("e2"), "--holdout", "12").err().strip());
        assertEquals("gradreg: unknown --weight-decay-on 'bias': expected weights or all",
                train(tmp.resolve("e3"), "--weight-decay-on", "bias").err().strip());
        assertEquals("gradreg: unknown projection 'row': expected sample or batch",
                train(tmp.resolve("e4"), "--projection", "row").err().strip());
        assertEquals("gradreg: --test-size does not apply with --holdout: the last 2 samples are the test set",
                train(tmp.resolve("e5"), "--holdout", "2", "--test-size", "1").err().strip());
        assertFalse(Files.exists(tmp.resolve("e5")), "a refused run writes nothing");
    }
}
