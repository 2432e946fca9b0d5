package io.gradreg.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.gradreg.GradregException;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * JSON helpers over Jackson. Output keeps Map insertion order (so a LinkedHashMap gives a
 * deterministic layout), and writes non-finite doubles/floats (NaN, ±Infinity) as {@code null},
 * since JSON has no such numbers and other tools reject them.
 */
public final class Json {
    /** Strict parsing: duplicate keys and trailing garbage are errors. */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter().withSeparators(
            Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));

    private Json() {}

    /** Pretty-printed JSON for {@code value} ({@code "key": value}, two-space indent). */
    public static String write(Object value) {
        return serialize(value, true);
    }

    /** One-line JSON for {@code value}. */
    public static String writeCompact(Object value) {
        return serialize(value, false);
    }

    /** Atomically writes {@link #write pretty JSON} plus a final newline to {@code file}. */
    public static void writeFile(Path file, Object value) {
        AtomicFiles.writeString(file, write(value) + "\n");
    }

    /**
     * Parses {@code file}. Errors are one line: "config.json: file not found",
     * "config.json: not valid JSON: Unexpected character ... at line 3, column 5".
     */
    public static JsonNode read(Path file) {
        IoErrors.requireReadableFile(file);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw IoErrors.wrap(file, "cannot read", e);
        }
        return parse(file, "", bytes);
    }

    /** Parses JSON text that came from {@code source} (e.g. one line of a JSON-lines file); errors as {@link #read}. */
    public static JsonNode parse(String text, Path source) {
        return parse(source, "", text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Parses JSON bytes that came from {@code source}; errors read
     * "SOURCE: {what}not valid JSON: REASON", e.g. what = "header is ".
     */
    static JsonNode parse(Path source, String what, byte[] bytes) {
        try {
            JsonNode node = MAPPER.readTree(bytes);
            if (node == null || node.isMissingNode()) {
                throw IoErrors.error(source, what + "not valid JSON: no content");
            }
            return node;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw IoErrors.error(source, what + "not valid JSON: " + e.getOriginalMessage() + where, e);
        } catch (IOException e) {
            throw IoErrors.wrap(source, "cannot read", e);
        }
    }

    /**
     * Appends {@code value} as one compact line plus '\n' to a JSON-lines file (created if
     * missing), then fsyncs so a crash cannot lose a line that was reported written.
     */
    public static void appendLine(Path file, Object value) {
        byte[] line = (writeCompact(value) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                ByteBuffer buf = ByteBuffer.wrap(line);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
        } catch (IOException e) {
            throw IoErrors.wrap(file, "cannot append", e);
        }
    }

    private static String serialize(Object value, boolean pretty) {
        StringWriter sw = new StringWriter();
        try {
            JsonFactory f = MAPPER.getFactory();
            JsonGenerator g = f.createGenerator(sw);
            if (pretty) {
                g.setPrettyPrinter(new DefaultPrettyPrinter(PRETTY));
            }
            try (JsonGenerator safe = new FiniteNumbers(g)) {
                MAPPER.writeValue(safe, value);
            }
        } catch (IOException e) {
            throw new GradregException("cannot convert " + value.getClass().getSimpleName()
                    + " to JSON: " + IoErrors.oneLine(e.getMessage()), e);
        }
        return sw.toString();
    }

    /** Rewrites non-finite numbers as null on every path Jackson uses to emit them. */
    private static final class FiniteNumbers extends JsonGeneratorDelegate {
        FiniteNumbers(JsonGenerator d) {
            super(d, false);
        }

        @Override
        public void writeNumber(double v) throws IOException {
            if (Double.isFinite(v)) {
                delegate.writeNumber(v);
            } else {
                delegate.writeNull();
            }
        }

        @Override
        public void writeNumber(float v) throws IOException {
            if (Float.isFinite(v)) {
                delegate.writeNumber(v);
            } else {
                delegate.writeNull();
            }
        }

        @Override
        public void writeArray(double[] a, int offset, int length) throws IOException {
            writeStartArray(a, length);
            for (int i = offset; i < offset + length; i++) {
                writeNumber(a[i]);
            }
            writeEndArray();
        }
    }
}
