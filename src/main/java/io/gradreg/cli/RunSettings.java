package io.gradreg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.GradregException;
import io.gradreg.io.Json;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A command's resolved flags as a name → value map: stored in config.json, it is the command line
 * that reproduces the run, and what {@code --resume} continues with. Paths are made absolute so
 * the run can be resumed from another working directory.
 */
final class RunSettings {
    /** Flags that say where and how to run, not what: never stored. */
    private static final Set<String> NOT_SETTINGS = Set.of("--out", "--resume", "--overwrite", "--threads", "--world-size", "--rank", "--master", "--dist-timeout", "--help", "--version");
    /** Flags a resumed run may change: training longer is the point of resuming a finished run. */
    private static final Set<String> EXTENDABLE = Set.of("--epochs", "--steps");

    private RunSettings() {}

    /** Every flag of {@code spec} with its value (defaults included; absent optional values left out). */
    static Map<String, String> of(CommandSpec spec) {
        Map<String, String> out = new LinkedHashMap<>();
        for (OptionSpec o : spec.options()) {
            String name = o.longestName();
            Object v = o.getValue();
            if (NOT_SETTINGS.contains(name) || v == null) {
                continue;
            }
            out.put(name, normalize(name, v));
        }
        return out;
    }

    /** The command-line arguments that set {@code settings} (a boolean flag appears only when true). */
    static List<String> args(Map<String, String> settings) {
        List<String> args = new ArrayList<>();
        settings.forEach((k, v) -> {
            if (v.equals("true")) {
                args.add(k);
            } else if (!v.equals("false")) {
                args.add(k);
                args.add(v);
            }
        });
        return args;
    }

    /**
     * The settings a resumed run continues with: those in {@code dir/config.json}, with
     * {@code --epochs}/{@code --steps} taken from {@code given} when it sets them. Any other flag
     * set on the command line must agree with the saved run.
     */
    static List<String> forResume(CommandSpec given, Path dir) {
        Map<String, String> merged = saved(dir.resolve("config.json"));
        Map<String, String> now = of(given);
        boolean extended = false;
        for (OptionSpec o : given.commandLine().getParseResult().matchedOptions()) {
            String name = o.longestName();
            if (NOT_SETTINGS.contains(name)) {
                continue;
            }
            if (EXTENDABLE.contains(name)) {
                extended = true;
            } else if (!Objects.equals(now.get(name), merged.get(name))) {
                throw new GradregException(name + " " + now.get(name) + " differs from the run in " + dir + " ("
                        + (merged.containsKey(name) ? merged.get(name) : "not set") + "): --resume continues a run with its own settings");
            }
        }
        if (extended) {
            for (String name : EXTENDABLE) {
                merged.remove(name);
                if (now.containsKey(name)) {
                    merged.put(name, now.get(name));
                }
            }
        }
        return args(merged);
    }

    /** The settings stored in a run's config.json. */
    static Map<String, String> saved(Path config) {
        JsonNode saved = Json.read(config).get("settings");
        if (saved == null || !saved.isObject()) {
            throw new GradregException(config + ": no 'settings' recorded (not a config.json of gradreg train)");
        }
        Map<String, String> out = new LinkedHashMap<>();
        saved.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    /**
     * The train command that made the run in {@code dir}, rebuilt from its config.json: its model,
     * data and seed flags are how {@code eval} and {@code analyze} rebuild the run's model and data.
     */
    static TrainCommand trainCommand(Path dir) {
        Path config = dir.resolve("config.json");
        if (!java.nio.file.Files.isRegularFile(config)) {
            throw new GradregException(dir + ": not a run directory of gradreg train (no config.json)");
        }
        TrainCommand t = new TrainCommand();
        parseInto(t, args(saved(config)), config);
        return t;
    }

    /** Parses {@code args} into {@code command}, reporting a bad saved setting as the config file's problem. */
    static void parseInto(Object command, List<String> args, Path config) {
        try {
            new CommandLine(command).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new GradregException(config + ": cannot resume: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static String normalize(String name, Object v) {
        if (v instanceof Path p) {
            return p.toAbsolutePath().normalize().toString();
        }
        if (name.equals("--data") && io.gradreg.data.Cifar.kindOf(v.toString()).isPresent()) {
            return io.gradreg.data.Cifar.absolute(v.toString());
        }
        if (name.equals("--data") && !v.equals("mnist")) {
            return Paths.get(v.toString()).toAbsolutePath().normalize().toString();
        }
        return String.valueOf(v);
    }
}
