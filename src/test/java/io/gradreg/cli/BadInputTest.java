package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.io.Idx;
import io.gradreg.io.NdArray;
import io.gradreg.io.Npz;
import io.gradreg.io.Safetensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad input the issue lists, through the real command line: the run must end with
 * exit code 2, exactly one line on stderr naming the problem (no stack trace), and no output file.
 */
class BadInputTest {
    @TempDir
    static Path tmp;
    static Path goodIdx;
    static Path goodNpz;
    static Path goodWeights;

    static final int N = 40;

    @BeforeAll
    static void files() throws IOException {
        goodIdx = idxDir("idx", images(N), labels(N), images(10), labels(10));
        goodNpz = tmp.resolve("good.npz");
        Npz.write(goodNpz, Map.of("x", NdArray.ofFloats(new float[N * 4], N, 4), "y", NdArray.ofLongs(labelValues(N), N)));
        Path run = tmp.resolve("good-run");
        CliTest.Result r = CliTest.run("train", "--data", goodNpz.toString(), "--model", "mlp:4-3", "--epochs", "1", "--out", run.toString());
        assertEquals(0, r.code(), r.err());
        goodWeights = run.resolve("weights.safetensors");
    }

    static NdArray images(int n) {
        byte[] px = new byte[n * 28 * 28];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 31);
        }
        return NdArray.ofUnsignedBytes(px, n, 28, 28);
    }

    static long[] labelValues(int n) {
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
            l[i] = i % 3;
        }
        return l;
    }

    static NdArray labels(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 3);
        }
        return NdArray.ofUnsignedBytes(b, n);
    }

    static Path idxDir(String name, NdArray trainX, NdArray trainY, NdArray testX, NdArray testY) throws IOException {
        Path d = Files.createDirectories(tmp.resolve(name));
        Idx.write(d.resolve("train-images-idx3-ubyte"), trainX);
        Idx.write(d.resolve("train-labels-idx1-ubyte"), trainY);
        Idx.write(d.resolve("t10k-images-idx3-ubyte"), testX);
        Idx.write(d.resolve("t10k-labels-idx1-ubyte"), testY);
        return d;
    }

    /** A copy of the good IDX directory with one file replaced by {@code bytes}. */
    static Path idxWith(String name, String file, byte[] bytes) throws IOException {
        Path d = Files.createDirectories(tmp.resolve(name));
        try (Stream<Path> s = Files.list(goodIdx)) {
            for (Path f : s.toList()) {
                Files.copy(f, d.resolve(f.getFileName()));
            }
        }
        Files.write(d.resolve(file), bytes);
        return d;
    }

    static byte[] cut(Path f, int keep) throws IOException {
        return Arrays.copyOf(Files.readAllBytes(f), keep);
    }

    static Path write(String name, byte[] bytes) throws IOException {
        return Files.write(tmp.resolve(name), bytes);
    }

    static Path text(String name, String s) throws IOException {
        return write(name, s.getBytes(StandardCharsets.UTF_8));
    }

    static Path npz(String name, Map<String, NdArray> arrays) {
        Path p = tmp.resolve(name);
        Npz.write(p, arrays);
        return p;
    }

    /** A safetensors file whose JSON header says {@code header}, followed by {@code dataBytes} zero bytes. */
    static Path safetensors(String name, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[8 + h.length + dataBytes];
        java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h);
        return write(name, out);
    }

    /** An npz whose x is complex64, a dtype no reader here supports (hand-written .npy header). */
    static Path complexX() throws IOException {
        Path p = tmp.resolve("complex.npz");
        String header = "{'descr': '<c8', 'fortran_order': False, 'shape': (40, 4), }";
        header += " ".repeat(63 - (10 + header.length()) % 64) + "\n";
        java.io.ByteArrayOutputStream npy = new java.io.ByteArrayOutputStream();
        npy.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), 0});
        npy.write(header.getBytes(StandardCharsets.US_ASCII));
        npy.write(new byte[40 * 4 * 8]);
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(p))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("x.npy"));
            zip.write(npy.toByteArray());
            zip.closeEntry();
        }
        return p;
    }

    /** Each case: the expected stderr line (a regex, {FILE} standing for the quoted bad file) and the train flags. */
    static Stream<Arguments> cases() throws IOException {
        Path idxImages = goodIdx.resolve("train-images-idx3-ubyte");
        byte[] idxBytes = Files.readAllBytes(idxImages);
        byte[] wrongMagic = idxBytes.clone();
        wrongMagic[0] = 0x50;
        byte[] floatLabels = new byte[8 + 4 * N];
        java.nio.ByteBuffer.wrap(floatLabels).putInt(0x00000D01).putInt(N);
        Path goodLabels = goodIdx.resolve("train-labels-idx1-ubyte");
        Path npzGood = goodNpz;
        Path w = goodWeights;
        List<Arguments> c = new ArrayList<>();
        // missing files
        c.add(bad(tmp.resolve("absent.npz"), "{FILE}: no such file or directory", "--model", "mlp:4-3"));
        c.add(bad(tmp.resolve("no-such-dir"), "{FILE}: no such file or directory", "--model", "lenet5"));
        Path missingLabels = Files.createDirectories(tmp.resolve("idx-missing"));
        Files.copy(idxImages, missingLabels.resolve("train-images-idx3-ubyte"));
        c.add(bad(missingLabels, "{FILE}: no IDX file for train labels \\(expected a name like train-labels-idx\\*-ubyte\\[\\.gz\\]\\)", "--model", "lenet5"));
        // IDX: wrong magic, short data, wrong dtype, count mismatch
        Path p = idxWith("idx-magic", "train-images-idx3-ubyte", wrongMagic);
        c.add(bad(p, "\\Q" + p.resolve("train-images-idx3-ubyte") + "\\E: not an IDX file: magic 0x50000803 does not start with two zero bytes", "--model", "lenet5"));
        p = idxWith("idx-short", "train-images-idx3-ubyte", cut(idxImages, idxBytes.length - 100));
        c.add(bad(p, "\\Q" + p.resolve("train-images-idx3-ubyte") + "\\E: truncated data for shape \\[40, 28, 28\\]: expected 31360 bytes of data, found 31260", "--model", "lenet5"));
        p = idxWith("idx-float-labels", "train-labels-idx1-ubyte", floatLabels);
        c.add(bad(p, "\\Q" + p.resolve("train-labels-idx1-ubyte") + "\\E: labels must be integers, the file holds F32", "--model", "lenet5"));
        p = idxWith("idx-count", "train-labels-idx1-ubyte", cut(goodLabels, 0));
        c.add(bad(p, "\\Q" + p.resolve("train-labels-idx1-ubyte") + "\\E: not an IDX file: only 0 bytes, no 4-byte magic", "--model", "lenet5"));
        // npz: not a zip, truncated, wrong dtype, missing array, shapes that do not fit
        c.add(bad(text("notzip.npz", "hello"), "{FILE}: not a zip archive \\(\\.npz\\): zip END header not found", "--model", "mlp:4-3"));
        c.add(bad(write("short.npz", cut(npzGood, (int) Files.size(npzGood) / 2)), "{FILE}: not a zip archive \\(\\.npz\\): zip END header not found", "--model", "mlp:4-3"));
        c.add(bad(complexX(), "{FILE}: array 'x' has unsupported dtype '<c8' \\(supported: <f4 <f8 <i8 <i4 \\|u1 \\|i1 \\|b1\\)", "--model", "mlp:4-3"));
        c.add(bad(npz("noy.npz", Map.of("x", NdArray.ofFloats(new float[N * 4], N, 4))),
                "{FILE}: expected arrays 'x' and 'y', found \\[x\\]", "--model", "mlp:4-3"));
        c.add(bad(npz("fewy.npz", Map.of("x", NdArray.ofFloats(new float[N * 4], N, 4), "y", NdArray.ofLongs(new long[3], 3))),
                "{FILE}: x has 40 samples but y has shape \\[3\\]", "--model", "mlp:4-3"));
        c.add(bad(npz("neg.npz", Map.of("x", NdArray.ofFloats(new float[8], 2, 4), "y", NdArray.ofLongs(new long[] {0, -1}, 2))),
                "{FILE}: label y\\[1\\] = -1 is not a class index \\(labels must be integers in \\[0, K\\) for K classes\\)", "--model", "mlp:4-1"));
        // labels out of range: a corrupted huge label (once a C++ stack trace and exit 1), and one beyond the model's classes
        c.add(bad(npz("huge-label.npz", Map.of("x", NdArray.ofFloats(new float[12], 3, 4), "y", NdArray.ofLongs(new long[] {0, 549755813889L, 1}, 3))),
                "{FILE}: label y\\[1\\] = 549755813889 is not a class index \\(labels must be integers in \\[0, K\\) for K classes\\)", "--model", "mlp:4-2"));
        c.add(bad(npz("label-5.npz", Map.of("x", NdArray.ofFloats(new float[16], 4, 4), "y", NdArray.ofLongs(new long[] {0, 1, 1, 5}, 4))),
                "label y\\[3\\] = 5 is out of range for model 'mlp:4-2' \\(2 outputs\\): labels must be in \\[0, 2\\)", "--model", "mlp:4-2"));
        // non-finite inputs, and corruption only a checksum sees: a flipped bit in an npz array, a wrong gzip CRC in IDX
        float[] nan = new float[N * 4];
        nan[4 * 7 + 2] = Float.NaN;
        c.add(bad(npz("nan.npz", Map.of("x", NdArray.ofFloats(nan, N, 4), "y", NdArray.ofLongs(labelValues(N), N))),
                "{FILE}: x holds NaN at sample 7 \\(element 30\\); inputs and targets must be finite numbers", "--model", "mlp:4-3"));
        byte[] flipped = Files.readAllBytes(npzGood);
        flipped[flipped.length / 3] ^= 0x10;
        c.add(bad(write("flipped.npz", flipped), "{FILE}: array '[xy]' is corrupt: bad CRC-32 \\([0-9a-f]+, the archive says [0-9a-f]+\\)", "--model", "mlp:4-3"));
        Path gz = Files.createDirectories(tmp.resolve("idx-gz"));
        for (String f : new String[] {"train-images-idx3-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            Files.copy(goodIdx.resolve(f), gz.resolve(f));
        }
        Idx.write(gz.resolve("train-labels-idx1-ubyte.gz"), labels(N));
        byte[] gzBytes = Files.readAllBytes(gz.resolve("train-labels-idx1-ubyte.gz"));
        gzBytes[gzBytes.length - 6] ^= 0x01; // in the CRC-32 of the gzip trailer
        Files.write(gz.resolve("train-labels-idx1-ubyte.gz"), gzBytes);
        c.add(bad(gz, "\\Q" + gz.resolve("train-labels-idx1-ubyte.gz") + "\\E: cannot read: corrupt compressed data \\(Corrupt GZIP trailer\\)", "--model", "lenet5"));
        // csv: not numbers, ragged, empty
        c.add(bad(text("words.csv", "x0,x1,y\n1,abc,0\n"), "{FILE}:2: field 2 is not a number: 'abc'", "--model", "mlp:2-1"));
        c.add(bad(text("ragged.csv", "x0,x1,y\n1,2,0\n1,2\n"), "{FILE}:3: expected 3 fields, found 2", "--model", "mlp:2-1"));
        c.add(bad(text("empty.csv", ""), "{FILE}: file is empty", "--model", "mlp:2-1"));
        // safetensors given as --init-weights: wrong magic (not a header), truncated data, unknown dtype, wrong shapes
        c.add(bad(goodNpz, "{WEIGHTS}: header length \\d+ is larger than the file \\(16 bytes\\)", "--model", "mlp:4-3", "--init-weights", text("garbage.safetensors", "garbage!garbage!").toString()));
        c.add(bad(goodNpz, "{WEIGHTS}: tensor '0.bias' data_offsets \\[48, 60\\] are out of range: the data buffer has 52 bytes", "--model", "mlp:4-3", "--init-weights", write("cut.safetensors", cut(w, (int) Files.size(w) - 8)).toString()));
        c.add(bad(goodNpz, "{WEIGHTS}: tensor '0.weight' has unsupported dtype 'F7' \\(supported: F32, F64, I64, I32, U8, I8, BOOL\\)", "--model", "mlp:4-3", "--init-weights",
                safetensors("dtype.safetensors", "{\"0.weight\":{\"dtype\":\"F7\",\"shape\":[3,4],\"data_offsets\":[0,48]}}", 48).toString()));
        c.add(bad(goodNpz, "{WEIGHTS}: tensor '0.weight' has shape \\[3, 4\\], the model needs \\[5, 4\\]", "--model", "mlp:4-5-3",
                "--init-weights", w.toString()));
        c.add(bad(goodNpz, "{WEIGHTS}: missing tensor '0.bias'", "--model", "mlp:4-3", "--init-weights",
                safetensors("nobias.safetensors", "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[0,48]}}", 48).toString()));
        return c.stream();
    }

    static Arguments bad(Path data, String expected, String... flags) {
        return Arguments.of(data, expected, List.of(flags));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("cases")
    void badFilesEndInOneLineExitTwoAndNoOutput(Path data, String expected, List<String> flags) throws IOException {
        Path out = tmp.resolve("out-" + Math.abs((data + expected + String.join(" ", flags)).hashCode()));
        List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--epochs", "1", "--out", out.toString()));
        args.addAll(flags);
        String weights = args.contains("--init-weights") ? args.get(args.indexOf("--init-weights") + 1) : "";
        CliTest.Result r = CliTest.run(args.toArray(String[]::new));
        String line = r.err().strip();
        String regex = "gradreg: " + expected.replace("{FILE}", "\\Q" + data + "\\E").replace("{WEIGHTS}", "\\Q" + weights + "\\E");
        assertEquals(2, r.code(), r.err());
        assertEquals(1, line.lines().count(), "one line: " + r.err());
        assertTrue(line.matches(regex), line + "\n  does not match " + regex);
        for (String f : new String[] {"weights.safetensors", "summary.json", "checkpoint.pt", "metrics.jsonl"}) {
            assertFalse(Files.exists(out.resolve(f)), f + " written after: " + line);
        }
    }
}
