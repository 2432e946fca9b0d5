package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.engine.HostArrays;
import io.gradreg.io.NdArray;
import io.gradreg.io.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The small slips of issue 26, each where a test can see it. */
class SlipsTest {
    @TempDir
    Path tmp;

    @Test
    void flatDataForAnImageModelIsSaidInTheLog() {
        float[] x = new float[8 * 784];
        long[] y = new long[8];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 13) / 13f;
        }
        Path npz = tmp.resolve("flat.npz");
        Npz.write(npz, Map.of("x", NdArray.ofFloats(x, 8, 784), "y", NdArray.ofLongs(y, 8)));
        CliTest.Result r = CliTest.run("train", "--data", npz.toString(), "--model", "lenet5", "--steps", "1", "--out", tmp.resolve("r").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("lenet5 takes 1x28x28 inputs: each sample's 784 values are read as one"), r.out());
    }

    @Test
    void theDemosTimeIsTheSameInItsHelpAndTheReadme() throws Exception {
        Pattern time = Pattern.compile("about (\\d+ s) on 2 cores");
        Matcher help = time.matcher(new CommandLine(new DemoCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("\\s+", " "));
        Matcher readme = time.matcher(Files.readString(Path.of("README.md")).replaceAll("\\s+", " "));
        assertTrue(help.find() && readme.find(), "both state the demo's time");
        assertEquals(help.group(1), readme.group(1));
    }

    @Test
    void everyCommandsSummaryIsASentence() {
        CommandLine root = Main.commandLine();
        root.getSubcommands().forEach((name, sub) -> {
            String[] d = sub.getCommandSpec().usageMessage().description();
            if (d.length > 0) {
                String first = d[0].strip();
                assertTrue(first.endsWith(".") || first.endsWith(")"), name + "'s summary line (what gradreg --help shows) is cut: " + first);
            }
        });
        String master = root.getSubcommands().get("train").getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertTrue(master.contains("127.0.0.1:29500"), "the --master default is not cut across lines: " + master);
    }
}
