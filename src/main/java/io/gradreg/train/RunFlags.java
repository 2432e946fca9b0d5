package io.gradreg.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.gradreg.GradregException;
import io.gradreg.data.Cifar;
import io.gradreg.engine.DType;
import io.gradreg.io.Json;
import io.gradreg.method.Every;
import io.gradreg.method.InputPenalty;
import io.gradreg.method.Methods;
import io.gradreg.method.PerturbationFilter;
import io.gradreg.method.SecondOrder;
import io.gradreg.method.StrengthSchedule;
import io.gradreg.nn.Activation;
import java.nio.file.Files;
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
import picocli.CommandLine.Option;

/**
 * The command-line form of a {@link RunSpec}: every flag of {@code gradreg train}, parsed by
 * picocli, in one place. {@code train} mixes it in; a sweep's YAML, a run's config.json and a
 * worker process's arguments are read through it too, so each gets the same validation and the
 * same messages. {@link #toSpec()} turns the flags into the typed run, {@link #of(RunSpec)} back.
 *
 * <p>The settings (every flag but where and how the run executes) are stored in config.json as a
 * flag → value map: it is the command line that reproduces the run and what {@code --resume}
 * continues with. Paths in it are absolute, so a run resumes from any working directory.
 */
public final class RunFlags {
    /** Flags that say where and how to run, not what: never stored. */
    static final Set<String> NOT_SETTINGS = Set.of("--out", "--resume", "--overwrite", "--threads", "--world-size", "--rank", "--master",
            "--dist-timeout", "--help", "--version");
    /** Flags a resumed run may change: training longer is the point of resuming a finished run. */
    private static final Set<String> EXTENDABLE = Set.of("--epochs", "--steps");

