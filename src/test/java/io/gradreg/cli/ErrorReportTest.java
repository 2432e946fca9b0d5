package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.GradregException;
import io.gradreg.engine.Engine;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** What reaches the user when something fails: one line, never libtorch's C++ stack trace. */
class ErrorReportTest {
    static String report(Throwable e, int expectedCode) {
        StringWriter s = new StringWriter();
        assertEquals(expectedCode, Main.report(e, new PrintWriter(s)));
        return s.toString();
    }

    @Test
    void aLibtorchErrorIsCutToItsFirstLineAndNamesTheOperation() {
        Engine.start();
        Tensor a = torch.ones(2, 3);
        RuntimeException e = assertThrows(RuntimeException.class, () -> a.matmul(torch.ones(2, 3)));
        assertTrue(e.getMessage().lines().count() > 1, "libtorch's message carries a C++ trace: " + e.getMessage());
        String out = report(e, Main.EXIT_INTERNAL);
        assertEquals("gradreg: internal error in Tensor.matmul from ErrorReportTest.aLibtorchErrorIsCutToItsFirstLineAndNamesTheOperation: RuntimeException: "
                + GradregException.firstLine(e) + " (set GRADREG_DEBUG=1 for the full trace)\n", out.replace("\r", ""));
        assertTrue(GradregException.firstLine(e).startsWith("mat1 and mat2 shapes cannot be multiplied"), out);
    }

    @Test
    void aGradregExceptionIsItsMessageAndExitTwoEvenWithALibtorchCause() {
        RuntimeException cause = new RuntimeException("Target 5 is out of bounds.\nException raised from nll_loss_out_frame\nframe #0: c10::Error");
        String out = report(new GradregException("w.pt: cannot read: " + GradregException.firstLine(cause), cause), Main.EXIT_USAGE);
        assertEquals("gradreg: w.pt: cannot read: Target 5 is out of bounds.\n", out.replace("\r", ""));
    }

    @Test
    void errorsPicocliDoesNotHandleAreOneLineToo() {
        String out = report(new OutOfMemoryError("Java heap space"), Main.EXIT_INTERNAL);
        assertTrue(out.startsWith("gradreg: internal error in ErrorReportTest.errorsPicocliDoesNotHandleAreOneLineToo: out of Java heap memory"), out);
        assertEquals(1, out.lines().count());
    }
}
