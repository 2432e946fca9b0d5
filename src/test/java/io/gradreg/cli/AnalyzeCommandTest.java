package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.analysis.DenseMath;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.HostArrays;
import io.gradreg.io.Json;
import io.gradreg.io.NdArray;
import io.gradreg.io.Npz;
import io.gradreg.io.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gradreg analyze on tiny runs trained through the real command line. */
class AnalyzeCommandTest {
    static final int N = 80;
    static final int D = 4;

    @TempDir
    static Path tmp;
    static Path regression;
    static Path blobs;
    static double[] x;
    static double[] y;

    @BeforeAll
    static void data() {
        Dataset r = Synthetic.gaussianRegression(N, D, 1, 3, DType.FLOAT64);
        x = io.gradreg.engine.Tensors.toDoubles(r.x());
        y = io.gradreg.engine.Tensors.toDoubles(r.y());
        regression = tmp.resolve("regression.npz");
        Npz.write(regression, Map.of("x", HostArrays.toHost(r.x()), "y", HostArrays.toHost(r.y())));
        Dataset b = Synthetic.blobs(60, 6, 3, 1.0, 1, DType.FLOAT32);
        blobs = tmp.resolve("blobs.npz");
        Npz.write(blobs, Map.of("x", HostArrays.toHost(b.x()), "y", HostArrays.toHost(b.y())));
    }

    @Test
    void linearRunAgreesWithClosedForms() throws Exception {
        Path run = tmp.resolve("linear");
        CliTest.Result t = CliTest.run("train", "--data", regression.toString(), "--model", "mlp:4-1", "--dtype", "float64",
                "--epochs", "2", "--batch-size", "16", "--lr", "0.05", "--out", run.toString());
        assertEquals(0, t.code(), t.err());
        CliTest.Result a = CliTest.run("analyze", run.toString(), "--tol", "1e-10", "--hutchinson-samples", "50", "--rho", "0.1",
                "--ascent-steps", "40", "--sigmas", "0,0.1", "--repeats", "20");
        assertEquals(0, a.code(), a.err());
        assertTrue(a.out().contains("top Hessian eigenvalue"), a.out());
        Path dir = run.resolve("analysis");
        JsonNode j = Json.read(dir.resolve("analysis.json"));
        assertNotNull(ImageIO.read(dir.resolve("noise.png").toFile()), "noise.png is a PNG");

        // θ = (w, b) from the run's weights; the Hessian [X 1]ᵀ[X 1]/n does not depend on it
        Map<String, NdArray> w = Safetensors.read(run.resolve("weights.safetensors"));
        double[] theta = new double[D + 1];
        System.arraycopy(w.get("0.weight").toDoubleArray(), 0, theta, 0, D);
        theta[D] = w.get("0.bias").toDoubleArray()[0];
        double[][] h = DenseMath.linearRegressionHessian(x, N, D);
        double[] g = DenseMath.linearRegressionGradient(x, y, N, D, theta);
        double top = DenseMath.topEigenvalue(h);

        assertEquals(D + 1, j.get("parameters").asInt());
        assertEquals("train", j.get("split").asText());
        assertEquals(N, j.get("samples").asInt());
        assertTrue(j.get("accuracy").isNull(), "regression has no accuracy");
        assertEquals(DenseMath.linearRegressionLoss(x, y, N, D, theta), j.get("loss").asDouble(), 1e-12);
        assertEquals(DenseMath.dot(g, g) / (D + 1), j.get("R_IG").asDouble(), 1e-12);
        assertEquals(0.05, j.get("lr").asDouble(), 0.0, "the run's learning rate");
        assertEquals(0.05 * (D + 1) / 4, j.get("lambda").asDouble(), 1e-15);
        JsonNode hj = j.get("hessian");
        assertTrue(hj.get("lanczos_converged").asBoolean());
        assertEquals(top, hj.get("top_eigenvalue").asDouble(), 1e-10 * top);
        double se = hj.get("trace_std_error").asDouble();
        assertTrue(se > 0 && Double.isFinite(se));
        assertEquals(DenseMath.trace(h), hj.get("trace").asDouble(), 4 * se);
        JsonNode s = j.get("sharpness");
        double exact = DenseMath.ballMaximum(h, g, 0.1);
        assertEquals(exact, s.get("value").asDouble(), 1e-8 * exact);
        assertTrue(s.get("first_order").asDouble() <= exact && exact <= s.get("quadratic_bound").asDouble() + 1e-15);
        JsonNode p0 = j.get("noise").get("points").get(0);
        assertEquals("train", j.get("noise").get("split").asText(), "no test split: noise on the training data");
        assertEquals(j.get("loss").asDouble(), p0.get("loss_mean").asDouble(), 0.0);
        assertEquals(0.0, p0.get("loss_std").asDouble(), 0.0);
        JsonNode p1 = j.get("noise").get("points").get(1);
        // E L(θ + σξ) = L + ½σ² tr H for a quadratic
        assertEquals(j.get("loss").asDouble() + 0.5 * 0.01 * DenseMath.trace(h), p1.get("loss_mean").asDouble(),
                4 * p1.get("loss_std").asDouble() / Math.sqrt(20));
        assertEquals(20, j.get("noise").get("repeats").asInt());
    }

