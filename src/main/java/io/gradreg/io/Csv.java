package io.gradreg.io;

import io.gradreg.GradregException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads a numeric table from comma-separated text. An optional header row is recognised when the
 * first non-blank row has a non-numeric field. The target is the column named {@code y} or
 * {@code label} (case-insensitive) if the header has one, else the last column; every other column
 * is a feature. Blank lines are ignored. Numbers may be written as {@code nan}, {@code inf} and
 * {@code -inf} too.
 */
public final class Csv {
    /** Decimal numbers only: Double.parseDouble would also take "1d", "0x1p3" or "NaN" spelled any way. */
    private static final Pattern NUMBER = Pattern.compile(
            "[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?|(?i)[+-]?(nan|inf|infinity)");

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
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            for (int lineNo = 1; (line = r.readLine()) != null; lineNo++) {
                if (lineNo == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1); // byte-order mark from spreadsheet exports
                }
                if (line.isBlank()) {
                    continue;
                }
                String[] fields = line.split(",", -1);
                for (int j = 0; j < fields.length; j++) {
                    fields[j] = unquote(fields[j].strip());
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
        } catch (CharacterCodingException e) {
            throw IoErrors.error(file, "not UTF-8 text", e);
        } catch (IOException e) {
            throw IoErrors.wrap(file, "cannot read", e);
        }
        if (width < 0) {
            throw IoErrors.error(file, "file is empty");
        }
        if (rows.isEmpty()) {
            throw IoErrors.error(file, "no data rows after the header");
        }
        return table(rows, width, target);
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

    private static String unquote(String f) {
        return f.length() >= 2 && f.startsWith("\"") && f.endsWith("\"") ? f.substring(1, f.length() - 1).strip() : f;
    }

    private static GradregException error(Path file, int line, String problem) {
        return new GradregException(file + ":" + line + ": " + problem);
    }
}
