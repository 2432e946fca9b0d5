package io.gradreg.train;

import java.nio.file.Path;

/**
 * Named setters for a {@link RunSpec}, for Java users ({@code RunSpec.builder()}): every setter is a
 * flag of {@code gradreg train} under its own name, with the same default, and {@link #build()}
 * checks the whole run with the command line's messages. Unset values keep train's defaults
 * (plain SGD at lr 0.1, 10 epochs of batch 128, seed 0, float32, into runs/train).
 *
 * <pre>{@code
 * RunSpec spec = RunSpec.builder().data("mnist").trainSize(2000).model("lenet5")
 *         .method("spectreg").lambda(0.03).epochs(30).out(Path.of("runs/lenet-spectreg")).build();
 * RunRecords.Summary s = Run.execute(spec, new PrintWriter(System.out, true));
 * }</pre>
 */
public final class RunSpecBuilder {
    private final RunFlags f = new RunFlags();

    RunSpecBuilder() {}

    /** {@code mnist}, {@code cifar10:DIR}, {@code cifar100:DIR}, or a file (.npz, .csv, a directory of IDX files). */
    public RunSpecBuilder data(String source) {
        f.data = source;
        return this;
    }

    /** A separate test file (mnist and IDX directories bring their own). */
    public RunSpecBuilder testData(Path file) {
        f.testData = file;
        return this;
    }

    /** A class-balanced training subset of {@code n} samples, drawn with the seed (0 = all). */
    public RunSpecBuilder trainSize(long n) {
        f.trainSize = n;
        return this;
    }

    /** A class-balanced test subset of {@code n} samples (0 = all). */
    public RunSpecBuilder testSize(long n) {
        f.testSize = n;
        return this;
    }

    /** The last {@code n} training samples become the test set. */
    public RunSpecBuilder holdout(long n) {
        f.holdout = n;
        return this;
    }

    /** Standardize inputs per channel with the training subset's statistics. */
    public RunSpecBuilder standardize(boolean on) {
        f.standardize = on;
        return this;
    }

    /** {@code mlp:784-512-512-10}, {@code lenet5}, {@code lenet5:002}, {@code cnn}, {@code resnet}, {@code wrn:DEPTH-WIDTH}, ... */
    public RunSpecBuilder model(String spec) {
        f.model = spec;
        return this;
    }

    /** relu | tanh | gelu | softplus. */
    public RunSpecBuilder activation(String a) {
        f.activation = a;
        return this;
    }

    public RunSpecBuilder dropout(double p) {
        f.dropout = p;
        return this;
    }

    public RunSpecBuilder batchNorm(boolean on) {
        f.batchNorm = on;
        return this;
    }

    /** float32 | float64. */
    public RunSpecBuilder dtype(String t) {
        f.dtype = t;
        return this;
    }

    /** A method name ({@link io.gradreg.method.Methods#NAMES}). */
    public RunSpecBuilder method(String name) {
        f.method = name;
        return this;
    }

    /** exact | forward | backward | central. */
    public RunSpecBuilder secondOrder(String so) {
        f.secondOrder = so;
        return this;
    }

    /** GR's strength γ. */
    public RunSpecBuilder gamma(double g) {
        f.gamma = g;
        return this;
    }

    /** GR's finite-difference step ε. */
    public RunSpecBuilder eps(double e) {
        f.eps = e;
        return this;
    }

    /** SAM's (and its variants') radius ρ. */
    public RunSpecBuilder rho(double r) {
        f.rho = r;
        return this;
    }

    /** The input penalties' strength λ. */
    public RunSpecBuilder lambda(double l) {
        f.lambda = l;
        return this;
    }

    /** The confidence penalty's β. */
    public RunSpecBuilder beta(double b) {
        f.beta = b;
        return this;
    }

    /** sgd | adam | adamw. */
    public RunSpecBuilder optimizer(String kind) {
        f.optimizer = kind;
        return this;
    }

    public RunSpecBuilder lr(double lr) {
        f.lr = lr;
        return this;
    }

    public RunSpecBuilder momentum(double m) {
        f.momentum = m;
        return this;
    }

    public RunSpecBuilder weightDecay(double wd) {
        f.weightDecay = wd;
        return this;
    }

    /** constant | cosine | step. */
    public RunSpecBuilder schedule(String s) {
        f.schedule = s;
        return this;
    }

    /** Train for {@code n} epochs (instead of a number of steps). */
    public RunSpecBuilder epochs(int n) {
        f.epochs = n;
        f.steps = null;
        return this;
    }

    /** Train for {@code n} steps (instead of a number of epochs). */
    public RunSpecBuilder steps(long n) {
        f.steps = n;
        f.epochs = null;
        return this;
    }

    public RunSpecBuilder batchSize(int n) {
        f.batchSize = n;
        return this;
    }

    /** Evaluate on the full sets every {@code n} epochs and after the last. */
    public RunSpecBuilder evalEvery(int n) {
        f.evalEvery = n;
        return this;
    }

    public RunSpecBuilder seed(long s) {
        f.seed = s;
        return this;
    }

    /** The run directory. */
    public RunSpecBuilder out(Path dir) {
        f.out = dir;
        return this;
    }

    /** A fixed thread count (default: the free cores). */
    public RunSpecBuilder threads(int n) {
        f.threads = n;
        return this;
    }

    /** The run; a bad value is a {@link io.gradreg.GradregException} naming the flag, as on the command line. */
    public RunSpec build() {
        return f.toSpec();
    }
}
