package io.gradreg.io;

import io.gradreg.GradregException;
import java.io.IOException;
import java.io.PushbackReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a numeric table from comma-separated text, parsed by Apache Commons CSV (quoting, line
 * ends); this class adds the numeric rules. An optional header row is recognised when the
 * first non-blank row has a non-numeric field. The target is the column named {@code y} or
 * {@code label} (case-insensitive) if the header has one, else the last column; every other column
 * is a feature. Blank lines are ignored. Numbers may be written as {@code nan}, {@code inf} and
 * {@code -inf} too.
 */
public final class Csv {
    /** Decimal numbers only: Double.parseDouble would also take "1d", "0x1p3" or "NaN" spelled any way. */
    private static final Pattern NUMBER = Pattern.compile(
            "[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?|(?i)[+-]?(nan|inf|infinity)");

    /** RFC 4180 with surrounding spaces trimmed and blank lines skipped. */
    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder()
            .setIgnoreEmptyLines(true).setIgnoreSurroundingSpaces(true).setTrim(true).get();

    private Csv() {}

    /**
     * A table: {@code x} is F64 of shape [N, D]; {@code y} is I64 of shape [N] if every target is a
     * whole number, else F64 of shape [N].
     */
    public record Table(NdArray x, NdArray y) {}

    /**
     * Parses {@code file}. Errors name the file and line: "a.csv:3: expected 5 fields, found 4",
     * "a.csv:7: field 2 is not a number: 'abc'", "a.csv: file is empty".
     */
    public static Table read(Path file) {
        IoErrors.requireReadableFile(file);
        List<double[]> rows = new ArrayList<>();
        int width = -1;
        int target = -1;
        try (Reader r = withoutBom(Files.newBufferedReader(file, StandardCharsets.UTF_8));
                CSVParser parser = FORMAT.parse(r)) {
            Iterator<CSVRecord> it = parser.iterator();
            while (it.hasNext()) {
                CSVRecord rec = it.next();
                long lineNo = parser.getCurrentLineNumber() + (it.hasNext() || endsWithNewline(file) ? 0 : 1);
                String[] fields = rec.values();
                if (fields.length == 1 && fields[0].isBlank()) {
                    continue; // a line of spaces
                }
                if (width < 0) {
                    width = fields.length;
                    if (width < 2) {
                        throw error(file, lineNo, "need at least 2 columns (features and a target),"
                                + " found " + width);
                    }
                    target = width - 1;
                    if (!allNumbers(fields)) {
                        target = headerTarget(fields, target);
                        continue;
                    }
                }
                if (fields.length != width) {
                    throw error(file, lineNo, "expected " + width + " fields, found " + fields.length);
                }
                double[] row = new double[width];
                for (int j = 0; j < width; j++) {
                    if (!NUMBER.matcher(fields[j]).matches()) {
                        throw error(file, lineNo, "field " + (j + 1) + " is not a number: '"
                                + IoErrors.abbreviate(fields[j], 40) + "'");
                    }
                    row[j] = parse(fields[j]);
                }
                rows.add(row);
            }
        } catch (UncheckedIOException e) { // the parser's iterator wraps read and syntax errors
            throw problem(file, e.getCause());
        } catch (IOException e) {
            throw problem(file, e);
        }
        if (width < 0) {
            throw IoErrors.error(file, "file is empty");
        }
        if (rows.isEmpty()) {
            throw IoErrors.error(file, "no data rows after the header");
        }
        return table(rows, width, target);
    }

    private static GradregException problem(Path file, IOException e) {
        if (e instanceof CharacterCodingException) {
            return IoErrors.error(file, "not UTF-8 text", e);
        }
        if (e instanceof CSVException) {
            return IoErrors.error(file, "not valid CSV: " + e.getMessage(), e);
        }
        return IoErrors.wrap(file, "cannot read", e);
    }

    /** Skips a byte-order mark (spreadsheet exports write one). */
    private static Reader withoutBom(Reader r) throws IOException {
        PushbackReader p = new PushbackReader(r, 1);
        int c = p.read();
        if (c >= 0 && c != '\uFEFF') {
            p.unread(c);
        }
        return p;
    }

    /** The parser counts line ends; a last record without one is on the line after them. */
    private static boolean endsWithNewline(Path file) throws IOException {
        try (var ch = Files.newByteChannel(file)) {
            if (ch.size() == 0) {
                return true;
            }
            ch.position(ch.size() - 1);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b);
            return b.get(0) == '\n' || b.get(0) == '\r';
        }
    }

    private static Table table(List<double[]> rows, int width, int target) {
        int n = rows.size(), d = width - 1;
        double[] x = new double[n * d];
        double[] y = new double[n];
        boolean integral = true;
        for (int i = 0; i < n; i++) {
            double[] row = rows.get(i);
            for (int j = 0, k = 0; j < width; j++) {
                if (j == target) {
                    y[i] = row[j];
                    integral &= row[j] == Math.rint(row[j]) && Math.abs(row[j]) < 0x1p63;
                } else {
                    x[i * d + k++] = row[j];
                }
            }
        }
        NdArray xs = NdArray.ofDoubles(x, n, d);
        NdArray ys = NdArray.ofDoubles(y, n);
        return new Table(xs, integral ? NdArray.ofLongs(ys.toLongArray(), n) : ys);
    }

    private static int headerTarget(String[] names, int fallback) {
        for (int j = 0; j < names.length; j++) {
            if (names[j].equalsIgnoreCase("y") || names[j].equalsIgnoreCase("label")) {
                return j;
            }
        }
        return fallback;
    }

    private static boolean allNumbers(String[] fields) {
        for (String f : fields) {
            if (!NUMBER.matcher(f).matches()) {
                return false;
            }
        }
        return true;
    }

    private static double parse(String s) {
        String t = s.toLowerCase();
        boolean neg = t.startsWith("-");
        String bare = t.replaceFirst("^[+-]", "");
        if (bare.equals("nan")) {
            return Double.NaN;
        }
        if (bare.startsWith("inf")) {
            return neg ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        return Double.parseDouble(s);
    }

    private static GradregException error(Path file, long line, String problem) {
        return new GradregException(file + ":" + line + ": " + problem);
    }
}
