package io.gradreg.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradreg.GradregException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesAndReplaces() throws IOException {
        Path f = dir.resolve("a.txt");
        AtomicFiles.writeString(f, "héllo\n");
        assertEquals("héllo\n", Files.readString(f));
        AtomicFiles.writeBytes(f, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
        assertEquals(List.of("a.txt"), listing());
    }

    @Test
    void createsParentDirectories() throws IOException {
        Path f = dir.resolve("x/y/z.bin");
        AtomicFiles.write(f, out -> {
            out.write(7);
            out.close(); // closing early is harmless
        });
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(f));
    }

    @Test
    void failingBodyLeavesNoTargetAndNoTemp() throws IOException {
        Path f = dir.resolve("out.bin");
        GradregException e = assertThrows(GradregException.class, () -> AtomicFiles.write(f, out -> {
            out.write(new byte[100_000]); // more than the buffer, so bytes reached the temp file
            throw new IOException("disk on fire");
        }));
        assertEquals(f + ": cannot write: disk on fire", e.getMessage());
        assertEquals(List.of(), listing());
    }

    @Test
    void runtimeExceptionPassesThroughAndOldContentSurvives() throws IOException {
        Path f = dir.resolve("keep.txt");
        AtomicFiles.writeString(f, "old");
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> AtomicFiles.write(f, out -> {
            out.write("new new new".getBytes());
            throw boom;
        }));
        assertSame(boom, thrown);
        assertEquals("old", Files.readString(f));
        assertEquals(List.of("keep.txt"), listing());
    }

    @Test
    void targetThatIsADirectoryIsReported() throws IOException {
        Path d = Files.createDirectory(dir.resolve("sub"));
        Files.writeString(d.resolve("inside"), "x");
        GradregException e = assertThrows(GradregException.class, () -> AtomicFiles.writeString(d, "x"));
        assertTrue(e.getMessage().startsWith(d + ": cannot write: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(List.of("sub"), listing());
    }
}
