package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The argument handling of {@code gradreg data}; fetching itself is MnistCacheTest's (no network here). */
class DataCommandTest {
    @Test
    void unknownDataset() {
        CliTest.Result r = CliTest.run("data", "fetch", "cifar10");
        assertEquals(2, r.code());
        assertEquals("gradreg: unknown dataset 'cifar10': expected mnist", r.err().strip());
        assertEquals("", r.out());
    }

    @Test
    void missingSubcommandOrDataset() {
        CliTest.Result none = CliTest.run("data");
        assertEquals(2, none.code());
        assertEquals("gradreg: missing subcommand: expected fetch (see 'gradreg data --help')", none.err().strip());
        CliTest.Result noDataset = CliTest.run("data", "fetch");
        assertEquals(2, noDataset.code());
        assertTrue(noDataset.err().startsWith("gradreg: Missing required parameter: 'DATASET'"), noDataset.err());
    }

    @Test
    void helpNamesTheDataset() {
        CliTest.Result r = CliTest.run("data", "fetch", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("DATASET") && r.out().contains("mnist"), r.out());
        assertTrue(CliTest.run("--help").out().contains("data"));
    }
}
