package io.gradreg.repro;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.cli.Main;
import io.gradreg.io.Json;
import io.gradreg.train.EpochMetrics;
import io.gradreg.train.RunRecords;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gradreg reproduce NAME --quick} for small-mnist, gr-compute and flooding: synthetic data,
 * no network, seconds each. Checks that the files are there and that their numbers agree with
 * each other and with the run directories.
 */
class ReproduceQuickTest {
    @TempDir
    Path tmp;

    private String reproduce(String name) throws IOException {
        Path recorded = Path.of("docs", "results", name, "results.md");
        Object before = Files.exists(recorded) ? Files.getLastModifiedTime(recorded) : null;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "reproduce", name, "--quick", "--out", tmp.toString());
        assertEquals(0, code, err + "\n" + out);
        assertEquals(before, Files.exists(recorded) ? Files.getLastModifiedTime(recorded) : null, "a quick run must not touch docs/results");
        assertTrue(Files.isDirectory(tmp.resolve("runs")), "the quick runs live under --out");
        return out.toString();
    }

    /** A CSV as rows of column → cell (no quoted commas in these files). */
    static List<Map<String, String>> csv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String[] head = lines.get(0).split(",");
        List<Map<String, String>> rows = new ArrayList<>();
        for (String l : lines.subList(1, lines.size())) {
            String[] cells = l.split(",", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < head.length; i++) {
                row.put(head[i], i < cells.length ? cells[i] : "");
            }
            rows.add(row);
        }
        return rows;
    }

    static void assertVerdict(Path results) throws IOException {
        String text = Files.readString(results);
        String verdict = text.lines().filter(l -> l.startsWith("**Verdict: ")).findFirst().orElseThrow();
        assertTrue(verdict.matches("\\*\\*Verdict: (reproduced|partly reproduced|not reproduced): .*"), verdict);
    }

    static void assertPng(Path p) throws IOException {
        assertTrue(Files.isRegularFile(p), p + " missing");
        byte[] b = Files.readAllBytes(p);
        assertTrue(b.length > 1000 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', p + " is not a PNG");
    }

    static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    @Test
    void smallMnistQuickFollowsTheProtocolAndItsCellsAreTheSeedsNumbers() throws IOException {
        String log = reproduce("small-mnist");
        assertTrue(log.contains("small-mnist: "), log);
        assertVerdict(tmp.resolve("results.md"));
        List<Map<String, String>> runs = csv(tmp.resolve("runs.csv"));
        assertEquals(13 * 2, runs.size(), "13 configurations x 2 seeds");
        Map<String, double[]> byVariant = new HashMap<>();
        double totalSeconds = 0;
        for (Map<String, String> r : runs) {
            String key = r.get("setting") + "." + r.get("method");
            int seed = Integer.parseInt(r.get("seed"));
            double acc = Double.parseDouble(r.get("final_test_accuracy"));
            Path dir = tmp.resolve("runs").resolve(key + "_seed=" + seed);
            assertEquals(RunRecords.readSummary(dir).finalTestAccuracy(), acc, 0);
            byVariant.computeIfAbsent(key, k -> new double[2])[seed - 1] = acc;
            double sec = Double.parseDouble(r.get("training_seconds"));
            assertEquals(Repro.trainingSeconds(RunRecords.metrics(dir)), sec, 5e-4, r.toString());
            totalSeconds += sec;
        }
        assertTrue(totalSeconds > 0, "the runs' step times add up");
        List<Map<String, String>> cells = csv(tmp.resolve("small-mnist.csv"));
        assertEquals(4 + 9 + 4, cells.size());
        for (Map<String, String> c : cells) {
            double[] a = byVariant.get(c.get("variant"));
            assertEquals((a[0] + a[1]) / 2, Double.parseDouble(c.get("mean")), 1e-12, c.toString());
            if (c.get("verdict").isEmpty()) {
                continue; // a baseline cell
            }
            String base = c.get("variant").substring(0, c.get("variant").indexOf('.')) + ".baseline";
            double[] b = byVariant.get(base);
            double d = ((a[0] - b[0]) + (a[1] - b[1])) / 2;
            assertEquals(d, Double.parseDouble(c.get("paired_diff")), 1e-12, c.toString());
            double se = Math.abs((a[0] - b[0]) - (a[1] - b[1])) / Math.sqrt(2) / Math.sqrt(2);
            assertEquals(se, Double.parseDouble(c.get("paired_se")), 1e-12, c.toString());
            double paperDiff = Double.parseDouble(c.get("paper_diff"));
            String expected = paperDiff >= 0.2 ? (d > 0 && 100 * d >= 2 * 100 * se ? "reproduced" : d <= 0 || d < se ? "not reproduced" : "weak")
                    : (Math.abs(d) < 2 * se || 100 * d < 0.2 ? "consistent" : "differs");
            assertEquals(expected, c.get("verdict"), c.toString());
        }
        // the runs carry the protocol's flags
        JsonNode bn = Json.read(tmp.resolve("runs/wd-bn.spectreg0.001_seed=1/config.json")).get("settings");
        assertEquals("true", bn.get("--batchnorm").asText());
        assertEquals("lenet5:002", bn.get("--model").asText());
        assertEquals("weights", bn.get("--weight-decay-on").asText());
        assertEquals(0.0005, bn.get("--weight-decay").asDouble(), 0);
        assertEquals("batch", bn.get("--projection").asText());
        assertEquals("random", bn.get("--subset").asText());
        assertEquals("true", bn.get("--standardize").asText());
        assertEquals(60, bn.get("--holdout").asInt());
        assertEquals(0.001, bn.get("--lambda").asDouble(), 0);
        JsonNode cp = Json.read(tmp.resolve("runs/wd-dropout.confpen_seed=2/config.json")).get("settings");
        assertEquals(0.5, cp.get("--beta").asDouble(), 0, "beta 0.01 summed over a batch of 50 is 0.5 as a mean");
        assertEquals(0.5, cp.get("--dropout").asDouble(), 0);
        JsonNode wd0 = Json.read(tmp.resolve("runs/wd0-dropout.spectreg0.03_seed=1/config.json"));
        assertEquals(0.0, wd0.get("settings").get("--weight-decay").asDouble(), 0);
        assertEquals(50, wd0.get("train_size").asInt());
        assertEquals(60, wd0.get("test_size").asInt());
    }

    @Test
    void semiSupervisedQuickComparesUnlabeledSpectRegPairedBySeed() throws IOException {
        String log = reproduce("semi-supervised");
        assertTrue(log.contains("semi-supervised: "), log);
        String results = Files.readString(tmp.resolve("results.md"));
        assertTrue(results.contains("This experiment is ours, not the paper's."), results);
        List<Map<String, String>> arms = csv(tmp.resolve("semi-supervised.csv"));
        assertEquals(3, arms.size());
        double[][] acc = new double[3][2];
        for (int a = 0; a < 3; a++) {
            for (int s = 1; s <= 2; s++) {
                acc[a][s - 1] = RunRecords.readSummary(tmp.resolve("runs").resolve(arms.get(a).get("arm") + "_seed=" + s)).finalTestAccuracy();
            }
            assertEquals((acc[a][0] + acc[a][1]) / 2, Double.parseDouble(arms.get(a).get("mean")), 1e-12);
        }
        double d = ((acc[2][0] - acc[1][0]) + (acc[2][1] - acc[1][1])) / 2;
        assertEquals(d, Double.parseDouble(arms.get(2).get("diff_vs_labeled")), 1e-12);
        JsonNode cfg = Json.read(tmp.resolve("runs").resolve(arms.get(2).get("arm") + "_seed=1").resolve("config.json"));
        assertEquals(40, cfg.get("unlabeled_size").asInt());
        assertEquals("spectreg(exact, lambda=0.03, projection=batch)", cfg.get("method").asText());
    }

    @Test
    void grComputeQuickRunsThePapersGridAndTablesTheSeedsMeans() throws IOException {
        reproduce("gr-compute");
        assertVerdict(tmp.resolve("results.md"));
        assertPng(tmp.resolve("accuracy-normalized.png"));
        assertPng(tmp.resolve("accuracy-unnormalized.png"));
        List<Map<String, String>> runs = csv(tmp.resolve("runs.csv"));
        assertEquals((2 + 2 * 2 * 2) * 2, runs.size(), "plain, exact, {forward, backward} x 2 eps x {normalized, not} x 2 seeds");
        List<Map<String, String>> table = csv(tmp.resolve("gr-compute.csv"));
        assertEquals(10, table.size());
        for (Map<String, String> t : table) {
            List<Double> seeds = new ArrayList<>();
            for (Map<String, String> r : runs) {
                if (r.get("second_order").equals(t.get("second_order")) && r.get("normalized").equals(t.get("normalized"))
                        && r.get("eps").equals(t.get("eps"))) {
                    seeds.add(Double.parseDouble(r.get("final_test_accuracy")));
                }
            }
            assertEquals(2, seeds.size(), t.toString());
            assertEquals(mean(seeds), Double.parseDouble(t.get("mean_test_accuracy")), 1e-12);
        }
        // the normalized runs were trained with --normalized, at gamma 0.1
        JsonNode cfg = Json.read(tmp.resolve("runs/forwardN_e=0.5_seed=0/config.json")).get("settings");
        assertEquals("true", cfg.get("--normalized").asText());
        assertEquals(0.1, cfg.get("--gamma").asDouble(), 0);
        JsonNode plainStep = Json.read(tmp.resolve("runs/forward_e=0.5_seed=0/config.json")).get("settings");
        assertFalse(plainStep.has("--normalized") && plainStep.get("--normalized").asBoolean(), plainStep.toString());
        assertTrue(Files.readString(tmp.resolve("results.md")).contains("ε = 0.5 normalized: forward − backward"));
    }

    @Test
    void grCostQuickTimesEveryMethodAtEveryDepth() throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "reproduce", "gr-cost", "--quick", "--out", tmp.toString()),
                err.toString());
        assertVerdict(tmp.resolve("results.md"));
        assertPng(tmp.resolve("cost-depth.png"));
        JsonNode cost = Json.read(tmp.resolve("cost.json"));
        assertEquals(List.of("2", "3"), iterable(cost.get("ms_per_step_by_depth").fieldNames()));
        for (JsonNode depth : cost.get("ms_per_step_by_depth")) {
            for (String m : GrCost.METHODS) {
                assertTrue(depth.get(m).asDouble() > 0, m);
            }
        }
        assertTrue(Files.readString(tmp.resolve("results.md")).contains("| 3 | "));
    }

    static List<String> iterable(java.util.Iterator<String> it) {
        List<String> l = new ArrayList<>();
        it.forEachRemaining(l::add);
        return l;
    }

    @Test
    void floodingQuickMeasuresTheMechanismSlopeAndTrainsFullBatch() throws IOException {
        reproduce("flooding");
        assertVerdict(tmp.resolve("results.md"));
        for (String p : List.of("mechanism.png", "fullbatch-loss.png", "fullbatch-grad.png", "fullbatch-phase.png")) {
            assertPng(tmp.resolve(p));
        }
        JsonNode mech = Json.read(tmp.resolve("mechanism.json"));
        assertEquals(3.0, mech.get("slope_forward").asDouble(), 0.3);
        assertEquals(3.0, mech.get("slope_backward").asDouble(), 0.3);
        for (JsonNode r : mech.get("rows")) {
            assertTrue(r.get("signs_as_expected").asBoolean(), r.toString());
            assertTrue(r.get("error_to_gr_step").asDouble() < 1e-8 * r.get("displacement_norm").asDouble(), r.toString());
        }
        List<Map<String, String>> runs = csv(tmp.resolve("runs.csv"));
        assertEquals(List.of("plain", "flood", "fgr"), runs.stream().map(r -> r.get("run")).toList());
        // Full batch: one step per epoch. Above the flood level flooding is plain GD step for step: the first epoch agrees exactly.
        EpochMetrics plain = RunRecords.metrics(tmp.resolve("runs/plain_seed=0")).get(0);
        List<EpochMetrics> flood = RunRecords.metrics(tmp.resolve("runs/flood_seed=0"));
        assertTrue(plain.batchLoss() > 0.3, plain.toString());
        assertEquals(plain.batchLoss(), flood.get(0).batchLoss(), 0, "step 1 of flooding is a plain GD step");
        // Flooding holds the loss near b = 0.3 once it gets there; plain GD goes below.
        assertEquals(0.3, flood.get(flood.size() - 1).batchLoss(), 0.1);
        assertTrue(Files.readString(tmp.resolve("results.md")).contains("Log-log slope"));
    }
}
