package io.gradreg.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gradreg.GradregException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private String error(Path f) {
        return assertThrows(GradregException.class, () -> Csv.read(f)).getMessage();
    }

    @Test
    void noHeaderUsesLastColumnAsIntegerTarget() throws IOException {
        Csv.Table t = Csv.read(write("a.csv", "1,2,0\n3.5,-4e-1,1\n\n  \n5,6,2\n"));
        assertEquals(DType.F64, t.x().dtype());
        assertArrayEquals(new long[] {3, 2}, t.x().shape());
        assertArrayEquals(new double[] {1, 2, 3.5, -0.4, 5, 6}, t.x().toDoubleArray());
        assertEquals(DType.I64, t.y().dtype());
        assertArrayEquals(new long[] {3}, t.y().shape());
        assertArrayEquals(new long[] {0, 1, 2}, t.y().toLongArray());
    }

    @Test
    void headerNamesTheTargetColumn() throws IOException {
        Csv.Table t = Csv.read(write("h.csv", "\uFEFFlabel, f1 ,\"f2\"\n7, 0.5, 1.5\r\n8, 2.5, 3.5\r\n"));
        assertArrayEquals(new long[] {2, 2}, t.x().shape());
        assertArrayEquals(new double[] {0.5, 1.5, 2.5, 3.5}, t.x().toDoubleArray());
        assertArrayEquals(new long[] {7, 8}, t.y().toLongArray());

        Csv.Table u = Csv.read(write("y.csv", "a,Y,b\n1,10,2\n3,20,4\n"));
        assertArrayEquals(new double[] {1, 2, 3, 4}, u.x().toDoubleArray());
        assertArrayEquals(new long[] {10, 20}, u.y().toLongArray());

        Csv.Table v = Csv.read(write("z.csv", "a,b,target\n1,2,3\n"));
        assertArrayEquals(new double[] {1, 2}, v.x().toDoubleArray());
        assertArrayEquals(new long[] {3}, v.y().toLongArray());
    }

    @Test
    void fractionalTargetsGiveFloatY() throws IOException {
        Csv.Table t = Csv.read(write("r.csv", "x,y\n1,0.25\n2,3\n3,nan\n4,-inf\n"));
        assertEquals(DType.F64, t.y().dtype());
        assertArrayEquals(new double[] {0.25, 3, Double.NaN, Double.NEGATIVE_INFINITY}, t.y().toDoubleArray());
        assertArrayEquals(new double[] {1, 2, 3, 4}, t.x().toDoubleArray());
    }

    @Test
    void wrongFieldCount() throws IOException {
        Path f = write("a.csv", "x1,x2,x3,x4,y\n1,2,3,4,0\n1,2,3,4\n");
        assertEquals(f + ":3: expected 5 fields, found 4", error(f));
    }

    @Test
    void nonNumericField() throws IOException {
        Path f = write("a.csv", "1,2\n3,4\n\n5,6\n7,8\n9,10\n11,abc\n");
        assertEquals(f + ":7: field 2 is not a number: 'abc'", error(f));
        Path g = write("b.csv", "1,2\n,4\n");
        assertEquals(g + ":2: field 1 is not a number: ''", error(g));
        Path h = write("c.csv", "1,2\n1d,4\n"); // Java would parse "1d"; a CSV reader should not
        assertEquals(h + ":2: field 1 is not a number: '1d'", error(h));
    }

    @Test
    void quotingFollowsRfc4180() throws IOException {
        Csv.Table t = Csv.read(write("q.csv", "\"f,1\",y\n\"1.5\",2\n"));
        assertArrayEquals(new double[] {1.5}, t.x().toDoubleArray());
        Path f = write("comma.csv", "a,y\n\"1,5\",2\n");
        assertEquals(f + ":2: field 1 is not a number: '1,5'", error(f));
        Path g = write("open.csv", "a,y\n1,2\n\"3,4\n");
        assertEquals(g + ": not valid CSV: (startline 3) EOF reached before encapsulated token finished", error(g));
    }

    @Test
    void emptyInputs() throws IOException {
        Path f = write("e.csv", "");
        assertEquals(f + ": file is empty", error(f));
        Path g = write("blank.csv", "\n \n");
        assertEquals(g + ": file is empty", error(g));
        Path h = write("hdr.csv", "a,b\n");
        assertEquals(h + ": no data rows after the header", error(h));
        Path k = write("one.csv", "\n5\n6\n");
        assertEquals(k + ":2: need at least 2 columns (features and a target), found 1", error(k));
    }

    @Test
    void missingAndBinaryFiles() throws IOException {
        Path f = dir.resolve("missing.csv");
        assertEquals(f + ": file not found", error(f));
        Path g = Files.write(dir.resolve("bin.csv"), new byte[] {(byte) 0xff, (byte) 0xfe, 0x31});
        assertEquals(g + ": not UTF-8 text", error(g));
    }
}