    // --- data
    @Option(names = "--data", description = "mnist | cifar10:DIR | cifar100:DIR | cifar100-coarse:DIR | PATH (directory of IDX files, .npz with x and y, or .csv)")
    String data;
    @Option(names = "--test-data", description = "test set PATH (mnist and IDX directories bring their own)")
    Path testData;
    @Option(names = "--test-size", description = "class-balanced test subset of N samples chosen with the seed (0 = all)")
    long testSize;
    @Option(names = "--train-size", description = "training subset of N samples chosen with the seed (0 = all); see --subset")
    long trainSize;
    @Option(names = "--subset", defaultValue = "balanced",
            description = "how --train-size draws: balanced (N/K per class) | random (the first N of a seeded permutation, as seed 002's code) (default: ${DEFAULT-VALUE})")
    String subset = "balanced";
    @Option(names = "--holdout", defaultValue = "0",
            description = "the last N samples of the training data become the test set (replacing any other); the subsets are drawn from the rest")
    long holdout;
    @Option(names = "--standardize",
            description = "standardize inputs per channel with the training subset's mean and std (+1e-7), applied to test and unlabeled inputs too")
    boolean standardize;
    @Option(names = "--unlabeled-data", description = "inputs (labels ignored) for the input penalty, a file as --data; see --unlabeled-size")
    Path unlabeledData;
    @Option(names = "--unlabeled-size", defaultValue = "0",
            description = "N unlabeled inputs: drawn with the seed from --unlabeled-data, else from the training samples not in the subset, labels ignored. "
                    + "spectreg/frobreg/jacreg then run on a batch of them beside each labeled batch")
    long unlabeledSize;
    // --- model
    @Option(names = "--model", description = "mlp:784-512-512-10 | lenet5 | lenet5:002 (seed 002's layout) | cnn | resnet | wrn:DEPTH-WIDTH | dln:D[:ALPHA] | twoparam[:A:B]")
    String model;
    @Option(names = "--activation", defaultValue = "relu", description = "relu | tanh | gelu | softplus (default: ${DEFAULT-VALUE})")
    String activation = "relu";
    @Option(names = "--dropout", defaultValue = "0", description = "dropout probability (default: ${DEFAULT-VALUE})")
    double dropout;
    @Option(names = "--batchnorm", description = "add batch normalization")
    boolean batchNorm;
    @Option(names = "--dtype", defaultValue = "float32", description = "float32 | float64 (default: ${DEFAULT-VALUE})")
    String dtype = "float32";
    // --- method
    @Option(names = "--method", defaultValue = "plain", description = Methods.NAMES + " (default: ${DEFAULT-VALUE})")
    String method = "plain";
    @Option(names = "--second-order", defaultValue = "forward", description = "exact | forward | backward | central (default: ${DEFAULT-VALUE})")
    String secondOrder = "forward";
    @Option(names = "--gamma", description = "GR strength (default 0.1); esam: the fraction of the batch the second pass uses (default 0.5); "
            + "wsam: the sharpness term's weight is gamma / (1 - gamma), gamma in [0, 1) (default 0.9)")
    Double gamma;
    @Option(names = "--eps", defaultValue = "0.01", description = "GR finite-difference step (default: ${DEFAULT-VALUE})")
    double eps = 0.01;
    @Option(names = "--normalized", description = "GR step eps / ||g||")
    boolean normalized;
    @Option(names = "--rho", defaultValue = "0.05", description = "SAM / ASAM radius (default: ${DEFAULT-VALUE})")
    double rho = 0.05;
    @Option(names = "--eta", defaultValue = "0.01", description = "ASAM eta (default: ${DEFAULT-VALUE})")
    double eta = 0.01;
    @Option(names = "--flood", defaultValue = "0.05", description = "flood level b (default: ${DEFAULT-VALUE})")
    double flood = 0.05;
    @Option(names = "--lambda", description = "input-penalty strength (default 0.01); fsam: the coefficient of the moving average of g, "
            + "m = lambda m + (1 - lambda) g (default 0.6)")
    Double lambda;
    @Option(names = "--delta", defaultValue = "0.01", description = "input-space finite-difference step (default: ${DEFAULT-VALUE})")
    double delta = 0.01;
    @Option(names = "--beta", description = "confidence-penalty strength (default 0.1); esam: the probability a tensor joins the ascent (default 0.6)")
    Double beta;
    @Option(names = "--alpha", description = "gsam: weight of the part of g orthogonal to the perturbed gradient (default 0.1); gnp: alpha = lambda / r (1 is SAM with rho = r; required); "
            + "--reuse looksam: the weight of the kept g_v between full steps (default 0.7)")
    Double alpha;
    @Option(names = "--r", defaultValue = "0.05", description = "gnp: the radius of the ascent (default: ${DEFAULT-VALUE})")
    double r = 0.05;
    @Option(names = "--sigma", defaultValue = "1", description = "fsam: the weight of the moving average taken off the ascent, g - sigma m (default: ${DEFAULT-VALUE})")
    double sigma = 1;
    @Option(names = "--wsam-form", defaultValue = "decoupled",
            description = "wsam: decoupled (the optimizer steps with g, the sharpness term is applied outside it, as its authors' default) | combined "
                    + "(d = (1 - a) g + a g_s to the optimizer) (default: ${DEFAULT-VALUE})")
    String wsamForm = "decoupled";
    @Option(names = "--sam-group", defaultValue = "0", paramLabel = "M",
            description = "m-sharpness for sam, asam and gr (forward): each group of M consecutive samples of a worker's part of the batch takes "
                    + "its own ascent; the last group of a part is shorter when M does not divide it (0 = off, the whole batch)")
    int samGroup;
    @Option(names = "--perturb-only", defaultValue = "all",
            description = "sam, asam, gr: which tensors the ascent moves: all | norm (normalization layers: SAM-ON) | no-norm | weights (2+ dims); "
                    + "the update still moves every parameter (default: ${DEFAULT-VALUE})")
    String perturbOnly = "all";
    @Option(names = "--projections", defaultValue = "0", description = "jacreg/frobreg random projections (0 = exact, K passes)")
    int projections;
    @Option(names = "--rho-schedule", defaultValue = "constant",
            description = "SAM/ASAM rho over training: constant | follow-lr (rho * lr(t)/lr) | warmup:STEPS (linear from 0) (default: ${DEFAULT-VALUE})")
    String rhoSchedule = "constant";
    @Option(names = "--gamma-schedule", defaultValue = "constant", description = "GR gamma over training, as --rho-schedule (default: ${DEFAULT-VALUE})")
    String gammaSchedule = "constant";
    @Option(names = "--lambda-schedule", defaultValue = "constant",
            description = "input-penalty lambda over training, as --rho-schedule (default: ${DEFAULT-VALUE})")
    String lambdaSchedule = "constant";
    @Option(names = "--every", defaultValue = "1",
            description = "run the method's extra passes on every K-th step only, plain steps between (default: ${DEFAULT-VALUE})")
    int every = 1;
    @Option(names = "--reuse", arity = "0..1", fallbackValue = "difference", paramLabel = "MODE",
            description = "with --every K, between full steps: difference (the default of a bare --reuse: g + the last full step's d - g) | "
                    + "looksam (g + alpha (||g|| / ||g_v||) g_v per tensor, g_v the part of the last full step's d orthogonal to g)")
    String reuse;
    @Option(names = "--clip-grad-norm", defaultValue = "0",
            description = "clip the final update direction (after the method, before the optimizer) to this total 2-norm, as PyTorch's clip_grad_norm_; 0 = off (default: ${DEFAULT-VALUE})")
    double clipGradNorm;
    @Option(names = "--projection", defaultValue = "sample",
            description = "spectreg's Gaussian r: sample (fresh per sample) | batch (one per mini-batch, as seed 002's code) (default: ${DEFAULT-VALUE})")
    String projection = "sample";
    // --- optimizer
    @Option(names = "--optimizer", defaultValue = "sgd", description = "sgd | adam | adamw (default: ${DEFAULT-VALUE})")
    String optimizer = "sgd";
    @Option(names = "--lr", defaultValue = "0.1", description = "learning rate (default: ${DEFAULT-VALUE})")
    double lr = 0.1;
    @Option(names = "--momentum", defaultValue = "0", description = "SGD momentum (default: ${DEFAULT-VALUE})")
    double momentum;
    @Option(names = "--nesterov", description = "Nesterov momentum")
    boolean nesterov;
    @Option(names = "--weight-decay", defaultValue = "0",
            description = "weight decay wd: coupled L2 (wd/2)||theta||^2 in the loss for sgd/adam, decoupled theta*(1-lr*wd) for adamw (default: ${DEFAULT-VALUE})")
    double weightDecay;
    @Option(names = "--weight-decay-on", defaultValue = "all",
            description = "all (every parameter) | weights (tensors of 2+ dims: no biases, no batch-norm parameters) (default: ${DEFAULT-VALUE})")
    String weightDecayOn = "all";
    @Option(names = "--schedule", defaultValue = "constant", description = "constant | cosine | step (default: ${DEFAULT-VALUE})")
    String schedule = "constant";
    // --- run
    @Option(names = "--epochs", description = "epochs (default 10 when --steps is not given)")
    Integer epochs;
    @Option(names = "--steps", description = "steps, instead of epochs")
    Long steps;
    @Option(names = "--batch-size", defaultValue = "128", description = "batch size (default: ${DEFAULT-VALUE})")
    int batchSize = 128;
    @Option(names = "--accumulate", defaultValue = "1", description = "split each batch into K micro-batches, exact for every method (default: ${DEFAULT-VALUE})")
    int accumulate = 1;
    @Option(names = "--augment", defaultValue = "none",
            description = "none | crop-flip: random crop after 4-pixel black padding, and horizontal flip, drawn from the seed and step (default: ${DEFAULT-VALUE})")
    String augment = "none";
    @Option(names = "--sync-batchnorm", description = "data parallel: normalize with the whole batch's statistics across workers (forward and gradient exact; not with --accumulate, exact GR or input penalties)")
    boolean syncBatchNorm;
    @Option(names = "--no-shuffle", description = "keep the data order")
    boolean noShuffle;
    @Option(names = "--eval-every", defaultValue = "1",
            description = "evaluate on the full training and test sets every N epochs and after the last (default: ${DEFAULT-VALUE})")
    int evalEvery = 1;
    @Option(names = "--stop-at-train-accuracy", defaultValue = "0", paramLabel = "A",
            description = "end the run after the first evaluation whose training accuracy is at least A, e.g. 1.0 (0 = off; "
                    + "--epochs/--steps stay the budget)")
    double stopAtTrainAccuracy;
    @Option(names = "--track-sharpness", defaultValue = "0", paramLabel = "N",
            description = "every N epochs, measure the top Hessian eigenvalue (Lanczos), the trace (Hutchinson) and R_IG on a fixed "
                    + "training subset; into metrics.jsonl and sharpness.png, cost in the log (default: 0 = off)")
    int trackSharpness;
    @Option(names = "--sharpness-subset", defaultValue = "" + SharpnessTracking.DEFAULT_SUBSET,
            description = "samples in the sharpness subset, drawn with the seed (default: ${DEFAULT-VALUE})")
    long sharpnessSubset = SharpnessTracking.DEFAULT_SUBSET;
    @Option(names = "--sharpness-lanczos", defaultValue = "" + SharpnessTracking.DEFAULT_LANCZOS,
            description = "Lanczos iterations (Hessian-vector products) for the top eigenvalue (default: ${DEFAULT-VALUE})")
    int sharpnessLanczos = SharpnessTracking.DEFAULT_LANCZOS;
    @Option(names = "--sharpness-hutchinson", defaultValue = "" + SharpnessTracking.DEFAULT_HUTCHINSON,
            description = "Hutchinson probes (Hessian-vector products) for the trace (default: ${DEFAULT-VALUE})")
    int sharpnessHutchinson = SharpnessTracking.DEFAULT_HUTCHINSON;
    @Option(names = "--seed", defaultValue = "0", description = "seed of init, data order, dropout (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--init-weights", description = "start from these weights (safetensors, PyTorch state_dict names)")
    Path initWeights;
    @Option(names = "--out", defaultValue = "runs/train", description = "run directory (default: ${DEFAULT-VALUE})")
    Path out = RunSpec.Execution.DEFAULT_OUT;
    @Option(names = "--threads", description = "threads, fixed (default: one per free core, following the load; sweeps run workers with 1)")
    Integer threads;
    // --- parallel
    @Option(names = "--world-size", description = "data-parallel workers in all (see gradreg launch) (default: 1, or Slurm's task count under srun)")
    Integer worldSize;
    @Option(names = "--rank", description = "this worker's rank, 0 .. world size - 1; rank 0 writes the run directory (default: 0, or Slurm's)")
    Integer rank;
    @Option(names = "--master", description = "HOST:PORT where rank 0 listens; under srun, Slurm's first node (default: " + RunSpec.Execution.DEFAULT_MASTER + ")")
    String master;
    @Option(names = "--dist-timeout", defaultValue = "60", description = "seconds before a silent worker or master ends the run (default: ${DEFAULT-VALUE})")
    int distTimeout = 60;
    @Option(names = "--checkpoint-every", defaultValue = "1",
            description = "write the checkpoint every N epochs and after the last (default: ${DEFAULT-VALUE}; full-batch runs have one step per epoch)")
    int checkpointEvery = 1;
    @Option(names = "--save-best", description = "also write best-weights.safetensors: the weights at the evaluated epoch of highest test accuracy")
    boolean saveBest;
    // --- what to do with --out
    @Option(names = "--resume", description = "continue the run in --out from its checkpoint")
    boolean resume;
    @Option(names = "--overwrite", description = "replace the run already in --out (without it, such a directory is refused)")
    boolean overwrite;

