package io.gradreg.repro;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.cli.Main;
import io.gradreg.io.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The --quick runs of the solvable-model, 1-D regression and implicit-GR experiments, through the command line. */
class SolvableModelsQuickTest {
    @TempDir
    Path tmp;

    String reproduce(String name) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "reproduce", name, "--quick", "--out", tmp.toString());
        assertEquals(0, code, err.toString());
        assertTrue(Files.isRegularFile(tmp.resolve("results.md")));
        return out.toString();
    }

    @Test
    void igrTwoParamMatchesGradientDescentComputedByHandAndHasTheExpectedOrders() {
        reproduce("igr-two-param");
        JsonNode j = Json.read(tmp.resolve("igr-two-param.json"));
        // Independent: GD on E(a, b) = ½(1 − ab)² in plain doubles, dE/da = −(1 − ab) b, dE/db = −(1 − ab) a.
        JsonNode row = j.get("rows").get(0);
        double h = row.get("h").asDouble();
        double a = 2.8;
        double b = 3.5;
        for (int k = 0; k < row.get("steps").asInt(); k++) {
            double r = 1 - a * b;
            double na = a + h * r * b;
            double nb = b + h * r * a;
            a = na;
            b = nb;
        }
        assertEquals(a, row.get("gd").get(0).asDouble(), 1e-12);
        assertEquals(b, row.get("gd").get(1).asDouble(), 1e-12);
        assertEquals(1.0, j.get("slope_plain").asDouble(), 0.15);
        assertEquals(2.0, j.get("slope_modified").asDouble(), 0.2);
        assertTrue(Files.isRegularFile(tmp.resolve("errors.png")) && Files.isRegularFile(tmp.resolve("paths.png")));
    }

    @Test
    void dlnTrainsEveryMethodAtEveryScaleToAnInterpolator() {
        reproduce("dln");
        JsonNode runs = Json.read(tmp.resolve("dln.json")).get("runs");
        assertEquals(4 * 2, runs.size(), "4 methods x 2 initial scales x 1 seed");
        for (JsonNode r : runs) {
            double err = r.get("recovery_error").asDouble();
            assertTrue(err > 0 && err < 2, r.toString());
            if (r.get("alpha").asDouble() == 0.5) {
                assertTrue(r.get("train_loss").asDouble() < 1e-8, "the kernel regime converges fast: " + r);
            }
        }
        assertTrue(Files.isRegularFile(tmp.resolve("recovery.png")));
    }

    @Test
    void smoothnessMseIsTheFitsErrorToSin5xOnTheAuthorsGrid() {
        reproduce("smoothness");
        JsonNode j = Json.read(tmp.resolve("smoothness.json"));
        double[] lambdas = {0, 0.03, 1};
        double[] mse = new double[3];
        for (int l = 0; l < 3; l++) {
            JsonNode run = Json.read(tmp.resolve("runs").resolve("lambda=" + lambdas[l] + "_seed=1.json"));
            JsonNode fit = run.get("fit");
            assertEquals(900, fit.size());
            double m = 0;
            for (int i = 0; i < 900; i++) {
                double x = -1 + 2.0 * i / 900; // np.arange(-1, 1, 2/900)
                double e = fit.get(i).asDouble() - Math.sin(5 * x);
                m += e * e / 900;
            }
            mse[l] = m;
            assertEquals(m, j.get("mse_mean").get(l).asDouble(), 1e-6 * m);
            assertEquals(mse[l] / mse[0], j.get("ratio_to_lambda0_geomean").get(l).asDouble(), 1e-6);
        }
        // λ = 1 (0.02 in our mean-loss units) flattens the fit: worse than no penalty
        assertTrue(mse[2] > mse[0], java.util.Arrays.toString(mse));
    }

    @Test
    void smoothnessTrainingPointsAreNoisySin5x() {
        io.gradreg.data.Dataset d = Smoothness.points(3);
        double[] x = io.gradreg.engine.Tensors.toDoubles(d.x());
        double[] y = io.gradreg.engine.Tensors.toDoubles(d.y());
        double sq = 0;
        for (int i = 0; i < x.length; i++) {
            assertTrue(x[i] >= -1 && x[i] < 1);
            sq += Math.pow(y[i] - Math.sin(5 * x[i]), 2) / x.length;
        }
        // the noise has std 0.1: its mean square over 100 points is 0.01 within sampling error
        assertTrue(sq > 0.005 && sq < 0.02, "noise mean square " + sq);
    }

    @Test
    void igrMnistReadsRigAtTheBestEpochAndLambdaIsHmOver4() throws Exception {
        reproduce("igr-mnist");
        JsonNode runs = Json.read(tmp.resolve("igr-mnist.json")).get("runs");
        assertEquals(3, runs.size(), "3 learning rates x 1 seed");
        long m = 16 * 32 + 32 + 32 * 32 + 32 + 32 * 4 + 4;
        for (JsonNode r : runs) {
            double lr = r.get("lr").asDouble();
            assertEquals(lr * m / 4, r.get("lambda").asDouble(), 1e-9);
            // independently: the metrics line with the highest test accuracy (the first one on ties)
            Path metrics = tmp.resolve("runs").resolve("lr=" + lr + "_seed=0").resolve("metrics.jsonl");
            JsonNode best = null;
            for (String line : Files.readAllLines(metrics)) {
                JsonNode e = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
                if (best == null || e.get("testAccuracy").asDouble() > best.get("testAccuracy").asDouble()) {
                    best = e;
                }
            }
            assertEquals(best.get("rIG").asDouble(), r.get("R_IG_at_best").asDouble(), 0);
            assertEquals(best.get("testAccuracy").asDouble(), r.get("best_test_accuracy").asDouble(), 0);
            assertTrue(r.get("top_eigenvalue").asDouble() > 0, r.toString());
            assertTrue(r.get("noisy_accuracy").asDouble() > 0 && r.get("noisy_accuracy").asDouble() <= 1, r.toString());
        }
        assertEquals(1.0, IgrMnist.spearman(new double[] {1, 2, 3}, new double[] {10, 20, 30}), 1e-15);
        assertEquals(-1.0, IgrMnist.spearman(new double[] {1, 2, 3}, new double[] {3, 2, 1}), 1e-15);
    }
}
