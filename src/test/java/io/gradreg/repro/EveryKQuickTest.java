package io.gradreg.repro;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.cli.Main;
import io.gradreg.io.Json;
import io.gradreg.train.RunRecords;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gradreg reproduce every-k --quick}: synthetic data, in process; the table agrees with its runs. */
class EveryKQuickTest {
    @TempDir
    Path tmp;

    @Test
    void everyVariantHasARowWhoseNumbersAreItsRunsNumbers() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "reproduce", "every-k", "--quick", "--out", tmp.toString());
        assertEquals(0, code, err + "\n" + out);
        String md = Files.readString(tmp.resolve("results.md"));
        assertTrue(md.contains("**Verdict: our experiment: "), md);
        assertTrue(md.contains("**Our experiment**, not a paper's claim."), md);
        List<Map<String, String>> rows = ReproduceQuickTest.csv(tmp.resolve("every-k.csv"));
        assertEquals(15, rows.size(), "plain + 2 methods x (K=1, and K=2,5,10 with and without reuse)");
        for (Map<String, String> r : rows) {
            String id = r.get("method").equals("plain") ? "plain"
                    : r.get("method") + "_k=" + r.get("k") + (r.get("reuse").equals("true") ? "_reuse" : "");
            Path run = tmp.resolve("runs").resolve(id + "_seed=0");
            assertEquals(RunRecords.readSummary(run).finalTestAccuracy(), Double.parseDouble(r.get("mean_test_accuracy")), 1e-12, id);
            String cmd = Json.read(run.resolve("config.json")).get("command").asText();
            int k = Integer.parseInt(r.get("k"));
            assertTrue(cmd.contains(" --every " + k + " "), cmd);
            assertEquals(r.get("reuse").equals("true"), cmd.contains("--reuse"), cmd);
        }
        assertEquals("1", rows.get(0).get("cost_ratio_interleaved"));
        assertEquals(15, Json.read(tmp.resolve("cost.json")).get("interleaved_cpu_ms_per_step").size());
    }
}
