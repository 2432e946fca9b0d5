package io.gradreg.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code gradreg train --help} in sections (data, model, method, optimizer, run, parallel) and the
 * methods named in one line each. The flags stay one flat set for parsing ({@link io.gradreg.train.RunFlags});
 * only the help groups them, so a sweep's YAML and config.json keep their flat flag names.
 */
final class TrainHelp {
    /** Each section and the flags it lists, in order; every train flag is in exactly one (TrainHelpTest checks). */
    static final Map<String, List<String>> SECTIONS = sections();

    /** One line per method, in the order of {@link io.gradreg.method.Methods#NAMES}. */
    static final Map<String, String> METHODS = methods();

    private TrainHelp() {}

    private static Map<String, List<String>> sections() {
        Map<String, List<String>> s = new LinkedHashMap<>();
        s.put("Data", List.of("--data", "--test-data", "--test-size", "--train-size", "--subset", "--holdout", "--standardize",
                "--unlabeled-data", "--unlabeled-size", "--augment"));
        s.put("Model", List.of("--model", "--activation", "--dropout", "--batchnorm", "--dtype", "--init-weights"));
        s.put("Method", List.of("--method", "--second-order", "--gamma", "--eps", "--normalized", "--rho", "--eta", "--alpha", "--r",
                "--perturb-only", "--sigma", "--wsam-form", "--sam-group", "--flood", "--lambda", "--delta", "--beta", "--projections", "--projection", "--rho-schedule",
                "--gamma-schedule", "--lambda-schedule", "--every", "--reuse", "--clip-grad-norm"));
        s.put("Optimizer", List.of("--optimizer", "--lr", "--momentum", "--nesterov", "--weight-decay", "--weight-decay-on", "--schedule"));
        s.put("Run", List.of("--epochs", "--steps", "--batch-size", "--accumulate", "--no-shuffle", "--seed", "--eval-every",
                "--stop-at-train-accuracy", "--track-sharpness", "--sharpness-subset", "--sharpness-lanczos", "--sharpness-hutchinson",
                "--checkpoint-every", "--save-best", "--out", "--resume", "--overwrite"));
        s.put("Parallel", List.of("--threads", "--world-size", "--rank", "--master", "--dist-timeout", "--sync-batchnorm"));
        s.put("Help", List.of("--help", "--version"));
        return s;
    }

    private static Map<String, String> methods() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("plain", "the batch gradient g");
        m.put("gr", "gradient regularization, L + (gamma/2)||grad L||^2: g + gamma*Hg, Hg exact or by finite differences");
        m.put("sam", "sharpness-aware minimization: the gradient at theta + rho*g/||g||");
        m.put("asam", "adaptive SAM: the ascent scaled by |theta| + eta");
        m.put("gsam", "SAM minus alpha times the part of g orthogonal to the perturbed gradient");
        m.put("fishersam", "SAM with the ascent preconditioned by the diagonal empirical Fisher (eta)");
        m.put("gnp", "gradient norm penalty lambda*||grad L||: (1-alpha)g + alpha * the gradient at theta + r*g/||g||");
        m.put("esam", "efficient SAM: a random part (beta) of the tensors ascends, the second pass on the fraction gamma of the batch");
        m.put("fsam", "FriendlySAM: the ascent along g - sigma*m, m a moving average (lambda) of past gradients");
        m.put("wsam", "weighted SAM: sharpness as a term of weight gamma/(1-gamma), applied beside the optimizer by default");
        m.put("flood", "flooding: |L - b| + b, ascent below the flood level b");
        m.put("doubleback", "input-gradient penalty lambda*||grad_x loss||^2 (double backpropagation)");
        m.put("spectreg", "input-Jacobian penalty lambda*||J^T r||^2 with a Gaussian r; needs no labels");
        m.put("jacreg", "penalty on the input Jacobian of the softmax, lambda*||dp/dx||_F^2");
        m.put("frobreg", "penalty on the input Jacobian of the logits, lambda*||J||_F^2");
        m.put("confpen", "confidence penalty: the loss minus beta times the prediction's entropy");
        return m;
    }

    /** Puts the sectioned option list and the method list into {@code train}'s help. */
    static void install(CommandLine train) {
        train.getCommandSpec().usageMessage().abbreviateSynopsis(true);
        train.setUsageHelpWidth(100); // the flags' explanations are long; 80 columns would wrap most of them twice
        Map<String, CommandLine.IHelpSectionRenderer> sections = train.getHelpSectionMap();
        sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST_HEADING, help -> "");
        sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, TrainHelp::options);
        sections.put("methods", help -> methodList());
        List<String> keys = new ArrayList<>(train.getHelpSectionKeys());
        keys.add(keys.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST) + 1, "methods");
        train.setHelpSectionKeys(keys);
    }

    /** The options, section by section, each laid out as picocli lays out an option list. */
    static String options(Help help) {
        Map<String, OptionSpec> byName = new LinkedHashMap<>();
        help.commandSpec().options().forEach(o -> byName.put(o.longestName(), o));
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, List<String>> s : SECTIONS.entrySet()) {
            Help.Layout layout = help.createDefaultLayout();
            for (String name : s.getValue()) {
                OptionSpec o = byName.get(name);
                if (o != null) {
                    layout.addOption(o, help.createDefaultParamLabelRenderer());
                }
            }
            out.append('\n').append(s.getKey()).append(":\n").append(layout);
        }
        return out.toString();
    }

    /** "Methods:" and one line per method. */
    static String methodList() {
        StringBuilder out = new StringBuilder("\nMethods (--method):\n");
        METHODS.forEach((name, what) -> out.append(String.format("  %-11s %s%n", name, what)));
        return out.toString();
    }

    /** Options of {@code train} not in any section, and section entries that are no option: both empty when the help is complete. */
    static List<Set<String>> mismatch(CommandLine train) {
        Set<String> options = new LinkedHashSet<>();
        train.getCommandSpec().options().forEach(o -> options.add(o.longestName()));
        Set<String> listed = new LinkedHashSet<>();
        SECTIONS.values().forEach(listed::addAll);
        Set<String> missing = new LinkedHashSet<>(options);
        missing.removeAll(listed);
        Set<String> extra = new LinkedHashSet<>(listed);
        extra.removeAll(options);
        return List.of(missing, extra);
    }
}
