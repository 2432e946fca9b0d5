package io.gradreg.bench;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.method.Asam;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.InputPenalty;
import io.gradreg.method.SecondOrder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What gradreg asks of the PyTorch peer: the bench methods' own hyperparameters, and a one-line reason when there is no peer. */
class PeerTest {
    @Test
    void aClaimNeedsEveryRoundOnOneSide() {
        Bench.Timing faster = timing(0.81, 0.95, 0.88);
        assertEquals("faster", faster.verdict());
        assertArrayEquals(new double[] {0.81, 0.95}, faster.ratioSpread());
        assertEquals("slower", timing(1.02, 1.3, 1.1).verdict());
        assertEquals("within the spread", timing(0.9, 1.05, 0.97).verdict());
        assertEquals("", timing().verdict(), "no peer, no claim");
    }

    static Bench.Timing timing(double... ratios) {
        return new Bench.Timing("m", 1, "plain", 1, 1, 1, 1, "", 1, "", ratios.length == 0 ? Double.NaN : Bench.median(ratios), new double[0],
                new double[0], ratios);
    }

    @Test
    void aPeerOnTheReferenceBlasIsNamedInOneLine() {
        assertEquals("warning: the PyTorch peer multiplies matrices at 6.0 GFLOP/s, 4% of gradreg's 160.0: it is on the reference BLAS,"
                + " so its times are no reference; install libopenblas0-pthread (apt-get install libopenblas0-pthread)",
                Peer.slowBlasWarning(6.0, 160.0));
        assertNull(Peer.slowBlasWarning(190.0, 160.0));
        assertNull(Peer.slowBlasWarning(40.0, 160.0), "a quarter of our peak is still a real BLAS on a loaded machine");
    }

    @Test
    void everyBenchMethodIsSentWithItsOwnHyperparameters() {
        Map<String, Object> fwd = Peer.spec(Bench.methods().get("gr forward"));
        assertEquals(Map.of("lr", 0.01, "kind", "gr", "second_order", "forward", "gamma", 0.1, "eps", 0.01), fwd);
        assertEquals(Map.of("lr", 0.01, "kind", "sam", "rho", 0.05), Peer.spec(Bench.methods().get("sam")));
        assertEquals(Map.of("lr", 0.01, "kind", "spectreg", "second_order", "exact", "lambda", 0.01, "delta", 0.01),
                Peer.spec(Bench.methods().get("spectreg")));
        for (String m : Bench.methods().keySet()) {
            assertNotNull(Peer.spec(Bench.methods().get(m)), m);
        }
    }

    @Test
    void methodsThePeerLacksAreNotSent() {
        assertNull(Peer.spec(new Asam(0.5, 0.01)));
        assertNull(Peer.spec(new GradientRegularization(0.1, 0.01, SecondOrder.FORWARD, true)));
        assertNull(Peer.spec(new InputPenalty(InputPenalty.Kind.SPECTREG, 0.01, SecondOrder.FORWARD, 0.01, 0)));
        assertNull(Peer.spec(new InputPenalty(InputPenalty.Kind.DOUBLEBACK, 0.01, SecondOrder.CENTRAL, 0.01, 0)));
    }

    @Test
    void withoutAPythonThatImportsTorchTheReasonIsOneLine() {
        Peer.Found f = Peer.find(List.of("/nonexistent/python3"));
        assertNull(f.python());
        assertEquals("no python3 that imports torch (tried /nonexistent/python3); install the peer with: "
                + "apt-get install python3-torch libopenblas0-pthread", f.problem());
        assertTrue(f.script().endsWith("bench/torch_peer.py"), f.script().toString());
    }
}
