package io.gradreg.data;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.GradregException;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.engine.Tensors;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CIFAR binary readers, on small files written here in the published record layouts. */
class CifarTest {
    static {
        Engine.start();
    }

    @TempDir
    Path tmp;

    /** One image record: label bytes then 3072 pixel bytes (R, G, B planes of 32x32, row-major). */
    record Image(int[] labels, byte[] pixels) {}

    static Image image(Random r, int... labels) {
        byte[] p = new byte[3072];
        r.nextBytes(p);
        return new Image(labels, p);
    }

    static void write(Path file, List<Image> images) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Image i : images) {
            for (int l : i.labels()) {
                out.write(l);
            }
            out.write(i.pixels());
        }
        Files.createDirectories(file.getParent());
        Files.write(file, out.toByteArray());
    }

    /** Expected normalized values: pixel/255, minus the channel mean, over the channel's population std (both over the training images). */
    static double[] expected(List<Image> of, List<Image> train) {
        double[] mean = new double[3];
        double[] sq = new double[3];
        for (Image i : train) {
            for (int k = 0; k < 3072; k++) {
                mean[k / 1024] += (i.pixels()[k] & 0xff) / 255.0;
            }
        }
        double count = train.size() * 1024.0;
        for (int c = 0; c < 3; c++) {
            mean[c] /= count;
        }
        for (Image i : train) {
            for (int k = 0; k < 3072; k++) {
                double d = (i.pixels()[k] & 0xff) / 255.0 - mean[k / 1024];
                sq[k / 1024] += d * d;
            }
        }
        double[] out = new double[of.size() * 3072];
        for (int n = 0; n < of.size(); n++) {
            for (int k = 0; k < 3072; k++) {
                int c = k / 1024;
                out[n * 3072 + k] = ((of.get(n).pixels()[k] & 0xff) / 255.0 - mean[c]) / Math.sqrt(sq[c] / count);
            }
        }
        return out;
    }

    @Test
    void cifar10BatchesAreReadInOrderAndNormalizedPerChannel() throws Exception {
        Random r = new Random(3);
        Path dir = tmp.resolve("cifar-10-batches-bin");
        List<Image> train = new ArrayList<>();
        int[] sizes = {2, 1, 3, 1, 2};
        for (int b = 0; b < 5; b++) {
            List<Image> batch = new ArrayList<>();
            for (int i = 0; i < sizes[b]; i++) {
                batch.add(image(r, (b * 3 + i) % 10));
            }
            write(dir.resolve("data_batch_" + (b + 1) + ".bin"), batch);
            train.addAll(batch);
        }
        List<Image> test = List.of(image(r, 9), image(r, 0));
        write(dir.resolve("test_batch.bin"), test);

        // Given the folder that holds cifar-10-batches-bin, the reader looks inside.
        Cifar.Loaded c = Cifar.read("cifar10:" + tmp, DType.FLOAT64);
        Dataset tr = c.split().train();
        Dataset te = c.split().test().orElseThrow();
        assertArrayEquals(new long[] {9, 3, 32, 32}, Tensors.shape(tr.x()));
        assertEquals(10, tr.classes());
        assertArrayEquals(train.stream().mapToLong(i -> i.labels()[0]).toArray(), Tensors.toLongs(tr.y()));
        assertArrayEquals(new long[] {9, 0}, Tensors.toLongs(te.y()));
        assertArrayEquals(expected(train, train), Tensors.toDoubles(tr.x()), 1e-12);
        assertArrayEquals(expected(test, train), Tensors.toDoubles(te.x()), 1e-12);
        // What zero padding fills with: a black pixel, normalized.
        for (int ch = 0; ch < 3; ch++) {
            assertEquals(-c.normalization().mean()[ch] / c.normalization().std()[ch], c.normalization().black()[ch], 0.0);
        }
    }

    @Test
    void cifar100UsesFineLabelsByDefaultAndCoarseOnRequest() throws Exception {
        Random r = new Random(4);
        List<Image> train = List.of(image(r, 3, 99), image(r, 19, 7), image(r, 0, 42));
        write(tmp.resolve("train.bin"), train);
        write(tmp.resolve("test.bin"), List.of(image(r, 5, 55)));
        Cifar.Loaded fine = Cifar.read("cifar100:" + tmp, DType.FLOAT32);
        assertEquals(100, fine.split().train().classes());
        assertArrayEquals(new long[] {99, 7, 42}, Tensors.toLongs(fine.split().train().y()));
        assertArrayEquals(new long[] {55}, Tensors.toLongs(fine.split().test().orElseThrow().y()));
        assertArrayEquals(expected(train, train), Tensors.toDoubles(fine.split().train().x()), 1e-5);
        Cifar.Loaded coarse = Cifar.read("cifar100-coarse:" + tmp, DType.FLOAT32);
        assertEquals(20, coarse.split().train().classes());
        assertArrayEquals(new long[] {3, 19, 0}, Tensors.toLongs(coarse.split().train().y()));
    }

    @Test
    void missingOrMisSizedFilesAreNamedInOneLine() throws Exception {
        Random r = new Random(5);
        write(tmp.resolve("data_batch_1.bin"), List.of(image(r, 1)));
        write(tmp.resolve("data_batch_2.bin"), List.of(image(r, 1)));
        GradregException missing = assertThrows(GradregException.class, () -> Cifar.read("cifar10:" + tmp, DType.FLOAT32));
        assertEquals(tmp + ": missing CIFAR-10 files data_batch_3.bin, data_batch_4.bin, data_batch_5.bin, test_batch.bin"
                + " (expected data_batch_1.bin .. data_batch_5.bin and test_batch.bin, the binary version from cifar-10-batches-bin)", missing.getMessage());
        GradregException missing100 = assertThrows(GradregException.class, () -> Cifar.read("cifar100:" + tmp, DType.FLOAT32));
        assertEquals(tmp + ": missing CIFAR-100 files train.bin, test.bin (expected train.bin and test.bin, the binary version from cifar-100-binary)",
                missing100.getMessage());

        for (int b = 3; b <= 5; b++) {
            write(tmp.resolve("data_batch_" + b + ".bin"), List.of(image(r, 2)));
        }
        Files.write(tmp.resolve("test_batch.bin"), new byte[3073 + 100]);
        GradregException size = assertThrows(GradregException.class, () -> Cifar.read("cifar10:" + tmp, DType.FLOAT32));
        assertEquals(tmp.resolve("test_batch.bin") + ": 3173 bytes is not a whole number of CIFAR-10 records (3073 bytes each: 1 label byte + 3072 pixel bytes)",
                size.getMessage());
        // A CIFAR-100 file (3074-byte records) read as CIFAR-10 is caught by its size.
        write(tmp.resolve("test_batch.bin"), List.of(image(r, 1, 2), image(r, 3, 4), image(r, 1, 1)));
        assertTrue(assertThrows(GradregException.class, () -> Cifar.read("cifar10:" + tmp, DType.FLOAT32)).getMessage()
                .startsWith(tmp.resolve("test_batch.bin") + ": 9222 bytes is not a whole number of CIFAR-10 records"));
        write(tmp.resolve("test_batch.bin"), List.of(image(r, 10)));
        assertEquals(tmp.resolve("test_batch.bin") + ": label 10 is out of range for CIFAR-10 (10 classes)",
                assertThrows(GradregException.class, () -> Cifar.read("cifar10:" + tmp, DType.FLOAT32)).getMessage());
        assertEquals("--data cifar10:: give the directory, e.g. cifar10:data/cifar-10-batches-bin",
                assertThrows(GradregException.class, () -> Cifar.read("cifar10:", DType.FLOAT32)).getMessage());
    }
}
