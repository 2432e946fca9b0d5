package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** docs/cli.md is the commands' current help, and train's help sections list every flag once. */
class CliReferenceTest {
    @Test
    void theCommittedReferenceIsCurrent() throws Exception {
        String now = Reference.markdown(Main.commandLine());
        String committed = Files.readString(Path.of("docs/cli.md"));
        assertEquals(now, committed, "docs/cli.md is stale: regenerate it with ./gradreg reference > docs/cli.md");
    }

    @Test
    void trainHelpListsEveryFlagInOneSectionAndEveryMethod() {
        var train = Main.commandLine().getSubcommands().get("train");
        List<Set<String>> m = TrainHelp.mismatch(train);
        assertEquals(Set.of(), m.get(0), "train flags in no help section: add them to TrainHelp.SECTIONS");
        assertEquals(Set.of(), m.get(1), "help sections naming no flag");
        String help = train.getUsageMessage(picocli.CommandLine.Help.Ansi.OFF);
        for (String section : TrainHelp.SECTIONS.keySet()) {
            assertTrue(help.contains("\n" + section + ":\n"), section);
        }
        for (String name : io.gradreg.method.Methods.NAMES.split(", ")) {
            assertTrue(TrainHelp.METHODS.containsKey(name), "no one-line description of " + name);
            assertTrue(help.contains("\n  " + name + " "), name);
        }
        assertTrue(help.indexOf("--data") < help.indexOf("--model") && help.indexOf("--model") < help.indexOf("--method=") , help);
    }
}