    @Test
    void explicitFlagsScoreLikeEvalAndBadInputEndsInOneLine() throws Exception {
        Path run = tmp.resolve("blobs");
        assertEquals(0, CliTest.run("train", "--data", blobs.toString(), "--model", "mlp:6-8-3", "--epochs", "3", "--batch-size", "16",
                "--out", run.toString()).code());
        Path out = tmp.resolve("explicit");
        String weights = run.resolve("weights.safetensors").toString();
        CliTest.Result a = CliTest.run("analyze", "--weights", weights, "--model", "mlp:6-8-3", "--data", blobs.toString(),
                "--sigmas", "0,0.05,2", "--repeats", "3", "--hutchinson-samples", "4", "--max-iters", "10", "--out", out.toString());
        assertEquals(0, a.code(), a.err());
        JsonNode j = Json.read(out.resolve("analysis.json"));
        JsonNode ev = Json.read(writeTo(tmp.resolve("eval.json"), CliTest.run("eval", "--run", run.toString(), "--json").out()));
        assertEquals(ev.get("accuracy").asDouble(), j.get("accuracy").asDouble(), 0.0);
        assertEquals(ev.get("loss").asDouble(), j.get("loss").asDouble(), 1e-12);
        JsonNode pts = j.get("noise").get("points");
        assertEquals(ev.get("accuracy").asDouble(), pts.get(0).get("accuracy_mean").asDouble(), 0.0);
        assertEquals(0.0, pts.get(0).get("accuracy_std").asDouble(), 0.0);
        assertTrue(pts.get(2).get("loss_mean").asDouble() > j.get("loss").asDouble(), "sigma 2 wrecks the model");
        assertTrue(j.get("lr").isNull(), "no run and no --lr: lambda unknown");
        assertTrue(j.get("hessian").get("lanczos_iterations").asInt() <= 10);
        assertTrue(Files.isRegularFile(out.resolve("noise.png")));

        String[][] cases = {
            {"gradreg: missing RUN_DIR or --weights"},
            {"gradreg: " + tmp.resolve("nope") + ": not a run directory of gradreg train (no config.json)", tmp.resolve("nope").toString()},
            {"gradreg: --on test but " + blobs + " has no test split (add --test-data PATH)", run.toString(), "--on", "test"},
            {"gradreg: unknown split 'all': expected train or test", run.toString(), "--on", "all"},
            {"gradreg: --sigmas must be numbers >= 0, got -0.1", run.toString(), "--sigmas", "0,-0.1"},
            {"gradreg: --repeats must be >= 1, got 0", run.toString(), "--repeats", "0"},
            {"gradreg: --hutchinson-samples must be >= 2 (for an error bar), got 1", run.toString(), "--hutchinson-samples", "1"},
            {"gradreg: --rho must be a positive number, got 0.0", run.toString(), "--rho", "0"},
            {"gradreg: --lr must be a positive number, got -1.0", run.toString(), "--lr", "-1"},
            {"gradreg: missing --model", "--weights", weights, "--data", blobs.toString()},
        };
        for (String[] c : cases) {
            String[] args = new String[c.length];
            args[0] = "analyze";
            System.arraycopy(c, 1, args, 1, c.length - 1);
            CliTest.Result r = CliTest.run(args);
            assertEquals(2, r.code(), c[0] + " / " + r.err());
            assertEquals(c[0], r.err().strip());
        }
        CliTest.Result huge = CliTest.run("analyze", "--weights", weights, "--model", "mlp:6-5000-3", "--data", blobs.toString(),
                "--max-iters", "100000");
        assertEquals(2, huge.code());
        assertTrue(huge.err().startsWith("gradreg: --max-iters 100000 needs 20.0 GB for the Lanczos vectors of 50003 parameters"), huge.err());
        assertFalse(Files.exists(run.resolve("analysis")), "failed analyses write nothing");
    }

    private static Path writeTo(Path file, String text) throws Exception {
        Files.writeString(file, text);
        return file;
    }
}
