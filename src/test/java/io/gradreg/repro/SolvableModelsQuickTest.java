package io.gradreg.repro;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.cli.Main;
import io.gradreg.io.Json;
import io.gradreg.train.EpochMetrics;
import io.gradreg.train.RunRecords;
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
    void dlnPredictionConvergesWithTheStepAndGrShrinksTheScales() {
        reproduce("dln");
        JsonNode runs = Json.read(tmp.resolve("dln.json")).get("runs");
        java.util.Map<String, java.util.List<JsonNode>> conv = new java.util.LinkedHashMap<>();
        for (JsonNode r : runs) {
            assertTrue(r.get("final_loss").asDouble() < 1e-9, "every quick run interpolates: " + r.get("method"));
            if (r.get("part").asText().equals("convergence")) {
                conv.computeIfAbsent(r.get("method").asText(), k -> new java.util.ArrayList<>()).add(r);
            }
            if (r.get("method").asText().equals("plain")) {
                assertEquals(1.0, r.get("alpha_eff").asDouble(), 0, "plain GD: no explicit GR, the theory's scale stays α");
            } else {
                assertTrue(r.get("alpha_eff").asDouble() < 1, "GR shrinks the scales: " + r);
            }
        }
        assertEquals(java.util.List.of("plain", "exact", "forward", "backward"), new java.util.ArrayList<>(conv.keySet()));
        for (java.util.List<JsonNode> byH : conv.values()) {
            // h halves from one run to the next: the prediction error of a first-order discretization halves too
            double coarse = byH.get(0).get("predicted_vs_trained").asDouble();
            double fine = byH.get(1).get("predicted_vs_trained").asDouble();
            assertEquals(2.0, coarse / fine, 0.4, byH.toString());
            assertTrue(fine < 5e-3, "the flow theory predicts the trained beta: " + fine);
        }
        assertTrue(Files.isRegularFile(tmp.resolve("recovery.png")) && Files.isRegularFile(tmp.resolve("prediction-vs-h.png")));
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
    void igrMnistFullBatchReadsRigAtTheBestStepAndAnalyzesTheWeightsSavedThere() throws Exception {
        reproduce("igr-mnist");
        JsonNode runs = Json.read(tmp.resolve("igr-mnist.json")).get("runs");
        assertEquals(4, runs.size(), "2 widths x 2 learning rates x 1 seed");
        for (JsonNode r : runs) {
            double lr = r.get("lr").asDouble();
            long m = r.get("width").asText().equals("w8") ? 16 * 8 + 8 + 8 * 4 + 4 : 16 * 32 + 32 + 32 * 4 + 4;
            assertEquals(lr * m / 4, r.get("lambda").asDouble(), 1e-9);
            Path dir = tmp.resolve("runs").resolve(r.get("width").asText() + "_lr=" + lr + "_seed=0");
            // full batch: one step per epoch
            JsonNode config = Json.read(dir.resolve("config.json"));
            assertEquals(60, config.get("total_steps").asInt());
            // independently: the evaluated epoch with the highest test accuracy (the first one on ties)
            EpochMetrics best = null;
            for (EpochMetrics e : RunRecords.metrics(dir)) {
                if (Double.isNaN(e.testAccuracy())) {
                    continue; // not evaluated
                }
                if (best == null || e.testAccuracy() > best.testAccuracy()) {
                    best = e;
                }
            }
            assertEquals(best.rIG(), r.get("R_IG_at_best").asDouble(), 0);
            assertEquals(best.epoch(), r.get("best_epoch").asDouble(), 0);
            assertTrue(Files.isRegularFile(dir.resolve("best-weights.safetensors")));
            // the analysis ran on the best-step weights, whose clean test accuracy is the best accuracy
            JsonNode a = Json.read(dir.resolve("analysis-best").resolve("analysis.json"));
            assertTrue(a.toString().contains("best-weights.safetensors"), "analysis of the saved best weights");
            assertTrue(r.get("top_eigenvalue").asDouble() > 0, r.toString());
            assertTrue(r.get("noisy_accuracy").asDouble() > 0 && r.get("noisy_accuracy").asDouble() <= 1, r.toString());
        }
        assertTrue(Files.isRegularFile(tmp.resolve("rig.png")) && Files.isRegularFile(tmp.resolve("accuracy.png")));
    }

    @Test
    void igrMnistSgdReadsRigAtTheBestEpochAndLambdaIsHmOver4() throws Exception {
        reproduce("igr-mnist-sgd");
        JsonNode runs = Json.read(tmp.resolve("igr-mnist.json")).get("runs");
        assertEquals(3, runs.size(), "3 learning rates x 1 seed");
        long m = 16 * 32 + 32 + 32 * 32 + 32 + 32 * 4 + 4;
        for (JsonNode r : runs) {
            double lr = r.get("lr").asDouble();
            assertEquals(lr * m / 4, r.get("lambda").asDouble(), 1e-9);
            EpochMetrics best = null;
            for (EpochMetrics e : RunRecords.metrics(tmp.resolve("runs").resolve("lr=" + lr + "_seed=0"))) {
                if (best == null || e.testAccuracy() > best.testAccuracy()) {
                    best = e;
                }
            }
            assertEquals(best.rIG(), r.get("R_IG_at_best").asDouble(), 0);
            assertEquals(best.testAccuracy(), r.get("best_test_accuracy").asDouble(), 0);
        }
    }
}
