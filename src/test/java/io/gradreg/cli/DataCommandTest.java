package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The argument handling of {@code gradreg data}; fetching itself is MnistCacheTest's (no network here). */
class DataCommandTest {
    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void unknownDataset() {
        Result r = run("data", "fetch", "cifar10");
        assertEquals(2, r.code());
        assertEquals("gradreg: unknown dataset 'cifar10': expected mnist", r.err().strip());
        assertEquals("", r.out());
    }

    @Test
    void missingSubcommandOrDataset() {
        Result none = run("data");
        assertEquals(2, none.code());
        assertEquals("gradreg: missing subcommand: expected fetch (see 'gradreg data --help')", none.err().strip());
        Result noDataset = run("data", "fetch");
        assertEquals(2, noDataset.code());
        assertTrue(noDataset.err().startsWith("gradreg: Missing required parameter: 'DATASET'"), noDataset.err());
    }

    @Test
    void helpNamesTheDataset() {
        Result r = run("data", "fetch", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("DATASET") && r.out().contains("mnist"), r.out());
        assertTrue(run("--help").out().contains("data"));
    }
}
