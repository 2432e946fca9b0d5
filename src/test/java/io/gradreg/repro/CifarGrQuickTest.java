package io.gradreg.repro;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.cli.Main;
import io.gradreg.io.Json;
import io.gradreg.train.RunRecords;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** reproduce cifar-gr: the quick version end to end on its own CIFAR-format files; the full grid; the verdict rule. */
class CifarGrQuickTest {
    @TempDir
    Path tmp;

    static int run(StringWriter out, StringWriter err, String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void quickRunsTheProtocolOnSyntheticCifarFilesAndClaimsNothing() throws Exception {
        Path recorded = Path.of("docs", "results", "cifar-gr", "results.md");
        assertFalse(Files.exists(recorded), "the full experiment has not been run here; no results.md may claim otherwise");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, run(out, err, "reproduce", "cifar-gr", "--quick", "--out", tmp.toString()), err + "\n" + out);
        assertFalse(Files.exists(recorded));
        assertTrue(Files.isRegularFile(tmp.resolve("data/cifar-10-batches-bin/data_batch_5.bin")));
        assertEquals(3 * 3073, Files.size(tmp.resolve("data/cifar-10-batches-bin/data_batch_1.bin")));

        String md = Files.readString(tmp.resolve("results.md"));
        assertTrue(md.contains("**Verdict: not run: quick mode trains on synthetic CIFAR-format data and tests the code path only**"), md);
        assertTrue(md.contains("says nothing about CIFAR-10 or the claim"), md);

        List<Map<String, String>> rows = ReproduceQuickTest.csv(tmp.resolve("cifar-gr.csv"));
        assertEquals(List.of("plain", "F-GR_g=0.1_e=0.1", "B-GR_g=0.1_e=0.1", "DB_g=0.1"), rows.stream().map(r -> r.get("config")).toList());
        Map<String, String> expectedSecondOrder = Map.of("F-GR", "forward", "B-GR", "backward", "DB", "exact");
        for (Map<String, String> r : rows) {
            Path dir = tmp.resolve("runs").resolve(r.get("config") + "_seed=0");
            assertEquals(RunRecords.readSummary(dir).finalTestAccuracy(), Double.parseDouble(r.get("mean_test_accuracy")), 0.0);
            JsonNode s = Json.read(dir.resolve("config.json")).get("settings");
            Map<String, String> protocol = new HashMap<>(Map.of("--model", "wrn:10-1", "--augment", "crop-flip", "--optimizer", "sgd",
                    "--momentum", "0.9", "--lr", "0.1", "--schedule", "cosine", "--weight-decay", "1.0E-4", "--batch-size", "8"));
            protocol.forEach((k, v) -> assertEquals(v, s.get(k).asText(), r.get("config") + " " + k));
            assertTrue(s.get("--data").asText().startsWith("cifar10:"), s.get("--data").asText());
            if (expectedSecondOrder.containsKey(r.get("kind"))) {
                assertEquals("gr", s.get("--method").asText());
                assertEquals(expectedSecondOrder.get(r.get("kind")), s.get("--second-order").asText());
                assertEquals("0.1", s.get("--gamma").asText());
                assertEquals(!r.get("kind").equals("DB"), s.get("--normalized").asBoolean(), r.get("config"));
            }
        }
    }

    @Test
    void theFullGridIsTheProtocolsAndRefusesToStartWithoutData() {
        List<CifarGr.Config> full = CifarGr.configs(false);
        assertEquals(1 + 4 * 6 * 2 + 4, full.size()); // plain, F-GR and B-GR over γ × ε, DB over γ
        assertEquals(5, CifarGr.trials(false).size());
        assertEquals(24, full.stream().filter(c -> c.kind().equals("F-GR")).count());
        assertTrue(full.stream().anyMatch(c -> c.id().equals("F-GR_g=0.1_e=0.5")));

        if (System.getenv("GRADREG_CIFAR10") == null && !Files.exists(Path.of("data", "cifar-10-batches-bin"))) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            assertEquals(2, run(out, err, "reproduce", "cifar-gr", "--out", tmp.toString()));
            assertEquals("gradreg: data/cifar-10-batches-bin: missing CIFAR-10 files data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, "
                    + "data_batch_4.bin, data_batch_5.bin, test_batch.bin (expected data_batch_1.bin .. data_batch_5.bin and test_batch.bin, "
                    + "the binary version from cifar-10-batches-bin)", err.toString().strip());
            assertFalse(Files.exists(tmp.resolve("runs")));
        }
    }

    @Test
    void theVerdictComparesFgrWithBgrAndDbAtLargeEpsilon() {
        List<CifarGr.Config> c = CifarGr.configs(false);
        Map<String, double[]> acc = new HashMap<>();
        c.forEach(x -> acc.put(x.id(), new double[] {0.90, 0.90}));
        acc.put("F-GR_g=0.1_e=0.2", new double[] {0.95, 0.95});
        acc.put("F-GR_g=0.1_e=0.01", new double[] {0.99, 0.99}); // small ε does not count
        assertEquals("reproduced: at γ = 0.1, large ε: F-GR 95.00 %, B-GR 90.00 %, DB 90.00 % (best mean over ε ∈ {0.1, 0.2, 0.5})",
                CifarGr.verdict(c, acc));
        acc.put("DB_g=0.1", new double[] {0.96, 0.96});
        assertTrue(CifarGr.verdict(c, acc).startsWith("partly reproduced: "));
        acc.put("B-GR_g=0.1_e=0.5", new double[] {0.97, 0.97});
        assertTrue(CifarGr.verdict(c, acc).startsWith("not reproduced: "));
    }
}
