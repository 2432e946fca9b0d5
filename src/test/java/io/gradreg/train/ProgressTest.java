package io.gradreg.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradreg.train.EpochMetrics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void offATerminalPlainLinesThenAMetricsLinePerEpoch() {
        StringWriter s = new StringWriter();
        Progress p = new Progress(new PrintWriter(s), "", true, false);
        for (int step = 1; step <= 4; step++) {
            p.onStep(step, 8, 1, 0.5);
        }
        p.onEpoch(new EpochMetrics(1, 4, 0.1, 0.4, 0.9, 0.45, 0.88, 0.5, 1.2e-3, 0.1, 0.41, 0.0, 12.5));
        p.clearLine();
        List<String> lines = s.toString().lines().toList();
        // The library draws from its own thread: at the start (if it gets there before the steps) and when
        // stopped; 30 s never pass here. Repeated identical states are printed once.
        String metrics = "epoch   1  step      4  train loss 0.4000  acc 0.9000  test loss 0.4500  acc 0.8800  R_IG 1.200e-03  12.5 ms/step";
        assertEquals(1, lines.stream().filter(metrics::equals).count(), s.toString());
        assertTrue(lines.get(lines.size() - 1).matches("train +50% \\[=+>? *\\] 4/8 \\(.*\\) epoch 1 loss 0\\.5000"), s.toString());
        assertTrue(lines.size() <= 3 && lines.stream().filter(l -> !l.equals(metrics)).allMatch(l -> l.matches("train +\\d+% \\[.*")),
                s.toString());
        assertTrue(!s.toString().contains("\r"), "no carriage returns in a log file");
    }

    @Test
    void onATerminalTheBarIsRedrawnInPlaceAndErased() {
        StringWriter s = new StringWriter();
        Progress p = new Progress(new PrintWriter(s), "plain", false, true);
        p.onStep(1, 10, 1, 2.0);
        p.onStep(10, 10, 3, 0.25);
        p.clearLine();
        String t = s.toString();
        assertTrue(t.startsWith("\rplain "), t);
        assertTrue(t.contains("10/10") && t.contains("epoch 3 loss 0.2500"), t);
        assertTrue(t.endsWith("\r\033[K"), "bar erased at the end");
        assertTrue(!t.contains("\n"), "redrawn in place");
    }
}