    /** The typed run these flags describe; every value is checked here, with the command line's messages. */
    public RunSpec toSpec() {
        RunSpec.Data d = new RunSpec.Data(data, testData, testSize, trainSize, RunSpec.Subset.parse(subset), holdout, standardize, unlabeledData,
                unlabeledSize, RunSpec.Augment.parse(augment));
        RunSpec.Model m = new RunSpec.Model(model, Activation.parse(activation), dropout, batchNorm, DType.parse(dtype), initWeights);
        boolean esam = method.equalsIgnoreCase("esam");
        if (method.equalsIgnoreCase("gnp") && alpha == null) {
            throw new GradregException("gnp needs --alpha (alpha = lambda / r for the penalty lambda * ||grad L||; 1 is SAM with rho = r)");
        }
        Every.Reuse reuseMode = reuse == null ? Every.Reuse.NONE : Every.Reuse.parse(reuse);
        double gammaOrDefault = gamma != null ? gamma : esam ? 0.5 : method.equalsIgnoreCase("wsam") ? 0.9 : 0.1;
        double lambdaOrDefault = lambda != null ? lambda : method.equalsIgnoreCase("fsam") ? 0.6 : 0.01;
        double alphaOrDefault = alpha != null ? alpha : reuseMode == Every.Reuse.LOOKSAM ? 0.7 : 0.1;
        Methods.Options o = new Methods.Options(SecondOrder.parse(secondOrder), gammaOrDefault, eps, normalized, rho, eta, flood, lambdaOrDefault,
                delta, beta != null ? beta : esam ? 0.6 : 0.1, projections, InputPenalty.Projection.parse(projection), alphaOrDefault, r,
                PerturbationFilter.parse(perturbOnly), sigma, samGroup, parseWsamForm(wsamForm));
        RunSpec.Schedules sch = new RunSpec.Schedules(StrengthSchedule.parse("--rho-schedule", rhoSchedule),
                StrengthSchedule.parse("--gamma-schedule", gammaSchedule), StrengthSchedule.parse("--lambda-schedule", lambdaSchedule));
        RunSpec.MethodSpec ms = new RunSpec.MethodSpec(method, o, sch, every, reuseMode, clipGradNorm);
        ms.build(); // the method's own checks come before the run's
        OptimizerSpec opt = new OptimizerSpec(OptimizerSpec.parseKind(optimizer), lr, momentum, nesterov, weightDecay,
                OptimizerSpec.DecayOn.parse(weightDecayOn));
        RunSpec.Length len = new RunSpec.Length(epochs, steps, batchSize, accumulate, !noShuffle, syncBatchNorm);
        RunSpec.Evaluation ev = new RunSpec.Evaluation(evalEvery, stopAtTrainAccuracy, trackSharpness, sharpnessSubset, sharpnessLanczos,
                sharpnessHutchinson, checkpointEvery, saveBest);
        RunSpec.Execution ex = new RunSpec.Execution(out, threads, worldSize, rank, master, distTimeout);
        return new RunSpec(d, m, ms, new RunSpec.Optimization(opt, Schedule.parse(schedule)), len, ev, seed, ex);
    }

