package io.gradreg.cli;

import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.io.AtomicFiles;
import io.gradreg.io.Json;
import io.gradreg.io.RunLock;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.InputPenalty;
import io.gradreg.method.Loss;
import io.gradreg.method.Method;
import io.gradreg.method.Plain;
import io.gradreg.method.Sam;
import io.gradreg.method.SecondOrder;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Mlp;
import io.gradreg.nn.Net;
import io.gradreg.train.EpochMetrics;
import io.gradreg.train.Progress;
import io.gradreg.train.RunDirectory;
import io.gradreg.train.RunRecords;
import io.gradreg.train.TrainConfig;
import io.gradreg.train.Trainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gradreg demo}: the main job on built-in data, no download. Trains the same MLP from the
 * same initialisation with plain SGD, GR (exact and forward), SAM and SpectReg on a small
 * synthetic classification task, then prints a comparison table and writes plots.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Compare plain, GR exact, GR forward, SAM and SpectReg on a built-in synthetic task (about 15 s on 2 cores); "
                + "replaces an earlier demo's files in --out.")
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--out", defaultValue = "runs/demo", description = "output directory (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--epochs", defaultValue = "40", description = "epochs per method (default: ${DEFAULT-VALUE})")
    int epochs;
    @Option(names = "--seed", defaultValue = "0", description = "seed (default: ${DEFAULT-VALUE})")
    long seed;

    static final int DIM = 32;
    static final int CLASSES = 10;

    @Override
    public Integer call() {
        // A second demo into the same --out is refused while this one runs; a later one replaces its files.
        try (RunLock lock = RunLock.acquire(out, "--out")) {
            return demo();
        }
    }

    private Integer demo() {
        PrintWriter log = spec.commandLine().getOut();
        Engine.start();
        // Few training samples of overlapping classes: a task where regularization can matter.
        Dataset train = Synthetic.blobs(400, DIM, CLASSES, 0.45, 7, 100 + seed, DType.FLOAT32);
        Dataset test = Synthetic.blobs(4000, DIM, CLASSES, 0.45, 7, 200 + seed, DType.FLOAT32);
        Map<String, Method> methods = new LinkedHashMap<>();
        methods.put("plain", new Plain());
        methods.put("gr-exact", new GradientRegularization(0.05, 0, SecondOrder.EXACT, false));
        methods.put("gr-forward", new GradientRegularization(0.05, 0.05, SecondOrder.FORWARD, false));
        methods.put("sam", new Sam(0.05));
        methods.put("spectreg", new InputPenalty(InputPenalty.Kind.SPECTREG, 0.03, SecondOrder.EXACT, 0, 0));
        log.printf("demo: %d training / %d test samples, %d-d inputs, %d classes; MLP %d-256-256-%d; SGD lr 0.05, batch 32, %d epochs%n",
                train.size(), test.size(), DIM, CLASSES, DIM, CLASSES, epochs);

        Map<String, List<EpochMetrics>> runs = new LinkedHashMap<>();
        Map<String, Object> table = new LinkedHashMap<>();
        for (var e : methods.entrySet()) {
            Engine.seed(seed);
            Net net = new Mlp(new int[] {DIM, 256, 256, CLASSES}, Activation.RELU, 0, false).to(DType.FLOAT32);
            TrainConfig cfg = TrainConfig.of(e.getValue(), 0.05, epochs, 32, seed);
            long t0 = System.nanoTime();
            Progress progress = new Progress(log, e.getKey(), false);
            List<EpochMetrics> h = new Trainer(net, Loss.CROSS_ENTROPY, cfg).fit(train, test, progress);
            double seconds = (System.nanoTime() - t0) / 1e9;
            runs.put(e.getKey(), h);
            Map<String, Object> s = RunRecords.summaryFields(RunRecords.summary(h));
            s.put("method", e.getValue().describe());
            s.put("seconds", seconds);
            s.put("ms_per_step", h.stream().mapToDouble(EpochMetrics::msPerStep).average().orElse(0));
            table.put(e.getKey(), s);
            progress.clearLine();
            log.printf("%-10s done in %.1f s%n", e.getKey(), seconds);
        }
        String md = markdown(table);
        log.println();
        log.print(md);
        RunDirectory.plot(out, runs);
        Json.writeFile(out.resolve("summary.json"), table);
        AtomicFiles.writeString(out.resolve("results.md"), md);
        log.printf("%nplots and tables written to %s (accuracy.png, loss.png, results.md, summary.json)%n", out);
        return 0;
    }

    static String markdown(Map<String, Object> table) {
        StringBuilder b = new StringBuilder();
        b.append("| method | final test acc | best test acc (epoch) | final train loss | R_IG | ms/step |\n");
        b.append("|---|---|---|---|---|---|\n");
        table.forEach((name, o) -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> s = (Map<String, Object>) o;
            b.append(String.format("| %s | %.4f | %.4f (%s) | %.4f | %.3e | %.1f |%n", s.get("method"), (double) s.get("final_test_accuracy"),
                    (double) s.get("best_test_accuracy"), s.get("best_epoch"), (double) s.get("final_train_loss"),
                    (double) s.get("final_R_IG"), (double) s.get("ms_per_step")));
        });
        return b.toString();
    }
}
