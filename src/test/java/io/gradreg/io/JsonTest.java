package io.gradreg.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.GradregException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonTest {
    @TempDir
    Path dir;

    record Point(String name, double value, float[] extra) {}

    @Test
    void prettyOutputKeepsInsertionOrder() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("zeta", 1);
        m.put("alpha", List.of(1, 2));
        m.put("mid", Map.of("k", "v"));
        assertEquals("{\n  \"zeta\": 1,\n  \"alpha\": [ 1, 2 ],\n  \"mid\": {\n    \"k\": \"v\"\n  }\n}", Json.write(m));
    }

    @Test
    void nonFiniteNumbersBecomeNull() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nan", Double.NaN);
        m.put("inf", Double.POSITIVE_INFINITY);
        m.put("ok", 0.5);
        m.put("arr", new double[] {1.5, Double.NEGATIVE_INFINITY});
        m.put("boxed", List.of(Double.NaN, 2.0));
        m.put("float", Float.NaN);
        m.put("node", Json.MAPPER.createObjectNode().put("d", Double.NaN));
        m.put("rec", new Point("p", Double.NaN, new float[] {Float.POSITIVE_INFINITY, 1f}));
        assertEquals("{\"nan\":null,\"inf\":null,\"ok\":0.5,\"arr\":[1.5,null],\"boxed\":[null,2.0],"
                + "\"float\":null,\"node\":{\"d\":null},\"rec\":{\"name\":\"p\",\"value\":null,\"extra\":[null,1.0]}}",
                Json.writeCompact(m));
        assertTrue(Json.write(m).contains("\"nan\": null"));
    }

    @Test
    void readsAndReportsMalformedInput() throws IOException {
        Path ok = Files.writeString(dir.resolve("ok.json"), "{\"lr\": 0.1, \"layers\": [64, 32]}");
        JsonNode n = Json.read(ok);
        assertEquals(0.1, n.get("lr").asDouble());
        assertEquals(32, n.get("layers").get(1).asInt());

        Path bad = Files.writeString(dir.resolve("config.json"), "{\n  \"lr\": 0.1,\n  oops\n}");
        GradregException e = assertThrows(GradregException.class, () -> Json.read(bad));
        assertTrue(e.getMessage().startsWith(bad + ": not valid JSON: Unexpected character ('o'"), e.getMessage());
        assertTrue(e.getMessage().endsWith("at line 3, column 3"), e.getMessage());
        assertEquals(-1, e.getMessage().indexOf('\n'));

        Path empty = Files.writeString(dir.resolve("empty.json"), "  ");
        assertEquals(empty + ": not valid JSON: no content",
                assertThrows(GradregException.class, () -> Json.read(empty)).getMessage());
        Path trailing = Files.writeString(dir.resolve("t.json"), "{} {}");
        assertTrue(assertThrows(GradregException.class, () -> Json.read(trailing)).getMessage()
                .startsWith(trailing + ": not valid JSON: Trailing token"));
        Path missing = dir.resolve("missing.json");
        assertEquals(missing + ": file not found",
                assertThrows(GradregException.class, () -> Json.read(missing)).getMessage());
    }

    @Test
    void appendLineWritesJsonLines() throws IOException {
        Path f = dir.resolve("logs/metrics.jsonl");
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("epoch", 1);
        a.put("loss", 0.25);
        Json.appendLine(f, a);
        Json.appendLine(f, Map.of("text", "two\nlines"));
        Json.appendLine(f, Map.of("loss", Double.NaN));
        assertEquals("{\"epoch\":1,\"loss\":0.25}\n{\"text\":\"two\\nlines\"}\n{\"loss\":null}\n", Files.readString(f));
    }

    @Test
    void writeFileRoundTrips() throws IOException {
        Path f = dir.resolve("out.json");
        Json.writeFile(f, Map.of("a", 1));
        assertEquals("{\n  \"a\": 1\n}\n", Files.readString(f));
        assertEquals(1, Json.read(f).get("a").asInt());
    }
}
