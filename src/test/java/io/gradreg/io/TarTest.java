package io.gradreg.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradreg.GradregException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarTest {
    @TempDir
    Path dir;

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    /** Everything {@code wanted} in archive order, read whole. */
    static Map<String, byte[]> read(Path archive, Predicate<String> wanted) {
        Map<String, byte[]> got = new LinkedHashMap<>();
        Tar.extract(archive, wanted, (name, in) -> got.put(name, in.readAllBytes()));
        return got;
    }

    private String error(Path archive) {
        return assertThrows(GradregException.class, () -> read(archive, n -> true)).getMessage();
    }

    @Test
    void extractsTheWantedFilesOfAGzippedArchiveExactly() throws IOException {
        byte[] a = random(1000, 1); // not a whole number of blocks: checks the padding
        byte[] b = random(2048, 2);
        byte[] tgz = new TarWriter()
                .pax('g', Map.of("comment", "global header, to be skipped"))
                .dir("package/")
                .file("package/data/a", a)
                .file("package/README", "not wanted".getBytes(StandardCharsets.UTF_8))
                .file("package/data/empty", new byte[0])
                .file("package/data/b", b)
                .tgz();
        Map<String, byte[]> got = read(write("p.tgz", tgz), n -> n.startsWith("package/data/"));
        assertEquals(List.of("package/data/a", "package/data/empty", "package/data/b"), List.copyOf(got.keySet()));
        assertArrayEquals(a, got.get("package/data/a"));
        assertArrayEquals(new byte[0], got.get("package/data/empty"));
        assertArrayEquals(b, got.get("package/data/b"));
    }

    @Test
    void readsPlainTarAndCopesWithAHandlerThatStopsEarly() throws IOException {
        byte[] a = random(5000, 3);
        byte[] b = random(700, 4);
        Path tar = write("p.tar", new TarWriter().file("a", a).file("b", b).tar());
        Map<String, Integer> firstBytes = new LinkedHashMap<>();
        // Reads one byte of each entry; the reader must still find the next header.
        Tar.extract(tar, n -> true, (name, in) -> firstBytes.put(name, in.read()));
        assertEquals(Map.of("a", a[0] & 0xff, "b", b[0] & 0xff), firstBytes);
        assertArrayEquals(b, read(tar, "b"::equals).get("b"));
    }

    @Test
    void longNamesFromPaxUstarPrefixAndGnu() throws IOException {
        String longName = "package/" + "deep/".repeat(30) + "fïlé-ü.bin"; // > 100 bytes, non-ASCII
        String gnu = "package/" + "g".repeat(150);
        byte[] gnuName = (gnu + "\0").getBytes(StandardCharsets.UTF_8);
        byte[] tgz = new TarWriter()
                .pax('x', Map.of("path", longName, "mtime", "1700000000.5"))
                .file("PaxHeader-truncated-name", new byte[] {1, 2, 3})
                .entry("package", "p".repeat(100), '0', new byte[] {4}) // ustar prefix + name
                .entry("", "././@LongLink", 'L', gnuName)
                .file("g-truncated", new byte[] {5, 6})
                .file("short", new byte[] {7})
                .tgz();
        Map<String, byte[]> got = read(write("long.tgz", tgz), n -> true);
        assertEquals(List.of(longName, "package/" + "p".repeat(100), gnu, "short"), List.copyOf(got.keySet()));
        assertArrayEquals(new byte[] {1, 2, 3}, got.get(longName));
        assertArrayEquals(new byte[] {4}, got.get("package/" + "p".repeat(100)));
        assertArrayEquals(new byte[] {5, 6}, got.get(gnu));
        assertArrayEquals(new byte[] {7}, got.get("short")); // the long names applied to one entry only
    }

    @Test
    void paxSizeOverridesTheHeaderSize() throws IOException {
        byte[] content = random(600, 5);
        byte[] tar = new TarWriter().pax('x', Map.of("size", "600")).file("f", content).tar();
        // Zero the ustar size field of the file header (offset 1024 + 124), fixing its checksum.
        byte[] fixed = TarWriter.header("", "f", 0, '0');
        System.arraycopy(fixed, 0, tar, 1024, 512);
        assertArrayEquals(content, read(write("s.tar", tar), n -> true).get("f"));
    }

    @Test
    void truncatedArchivesNameTheEntryAndTheMissingBytes() throws IOException {
        byte[] tar = new TarWriter().file("package/data/big", random(1000, 6)).tar();
        Path cut = write("cut.tar", Arrays.copyOf(tar, 512 + 300));
        assertEquals(cut + ": truncated: entry package/data/big needs 1000 bytes, only 300 could be read", error(cut));

        // The same for a cut-off gzip stream, whose decompressor fails rather than ends.
        byte[] tgz = new TarWriter().file("package/data/big", random(100_000, 7)).tgz();
        Path cutGz = write("cut.tgz", Arrays.copyOf(tgz, tgz.length / 2));
        String msg = error(cutGz);
        assertTrue(msg.startsWith(cutGz + ": truncated: entry package/data/big needs 100000 bytes, only "), msg);

        // Also when the handler does not read the entry and the reader skips it.
        Throwable e = assertThrows(GradregException.class, () -> read(cut, n -> false));
        assertEquals(cut + ": truncated: the archive ends inside entry package/data/big or the header after it", e.getMessage());

        byte[] two = new TarWriter().file("a", new byte[512]).file("b", new byte[1]).tar();
        // Cut inside a header, inside the end marker, or with no end marker at all: Commons Compress reads
        // these as the end of the archive. The MNIST cache still notices: it checks every file's SHA-256.
        Path cutHeader = write("cuthead.tar", Arrays.copyOf(two, 1024 + 100));
        assertEquals(List.of("a"), List.copyOf(read(cutHeader, n -> true).keySet()));
        byte[] one = new TarWriter().file("a", random(512, 9)).tar();
        assertArrayEquals(Arrays.copyOfRange(one, 512, 1024),
                read(write("half-end.tar", Arrays.copyOf(one, 1024 + 100)), n -> true).get("a"));
        assertArrayEquals(Arrays.copyOfRange(one, 512, 1024),
                read(write("no-end.tar", Arrays.copyOf(one, 1024)), n -> true).get("a"));
    }

    @Test
    void notAnArchive() throws IOException {
        Path text = write("notes.txt", "just some text\n".repeat(100).getBytes(StandardCharsets.UTF_8));
        assertEquals(text + ": not a tar archive (plain or gzipped): Corrupted TAR archive.", error(text));
        Path gzText = write("notes.txt.gz", TarWriter.gzip("just some text\n".repeat(100).getBytes(StandardCharsets.UTF_8)));
        assertEquals(gzText + ": not a tar archive (plain or gzipped): Corrupted TAR archive.", error(gzText));
        Path small = write("small", "hello".getBytes(StandardCharsets.UTF_8));
        assertEquals(small + ": not a tar archive (plain or gzipped): only 5 bytes", error(small));
        Path empty = write("empty", new byte[0]);
        assertEquals(empty + ": not a tar archive (plain or gzipped): only 0 bytes", error(empty));

        byte[] tgz = new TarWriter().file("a", random(3000, 8)).tgz();
        tgz[10] |= 0x06; // the first deflate block header (after gzip's 10 bytes): reserved type 3
        Path corrupt = write("corrupt.tgz", tgz);
        assertEquals(corrupt + ": not a tar archive (plain or gzipped): Gzip-compressed data is corrupt.", error(corrupt));

        assertEquals(dir.resolve("missing.tgz") + ": file not found", error(dir.resolve("missing.tgz")));
    }

    @Test
    void handlerFailuresNameTheEntry() throws IOException {
        Path p = write("ok.tar", new TarWriter().file("package/x", new byte[] {1}).tar());
        Throwable e = assertThrows(GradregException.class, () -> Tar.extract(p, n -> true, (name, in) -> {
            throw new IOException("disk full");
        }));
        assertEquals(p + ": cannot extract package/x: disk full", e.getMessage());
    }
}