    /** The flags that describe {@code s} (the inverse of {@link #toSpec()}). */
    public static RunFlags of(RunSpec s) {
        RunFlags f = new RunFlags();
        RunSpec.Data d = s.data();
        f.data = d.source();
        f.testData = d.testData();
        f.testSize = d.testSize();
        f.trainSize = d.trainSize();
        f.subset = d.subset().toString();
        f.holdout = d.holdout();
        f.standardize = d.standardize();
        f.unlabeledData = d.unlabeledData();
        f.unlabeledSize = d.unlabeledSize();
        f.augment = d.augment().toString();
        RunSpec.Model m = s.model();
        f.model = m.spec();
        f.activation = m.activation().name().toLowerCase();
        f.dropout = m.dropout();
        f.batchNorm = m.batchNorm();
        f.dtype = m.dtype().name().toLowerCase();
        f.initWeights = m.initWeights();
        RunSpec.MethodSpec ms = s.method();
        Methods.Options o = ms.options();
        f.method = ms.name();
        f.secondOrder = o.secondOrder().name().toLowerCase();
        f.gamma = o.gamma();
        f.eps = o.eps();
        f.normalized = o.normalized();
        f.rho = o.rho();
        f.eta = o.eta();
        f.flood = o.flood();
        f.lambda = o.lambda();
        f.delta = o.delta();
        f.beta = o.beta();
        f.alpha = o.alpha();
        f.r = o.r();
        f.perturbOnly = o.perturbOnly().toString();
        f.sigma = o.sigma();
        f.samGroup = o.samGroup();
        f.wsamForm = o.wsamDecoupled() ? "decoupled" : "combined";
        f.projections = o.projections();
        f.projection = o.projection().name().toLowerCase();
        f.rhoSchedule = ms.schedules().rho().toString();
        f.gammaSchedule = ms.schedules().gamma().toString();
        f.lambdaSchedule = ms.schedules().lambda().toString();
        f.every = ms.every();
        f.reuse = ms.reuse() == Every.Reuse.NONE ? null : ms.reuse().toString();
        f.clipGradNorm = ms.clipGradNorm();
        OptimizerSpec opt = s.optimization().optimizer();
        f.optimizer = opt.kind().name().toLowerCase();
        f.lr = opt.lr();
        f.momentum = opt.momentum();
        f.nesterov = opt.nesterov();
        f.weightDecay = opt.weightDecay();
        f.weightDecayOn = opt.decayOn().name().toLowerCase();
        f.schedule = s.optimization().schedule().name().toLowerCase();
        RunSpec.Length len = s.length();
        f.epochs = len.epochs();
        f.steps = len.steps();
        f.batchSize = len.batchSize();
        f.accumulate = len.accumulate();
        f.noShuffle = !len.shuffle();
        f.syncBatchNorm = len.syncBatchNorm();
        RunSpec.Evaluation ev = s.evaluation();
        f.evalEvery = ev.evalEvery();
        f.stopAtTrainAccuracy = ev.stopAtTrainAccuracy();
        f.trackSharpness = ev.trackSharpness();
        f.sharpnessSubset = ev.sharpnessSubset();
        f.sharpnessLanczos = ev.sharpnessLanczos();
        f.sharpnessHutchinson = ev.sharpnessHutchinson();
        f.checkpointEvery = ev.checkpointEvery();
        f.saveBest = ev.saveBest();
        f.seed = s.seed();
        RunSpec.Execution ex = s.execution();
        f.out = ex.out();
        f.threads = ex.threads();
        f.worldSize = ex.worldSize();
        f.rank = ex.rank();
        f.master = ex.master();
        f.distTimeout = ex.distTimeout();
        return f;
    }

