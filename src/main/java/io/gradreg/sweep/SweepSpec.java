package io.gradreg.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.gradreg.GradregException;
import io.gradreg.train.RunFlags;
import io.gradreg.train.RunSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A grid of {@code gradreg train} runs, read from YAML:
 *
 * <pre>
 * name: small-mnist
 * out: runs/sweeps/small-mnist       # optional; default runs/sweeps/NAME
 * base: {data: mnist, model: lenet5, epochs: 30, train-size: 2000}
 * variants:                           # optional; named sets of flags
 *   baseline: {method: plain}
 *   spectreg: {method: spectreg, lambda: 0.03}
 * grid:                               # optional; every combination runs with every variant
 *   seed: [0, 1, 2, 3, 4]
 *   weight-decay: [0, 0.0005]
 * </pre>
 *
 * Keys are train flags without the dashes; {@code true} sets a switch, {@code false} leaves it off.
 * A run's flags are base, then its variant, then its grid values (later ones win).
 */
public record SweepSpec(String name, Path out, List<Run> runs) {

    /** One run of the sweep: a directory name, the run, and the labels that tell it apart from the others. */
    public record Run(String id, RunSpec spec, Map<String, String> labels) {}

    /** Flags a sweep sets itself, per run. */
    private static final List<String> SET_BY_SWEEP = List.of("out", "resume", "threads", "world-size");

    /** Reads a YAML spec; errors name the file and the problem. */
    public static SweepSpec read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new GradregException(file + ": no such file");
        }
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new GradregException(file + ": cannot read: " + e.getMessage());
        }
    }

    /** Parses YAML text; {@code source} names it in errors. */
    public static SweepSpec parse(String yaml, String source) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw new GradregException(source + ": not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new GradregException(source + ": expected a mapping with name, base, variants and grid");
        }
        root.fieldNames().forEachRemaining(k -> {
            if (!List.of("name", "out", "base", "variants", "grid").contains(k)) {
                throw new GradregException(source + ": unknown key '" + k + "' (expected name, out, base, variants, grid)");
            }
        });
        String name = root.path("name").asText("");
        if (name.isBlank()) {
            throw new GradregException(source + ": missing 'name'");
        }
        Path out = root.has("out") ? Paths.get(root.get("out").asText()) : Paths.get("runs", "sweeps", name);
        Map<String, String> base = flags(root.path("base"), source, "base");
        Map<String, Map<String, String>> variants = new LinkedHashMap<>();
        root.path("variants").fields().forEachRemaining(e -> variants.put(e.getKey(), flags(e.getValue(), source, "variants." + e.getKey())));
        Map<String, List<String>> grid = new LinkedHashMap<>();
        root.path("grid").fields().forEachRemaining(e -> {
            List<String> values = new ArrayList<>();
            if (e.getValue().isArray()) {
                e.getValue().forEach(v -> values.add(scalar(v, source, "grid." + e.getKey())));
            } else {
                values.add(scalar(e.getValue(), source, "grid." + e.getKey()));
            }
            if (values.isEmpty()) {
                throw new GradregException(source + ": grid." + e.getKey() + " has no values");
            }
            grid.put(e.getKey(), values);
        });
        for (Map<String, ?> m : allFlags(base, variants, grid)) {
            requireTrainFlags(m.keySet(), source);
        }
        return new SweepSpec(name, out, expand(base, variants, grid, source));
    }

    private static List<Map<String, ?>> allFlags(Map<String, String> base, Map<String, Map<String, String>> variants,
            Map<String, List<String>> grid) {
        List<Map<String, ?>> all = new ArrayList<>(List.of(base, grid));
        all.addAll(variants.values());
        return all;
    }

    /** Checks keys against the train command's flags, so a typo fails before anything runs. */
    private static void requireTrainFlags(Collection<String> keys, String source) {
        Set<String> known = RunFlags.names();
        for (String k : keys) {
            if (SET_BY_SWEEP.contains(k)) {
                throw new GradregException(source + ": '" + k + "' is set by the sweep itself");
            }
            if (!known.contains("--" + k)) {
                throw new GradregException(source + ": unknown train flag '" + k + "'");
            }
        }
    }

    /**
     * Every run: each variant (or none) times each combination of the grid, its flags base, then
     * its variant, then its grid values (later ones win), parsed as {@code gradreg train} parses them.
     */
    private static List<Run> expand(Map<String, String> base, Map<String, Map<String, String>> variants, Map<String, List<String>> grid,
            String source) {
        Map<String, Map<String, String>> vs = variants.isEmpty() ? Map.of("", Map.of()) : variants;
        List<Map<String, String>> combos = new ArrayList<>(List.of(new LinkedHashMap<>()));
        for (Map.Entry<String, List<String>> axis : grid.entrySet()) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> c : combos) {
                for (String v : axis.getValue()) {
                    Map<String, String> m = new LinkedHashMap<>(c);
                    m.put(axis.getKey(), v);
                    next.add(m);
                }
            }
            combos = next;
        }
        List<Run> runs = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> v : vs.entrySet()) {
            for (Map<String, String> c : combos) {
                Map<String, String> flags = new LinkedHashMap<>(base);
                flags.putAll(v.getValue());
                flags.putAll(c);
                Map<String, String> labels = new LinkedHashMap<>();
                if (!v.getKey().isEmpty()) {
                    labels.put("variant", v.getKey());
                }
                labels.putAll(c);
                String id = id(labels);
                runs.add(new Run(id, parse(flags, source, id), labels));
            }
        }
        return runs;
    }

    /** A run's flags (YAML keys without the dashes) as a {@link RunSpec}, errors naming the file and the run. */
    private static RunSpec parse(Map<String, String> flags, String source, String id) {
        List<String> a = new ArrayList<>();
        flags.forEach((k, v) -> {
            if (!v.equals("false")) {
                a.add("--" + k);
                if (!v.equals("true")) {
                    a.add(v);
                }
            }
        });
        try {
            return RunFlags.parse(a, source + ": run " + id).toSpec();
        } catch (GradregException e) {
            throw e.getMessage().startsWith(source) ? e : new GradregException(source + ": run " + id + ": " + e.getMessage());
        }
    }

    private static String id(Map<String, String> labels) {
        List<String> parts = new ArrayList<>();
        labels.forEach((k, v) -> parts.add(k.equals("variant") ? v : k + "=" + v));
        String id = parts.isEmpty() ? "run" : String.join("_", parts);
        return id.replaceAll("[^A-Za-z0-9.=_+-]", "-");
    }

    private static Map<String, String> flags(JsonNode node, String source, String where) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node.isMissingNode() || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw new GradregException(source + ": '" + where + "' must be a mapping of flag: value");
        }
        node.fields().forEachRemaining(e -> out.put(e.getKey(), scalar(e.getValue(), source, where + "." + e.getKey())));
        return out;
    }

    private static String scalar(JsonNode v, String source, String where) {
        if (!v.isValueNode() || v.isNull()) {
            throw new GradregException(source + ": '" + where + "' must be a number, a word or true/false");
        }
        return v.asText();
    }
}
