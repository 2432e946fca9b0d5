package io.gradreg.repro;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.cli.Main;
import io.gradreg.io.Json;
import io.gradreg.stats.Stats;
import io.gradreg.train.RunRecords;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gradreg reproduce sam-family --quick}: every member trains on both tasks, and the table holds its runs' numbers. */
class SamFamilyQuickTest {
    @TempDir
    Path tmp;

    @Test
    void everyMemberHasARowWhoseNumbersAreItsRunsNumbers() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "reproduce", "sam-family", "--quick", "--out", tmp.toString());
        assertEquals(0, code, err + "\n" + out);
        String md = Files.readString(tmp.resolve("results.md"));
        assertTrue(md.contains("**Moonshot line**"), md);
        List<Map<String, String>> rows = ReproduceQuickTest.csv(tmp.resolve("sam-family.csv"));
        assertEquals(14 + 15, rows.size(), "14 members on the MLP, and SAM-ON (batch norm only) as well on the CNN");
        Map<String, String> sam = rows.stream().filter(r -> r.get("task").equals("cnn") && r.get("method").equals("sam")).findFirst().orElseThrow();
        double[] acc = new double[2];
        double[] plain = new double[2];
        for (int s = 1; s <= 2; s++) {
            acc[s - 1] = RunRecords.readSummary(tmp.resolve("runs").resolve("cnn_sam_seed=" + s)).finalTestAccuracy();
            plain[s - 1] = RunRecords.readSummary(tmp.resolve("runs").resolve("cnn_plain_seed=" + s)).finalTestAccuracy();
        }
        assertEquals(Stats.meanStd(acc).mean(), Double.parseDouble(sam.get("mean_test_accuracy")), 1e-12);
        assertEquals(Stats.pairedDiff(acc, plain).mean(), Double.parseDouble(sam.get("gain_vs_plain")), 1e-12);
        String samon = Json.read(tmp.resolve("runs").resolve("cnn_samon_seed=1").resolve("config.json")).get("command").asText();
        assertTrue(samon.contains("--perturb-only norm"), samon);
        String looksam = Json.read(tmp.resolve("runs").resolve("mlp_looksam_seed=1").resolve("config.json")).get("command").asText();
        assertTrue(looksam.contains("--every 5") && looksam.contains("--reuse looksam"), looksam);
        assertTrue(Files.isRegularFile(tmp.resolve("gain-cost-cnn.png")));
        assertEquals(1.0, Double.parseDouble(rows.get(0).get("cost_ratio")), 0, "plain's cost is the unit");
    }
}
