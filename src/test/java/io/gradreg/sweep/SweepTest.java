package io.gradreg.sweep;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.GradregException;
import io.gradreg.cli.Main;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.HostArrays;
import io.gradreg.io.Json;
import io.gradreg.io.Npz;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepTest {
    @TempDir
    Path tmp;

    static final String SPEC = """
            name: t
            base: {model: "mlp:6-8-3", epochs: 1, batchnorm: true, nesterov: false, dropout: 0}
            variants:
              plain: {method: plain}
              gr: {method: gr, gamma: 0.05}
            grid:
              seed: [0, 1]
              lr: [0.1, 0.2]
            """;

    @Test
    void theGridExpandsToEveryVariantTimesEveryCombination() {
        SweepSpec s = SweepSpec.parse(SPEC, "t.yaml");
        List<SweepSpec.Run> runs = s.runs();
        assertEquals(8, runs.size());
        assertEquals(List.of("plain_seed=0_lr=0.1", "plain_seed=0_lr=0.2", "plain_seed=1_lr=0.1", "plain_seed=1_lr=0.2",
                "gr_seed=0_lr=0.1", "gr_seed=0_lr=0.2", "gr_seed=1_lr=0.1", "gr_seed=1_lr=0.2"), runs.stream().map(SweepSpec.Run::id).toList());
        io.gradreg.train.RunSpec r7 = runs.get(7).spec();
        assertEquals("mlp:6-8-3", r7.model().spec());
        assertEquals(1, r7.length().epochCount());
        assertTrue(r7.model().batchNorm());
        assertEquals(0.0, r7.model().dropout());
        assertEquals("gr", r7.method().name());
        assertEquals(0.05, r7.method().options().gamma());
        assertEquals(1, r7.seed());
        assertEquals(0.2, r7.optimization().optimizer().lr());
        assertEquals(Map.of("variant", "gr", "seed", "1", "lr", "0.2"), runs.get(7).labels());
        assertEquals(Path.of("runs", "sweeps", "t"), s.out());
    }

    @Test
    void badSpecsAreOneLineErrors() {
        assertEquals("t.yaml: missing 'name'", assertThrows(GradregException.class, () -> SweepSpec.parse("base: {}", "t.yaml")).getMessage());
        assertEquals("t.yaml: unknown key 'grids' (expected name, out, base, variants, grid)",
                assertThrows(GradregException.class, () -> SweepSpec.parse("name: a\ngrids: {}", "t.yaml")).getMessage());
        assertEquals("t.yaml: 'grid.seed' must be a number, a word or true/false",
                assertThrows(GradregException.class, () -> SweepSpec.parse("name: a\ngrid: {seed: [[1]]}", "t.yaml")).getMessage());
        assertTrue(assertThrows(GradregException.class, () -> SweepSpec.parse("name: [a", "t.yaml")).getMessage().startsWith("t.yaml: not valid YAML: "));
        assertEquals("t.yaml: unknown train flag 'lamda'",
                assertThrows(GradregException.class, () -> SweepSpec.parse("name: a\nbase: {lamda: 1}", "t.yaml")).getMessage());
        assertEquals("t.yaml: run run: missing --model",
                assertThrows(GradregException.class, () -> SweepSpec.parse("name: a\nbase: {lambda: 1}", "t.yaml")).getMessage());
        assertEquals("t.yaml: run plain: unknown --weight-decay-on 'some': expected weights or all",
                assertThrows(GradregException.class, () -> SweepSpec.parse("name: a\nbase: {model: 'mlp:2-2', weight-decay-on: some}\n"
                        + "variants: {plain: {method: plain}}", "t.yaml")).getMessage());
    }

    @Test
    void meanAndSampleStd() {
        double[] ms = SweepTable.meanStd(new double[] {1, 2, 3, 4});
        assertEquals(2.5, ms[0], 1e-15);
        assertEquals(Math.sqrt(5.0 / 3.0), ms[1], 1e-15);
        assertArrayEquals(new double[] {7, 0}, SweepTable.meanStd(new double[] {7}), 0);
    }

    @Test
    void workersRunTheGridSkipFinishedRunsAndTheTablesHoldTheirNumbers() throws Exception {
        var d = Synthetic.blobs(48, 6, 3, 1.0, 1, DType.FLOAT32);
        Path npz = tmp.resolve("d.npz");
        Npz.write(npz, Map.of("x", HostArrays.toHost(d.x()), "y", HostArrays.toHost(d.y())));
        Path spec = Files.writeString(tmp.resolve("s.yaml"), """
                name: small
                out: %s
                base: {data: %s, model: "mlp:6-8-3", epochs: 2, batch-size: 16, test-data: %s}
                variants:
                  plain: {method: plain}
                  sam: {method: sam, rho: 0.05}
                grid:
                  seed: [0, 1]
                """.formatted(tmp.resolve("out"), npz, npz));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "sweep", spec.toString(), "--jobs", "2");
        assertEquals(0, code, err + "\n" + out);
        assertEquals(4, out.toString().lines().filter(l -> l.matches("\\[\\d/4\\] done .*")).count(), out.toString());

        List<String> csv = Files.readAllLines(tmp.resolve("out/runs.csv"));
        assertEquals("variant,seed,final_test_accuracy,best_test_accuracy,final_train_loss,final_R_IG", csv.get(0));
        double acc = Json.read(tmp.resolve("out/sam_seed=1/summary.json")).get("final_test_accuracy").asDouble();
        assertEquals("sam,1," + acc, csv.get(4).substring(0, csv.get(4).indexOf(',', 6 + String.valueOf(acc).length())));
        double acc0 = Json.read(tmp.resolve("out/sam_seed=0/summary.json")).get("final_test_accuracy").asDouble();
        List<String> summary = Files.readAllLines(tmp.resolve("out/summary.csv"));
        String[] samRow = summary.get(2).split(",");
        assertEquals("sam", samRow[0]);
        assertEquals("2", samRow[1]);
        assertEquals((acc + acc0) / 2, Double.parseDouble(samRow[2]), 1e-12);
        assertEquals(Math.abs(acc - acc0) / Math.sqrt(2), Double.parseDouble(samRow[3]), 1e-12);

        StringWriter again = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(again, true), new PrintWriter(err, true), "sweep", spec.toString()));
        assertEquals(4, again.toString().lines().filter(l -> l.contains("skipped")).count(), again.toString());
    }

    @Test
    void aRunThatDivergedStaysFailedAndNamedUntilRetriedFromScratch() throws Exception {
        var d = Synthetic.blobs(48, 6, 3, 1.0, 1, DType.FLOAT32);
        Path npz = tmp.resolve("d.npz");
        Npz.write(npz, Map.of("x", HostArrays.toHost(d.x()), "y", HostArrays.toHost(d.y())));
        Path spec = Files.writeString(tmp.resolve("s.yaml"), """
                name: nan
                out: %s
                base: {data: %s, model: "mlp:6-8-3", epochs: 3, batch-size: 16, test-data: %s}
                variants:
                  calm: {lr: 0.1}
                  wild: {lr: 1e30}
                """.formatted(tmp.resolve("out"), npz, npz));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(Main.EXIT_USAGE, Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "sweep", spec.toString(), "--jobs", "1"));
        assertEquals("gradreg: 1 of 2 runs failed (1 stopped on a non-finite loss); their log.txt says why; rerun to retry the others,"
                + " --retry-failed to start the diverged ones again", err.toString().trim());
        Path wild = tmp.resolve("out/wild");
        assertEquals(Sweep.State.DIVERGED, Sweep.state(wild));
        assertTrue(Sweep.divergedMessage(wild).matches("stopped on a non-finite loss \\((NaN|Infinity|-Infinity)\\) at step 2"),
                Sweep.divergedMessage(wild));
        String summary = Files.readString(tmp.resolve("out/summary.md"));
        assertTrue(summary.contains("\nNot in the table: 1 diverged (stopped on a non-finite loss): wild.\n"), summary);

        // A rerun neither resumes nor restarts it, and says why.
        StringWriter again = new StringWriter();
        StringWriter againErr = new StringWriter();
        assertEquals(Main.EXIT_USAGE, Main.run(new PrintWriter(again, true), new PrintWriter(againErr, true), "sweep", spec.toString()), againErr.toString());
        assertTrue(again.toString().contains("[2/2] diverged wild: stopped on a non-finite loss"), again + "\n" + againErr);
        assertTrue(again.toString().contains("kept as failed (--retry-failed starts it again from scratch)"), again.toString());

        // Nor does train --resume by hand.
        StringWriter resumeErr = new StringWriter();
        assertEquals(Main.EXIT_USAGE, Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(resumeErr, true), "train", "--out", wild.toString(),
                "--resume"));
        assertTrue(resumeErr.toString().startsWith("gradreg: " + wild + " stopped on a non-finite loss"), resumeErr.toString());
        assertTrue(resumeErr.toString().trim().endsWith("start it again with --overwrite (or delete diverged.json to resume it anyway)"),
                resumeErr.toString());

        // --retry-failed starts it from scratch (it diverges again, at the same step).
        StringWriter retry = new StringWriter();
        assertEquals(Main.EXIT_USAGE, Main.run(new PrintWriter(retry, true), new PrintWriter(new StringWriter(), true), "sweep", spec.toString(), "--retry-failed"));
        assertTrue(retry.toString().contains("[2/2] diverged wild: stopped on a non-finite loss"), retry.toString());
        assertFalse(retry.toString().contains("kept as failed"), "it ran again: " + retry);
        assertFalse(Files.readString(wild.resolve("log.txt")).contains("resum"), "a retried run starts from scratch, it does not resume");
    }
}