    /** Parses {@code args} (train flags); a bad flag is reported with {@code source} (a file, or "the command line") first. */
    public static RunFlags parse(List<String> args, String source) {
        RunFlags f = new RunFlags();
        try {
            new CommandLine(f).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new GradregException(source + ": " + e.getMessage().lines().findFirst().orElse("bad flags"));
        }
        return f;
    }

    /** The run directory. */
    public Path out() {
        return out;
    }

    /** Whether this asks to continue the run in --out. */
    public boolean resume() {
        return resume;
    }

    /** Whether this asks to replace the run in --out. */
    public boolean overwrite() {
        return overwrite;
    }

    /** The long names of every train flag (for checking a sweep's keys). */
    public static Set<String> names() {
        return new CommandLine(new RunFlags()).getCommandSpec().optionsMap().keySet();
    }

    /** Every setting (flag → value, defaults included, absent optional values left out; no where-and-how flag). */
    public Map<String, String> settings() {
        Map<String, String> out = new LinkedHashMap<>();
        CommandSpec spec = new CommandLine(this).getCommandSpec();
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
    public static List<String> args(Map<String, String> settings) {
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

    /** The arguments of {@code gradreg train} that run {@code s}: its settings and where it runs. */
    public static List<String> args(RunSpec s) {
        RunFlags f = of(s);
        List<String> a = args(f.settings());
        a.addAll(List.of("--out", s.out().toString()));
        if (f.threads != null) {
            a.addAll(List.of("--threads", String.valueOf(f.threads)));
        }
        if (f.worldSize != null) {
            a.addAll(List.of("--world-size", String.valueOf(f.worldSize)));
        }
        if (f.rank != null) {
            a.addAll(List.of("--rank", String.valueOf(f.rank)));
        }
        if (f.master != null) {
            a.addAll(List.of("--master", f.master));
        }
        if (f.distTimeout != 60) {
            a.addAll(List.of("--dist-timeout", String.valueOf(f.distTimeout)));
        }
        return a;
    }

    /** The settings stored in a run's config.json. */
    public static Map<String, String> saved(Path config) {
        JsonNode saved = Json.read(config).get("settings");
        if (saved == null || !saved.isObject()) {
            throw new GradregException(config + ": no 'settings' recorded (not a config.json of gradreg train)");
        }
        Map<String, String> out = new LinkedHashMap<>();
        saved.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        // --reuse was a switch, stored "true" or "false", before it took a mode: read as its mode.
        String reuse = out.get("--reuse");
        if ("true".equals(reuse)) {
            out.put("--reuse", Every.Reuse.DIFFERENCE.toString());
        } else if ("false".equals(reuse)) {
            out.remove("--reuse");
        }
        return out;
    }

    /** The run in {@code dir}, rebuilt from its config.json (where and how it runs: the defaults, and {@code dir}). */
    public static RunSpec read(Path dir) {
        Path config = dir.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            throw new GradregException(dir + ": not a run directory of gradreg train (no config.json)");
        }
        List<String> a = args(saved(config));
        a.addAll(List.of("--out", dir.toString()));
        return parse(a, config + ": cannot resume").toSpec();
    }

    /**
     * The run to continue in {@code dir}: its saved settings, with {@code --epochs}/{@code --steps}
     * from {@code given} when it sets them, and given's where-and-how flags. Any other flag set on the
     * command line must agree with the saved run.
     */
    public static RunFlags forResume(RunFlags given, CommandLine.ParseResult parsed, Path dir) {
        Map<String, String> merged = saved(dir.resolve("config.json"));
        Map<String, String> now = given.settings();
        boolean extended = false;
        for (OptionSpec o : parsed.matchedOptions()) {
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
        RunFlags f = parse(args(merged), dir.resolve("config.json") + ": cannot resume");
        f.out = dir;
        f.resume = true;
        f.threads = given.threads;
        f.worldSize = given.worldSize;
        f.rank = given.rank;
        f.master = given.master;
        f.distTimeout = given.distTimeout;
        return f;
    }

    /** {@code decoupled} (true) or {@code combined} (false). */
    private static boolean parseWsamForm(String s) {
        return switch (s.trim().toLowerCase()) {
            case "decoupled" -> true;
            case "combined" -> false;
            default -> throw new GradregException("--wsam-form: unknown form '" + s + "': expected decoupled or combined");
        };
    }

    private static String normalize(String name, Object v) {
        if (v instanceof Path p) {
            return p.toAbsolutePath().normalize().toString();
        }
        if (name.equals("--data") && Cifar.kindOf(v.toString()).isPresent()) {
            return Cifar.absolute(v.toString());
        }
        if (name.equals("--data") && !v.equals("mnist")) {
            return Paths.get(v.toString()).toAbsolutePath().normalize().toString();
        }
        return String.valueOf(v);
    }
}
