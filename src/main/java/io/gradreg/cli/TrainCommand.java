package io.gradreg.cli;

import io.gradreg.GradregException;
import io.gradreg.data.DataSources;
import io.gradreg.data.Dataset;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.method.Loss;
import io.gradreg.method.Method;
import io.gradreg.method.Methods;
import io.gradreg.method.SecondOrder;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Models;
import io.gradreg.nn.Net;
import io.gradreg.nn.Weights;
import io.gradreg.train.EpochMetrics;
import io.gradreg.train.OptimizerSpec;
import io.gradreg.train.Schedule;
import io.gradreg.train.TrainConfig;
import io.gradreg.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gradreg train}: one training run, written to a run directory. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a model with a gradient-regularization method and write a run directory.")
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "mnist | PATH (directory of IDX files, .npz with x and y, or .csv)")
    String data;
    @Option(names = "--test-data", description = "test set PATH (mnist and IDX directories bring their own)")
    Path testData;
    @Option(names = "--train-size", description = "class-balanced training subset of N samples (0 = all)")
    long trainSize;
    @Option(names = "--test-size", description = "class-balanced test subset of N samples (0 = all)")
    long testSize;
    @Option(names = "--model", required = true, description = "mlp:784-512-512-10 | lenet5 | cnn | resnet | dln:D | twoparam")
    String model;
    @Option(names = "--activation", defaultValue = "relu", description = "relu | tanh | gelu | softplus (default: ${DEFAULT-VALUE})")
    String activation;
    @Option(names = "--dropout", defaultValue = "0", description = "dropout probability (default: ${DEFAULT-VALUE})")
    double dropout;
    @Option(names = "--batchnorm", description = "add batch normalization")
    boolean batchNorm;
    @Option(names = "--method", defaultValue = "plain", description = Methods.NAMES + " (default: ${DEFAULT-VALUE})")
    String method;
    @Option(names = "--second-order", defaultValue = "forward", description = "exact | forward | backward | central (default: ${DEFAULT-VALUE})")
    String secondOrder;
    @Option(names = "--gamma", defaultValue = "0.1", description = "GR strength (default: ${DEFAULT-VALUE})")
    double gamma;
    @Option(names = "--eps", defaultValue = "0.01", description = "GR finite-difference step (default: ${DEFAULT-VALUE})")
    double eps;
    @Option(names = "--normalized", description = "GR step eps / ||g||")
    boolean normalized;
    @Option(names = "--rho", defaultValue = "0.05", description = "SAM / ASAM radius (default: ${DEFAULT-VALUE})")
    double rho;
    @Option(names = "--eta", defaultValue = "0.01", description = "ASAM eta (default: ${DEFAULT-VALUE})")
    double eta;
    @Option(names = "--flood", defaultValue = "0.05", description = "flood level b (default: ${DEFAULT-VALUE})")
    double flood;
    @Option(names = "--lambda", defaultValue = "0.01", description = "input-penalty strength (default: ${DEFAULT-VALUE})")
    double lambda;
    @Option(names = "--delta", defaultValue = "0.01", description = "input-space finite-difference step (default: ${DEFAULT-VALUE})")
    double delta;
    @Option(names = "--beta", defaultValue = "0.1", description = "confidence-penalty strength (default: ${DEFAULT-VALUE})")
    double beta;
    @Option(names = "--projections", defaultValue = "0", description = "jacreg/frobreg random projections (0 = exact, K passes)")
    int projections;
    @Option(names = "--optimizer", defaultValue = "sgd", description = "sgd | adam | adamw (default: ${DEFAULT-VALUE})")
    String optimizer;
    @Option(names = "--lr", defaultValue = "0.1", description = "learning rate (default: ${DEFAULT-VALUE})")
    double lr;
    @Option(names = "--momentum", defaultValue = "0", description = "SGD momentum (default: ${DEFAULT-VALUE})")
    double momentum;
    @Option(names = "--nesterov", description = "Nesterov momentum")
    boolean nesterov;
    @Option(names = "--weight-decay", defaultValue = "0", description = "weight decay (default: ${DEFAULT-VALUE})")
    double weightDecay;
    @Option(names = "--schedule", defaultValue = "constant", description = "constant | cosine | step (default: ${DEFAULT-VALUE})")
    String schedule;
    @Option(names = "--epochs", description = "epochs (default 10 when --steps is not given)")
    Integer epochs;
    @Option(names = "--steps", description = "steps, instead of epochs")
    Long steps;
    @Option(names = "--batch-size", defaultValue = "128", description = "batch size (default: ${DEFAULT-VALUE})")
    int batchSize;
    @Option(names = "--no-shuffle", description = "keep the data order")
    boolean noShuffle;
    @Option(names = "--seed", defaultValue = "0", description = "seed of init, data order, dropout (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--dtype", defaultValue = "float32", description = "float32 | float64 (default: ${DEFAULT-VALUE})")
    String dtype;
    @Option(names = "--init-weights", description = "start from these weights (safetensors, PyTorch state_dict names)")
    Path initWeights;
    @Option(names = "--out", defaultValue = "runs/train", description = "run directory (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--resume", description = "continue the run in --out from its checkpoint")
    boolean resume;

    @Override
    public Integer call() {
        if (resume) {
            throw new GradregException("--resume is not available yet: checkpoints are not written by this version");
        }
        DType dt = DType.parse(dtype);
        Method m = Methods.build(method, new Methods.Options(SecondOrder.parse(secondOrder), gamma, eps, normalized,
                rho, eta, flood, lambda, delta, beta, projections));
        OptimizerSpec opt = new OptimizerSpec(OptimizerSpec.parseKind(optimizer), lr, momentum, nesterov, weightDecay);
        if (epochs != null && steps != null) {
            throw new GradregException("give --epochs or --steps, not both");
        }
        TrainConfig cfg = new TrainConfig(m, opt, Schedule.parse(schedule), steps == null ? (epochs == null ? 10 : epochs) : 0,
                steps == null ? 0 : steps, batchSize, !noShuffle, seed);
        Activation act = Activation.parse(activation);

        Engine.start();
        DataSources.Split split = DataSources.read(dataPath(data), dt);
        Dataset test = testData != null ? DataSources.read(testData, dt).train() : split.test().orElse(null);
        Dataset train = DataSources.balancedSubset(split.train(), trainSize, seed);
        if (test != null) {
            test = DataSources.balancedSubset(test, testSize, seed + 1);
        }
        Engine.seed(seed);
        Net net = Models.build(model, new Models.Options(act, dropout, batchNorm, train.sampleShape(), train.outputs())).to(dt);
        if (initWeights != null) {
            Weights.load(net, initWeights);
        }
        Loss loss = Loss.forTargets(train.y());

        RunDirectory run = new RunDirectory(out);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("data", data);
        config.put("test_data", testData == null ? null : testData.toString());
        config.put("train_size", train.size());
        config.put("test_size", test == null ? 0 : test.size());
        config.put("model", model);
        config.put("parameters", net.numParams());
        config.put("activation", act.toString());
        config.put("dropout", dropout);
        config.put("batchnorm", batchNorm);
        config.put("loss", loss.name().toLowerCase());
        config.put("method", m.describe());
        config.put("optimizer", opt);
        config.put("schedule", cfg.schedule().name().toLowerCase());
        config.put("epochs", cfg.epochs());
        config.put("steps", cfg.steps());
        config.put("batch_size", batchSize);
        config.put("shuffle", !noShuffle);
        config.put("seed", seed);
        config.put("dtype", dt.toString());
        config.put("init_weights", initWeights == null ? null : initWeights.toString());
        config.put("threads", Engine.threads());
        config.put("versions", Map.of("gradreg", "0.1.0", "libtorch", "2.10.0", "javacpp", "1.5.13", "java", System.getProperty("java.version")));
        config.put("git_commit", Versions.gitCommit());
        run.writeConfig(config);

        System.out.printf("training %s (%d parameters) on %d samples with %s%n", model, net.numParams(), train.size(), m.describe());
        Trainer trainer = new Trainer(net, loss, cfg);
        Progress progress = new Progress(System.out, "", true);
        List<EpochMetrics> history = trainer.fit(train, test, new Trainer.Listener() {
            @Override
            public void onStep(long step, long total, int epoch, double l) {
                progress.onStep(step, total, epoch, l);
            }

            @Override
            public void onEpoch(EpochMetrics metrics) {
                run.appendMetrics(metrics);
                progress.onEpoch(metrics);
            }
        });
        run.finish(net, history, Map.of("model", model, "method", m.describe()));
        Map<String, Object> s = RunDirectory.summary(history);
        System.out.printf("final test accuracy %.4f, best %.4f at epoch %s; run written to %s%n",
                (double) s.get("final_test_accuracy"), (double) s.get("best_test_accuracy"), s.get("best_epoch"), out);
        return 0;
    }

    static Path dataPath(String data) {
        if (!data.equals("mnist")) {
            return Paths.get(data);
        }
        Path cache = Versions.cacheDir().resolve("mnist");
        if (!Files.isDirectory(cache)) {
            throw new GradregException("MNIST is not in " + cache + " and this version cannot fetch it yet;"
                    + " pass --data DIR with the four MNIST IDX files instead");
        }
        return cache;
    }
}
