package io.gradreg.train;

import io.gradreg.GradregException;
import io.gradreg.engine.TensorList;
import io.gradreg.engine.Tensors;
import io.gradreg.nn.Net;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Everything a run needs to continue bit-identically, in one libtorch archive: weights and
 * buffers (raw bits), the optimizer state (libtorch's own serialization: momentum buffers, Adam
 * moments and step counts), the trainer's {@link Trainer.Position} and the state its method keeps
 * between steps ({@link Trainer#kept()}). The file is written next to its target and renamed into
 * place, so a crash leaves the previous checkpoint intact.
 */
public final class Checkpoint {
    private static final long FORMAT = 1;
    /** Fields of an epoch's metrics in the history; a checkpoint written before sharpness tracking has 13. */
    private static final int METRIC_FIELDS = 19;

    private Checkpoint() {}

    /** Writes the state of {@code trainer} to {@code file} atomically. */
    public static void save(Trainer trainer, Path file) {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try (PointerScope scope = new PointerScope()) {
            OutputArchive model = new OutputArchive();
            trainer.net().stateDict().forEach((k, v) -> model.write(k, v));
            OutputArchive optimizer = new OutputArchive();
            trainer.optimizer().save(optimizer);
            Trainer.Position p = trainer.position();
            OutputArchive root = new OutputArchive();
            root.write("format", Tensors.fromLongs(new long[] {FORMAT}, 1));
            root.write("model", model);
            root.write("optimizer", optimizer);
            root.write("position", Tensors.fromLongs(new long[] {p.step(), p.epoch(), p.stepInEpoch(), p.epochNanos()}, 4));
            root.write("epoch_sums", Tensors.fromDoubles(new double[] {p.epochLoss(), p.epochPenalty()}, 2));
            root.write("history", Tensors.fromDoubles(flatten(p.history()), p.history().size(), METRIC_FIELDS));
            TensorList c = trainer.kept();
            if (c != null) { // the state kept between steps (--reuse, fsam), raw bits; "component" since --reuse was the only one
                OutputArchive comp = new OutputArchive();
                for (int i = 0; i < c.size(); i++) {
                    comp.write(String.valueOf(i), c.get(i));
                }
                root.write("component", comp);
            }
            Files.createDirectories(file.toAbsolutePath().getParent());
            root.save_to(tmp.toString());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tmp);
            if (e instanceof GradregException g) {
                throw g;
            }
            throw new GradregException(file + ": cannot write the checkpoint: " + GradregException.firstLine(e), e);
        }
    }

    /**
     * Loads {@code file} into {@code trainer} (whose model and optimizer must be built like the
     * ones that wrote it) and returns the restored position.
     */
    public static Trainer.Position load(Trainer trainer, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new GradregException(file + ": no checkpoint to resume from");
        }
        try (PointerScope scope = new PointerScope()) {
            InputArchive root = new InputArchive();
            root.load_from(file.toString());
            long format = Tensors.toLongs(read(root, file, "format"))[0];
            if (format != FORMAT) {
                throw new GradregException(file + ": checkpoint format " + format + ", this version reads " + FORMAT);
            }
            InputArchive model = new InputArchive();
            if (!root.try_read("model", model)) {
                throw new GradregException(file + ": the checkpoint has no model");
            }
            loadModel(trainer.net(), model, file);
            InputArchive optimizer = new InputArchive();
            if (!root.try_read("optimizer", optimizer)) {
                throw new GradregException(file + ": the checkpoint has no optimizer state");
            }
            trainer.optimizer().load(optimizer);
            long[] pos = Tensors.toLongs(read(root, file, "position"));
            double[] sums = Tensors.toDoubles(read(root, file, "epoch_sums"));
            Trainer.Position p = new Trainer.Position(pos[0], (int) pos[1], pos[2], sums[0], sums[1], pos[3],
                    unflatten(read(root, file, "history")));
            trainer.restore(p);
            InputArchive comp = new InputArchive();
            boolean hasKept = root.try_read("component", comp);
            if (!hasKept && trainer.keepsState() && p.step() > 0) {
                throw new GradregException(file + ": the checkpoint has no state kept between steps, which this run needs after step 0"
                        + " (was it written by a run with other settings?)");
            }
            trainer.restoreKept(hasKept ? readKept(trainer, comp, file) : null);
            return p;
        } catch (GradregException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new GradregException(file + ": not a readable checkpoint: " + GradregException.firstLine(e), e);
        }
    }

    private static void loadModel(Net net, InputArchive in, Path file) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : net.stateDict().entrySet()) {
                Tensor t = read(in, file, e.getKey());
                long[] want = Tensors.shape(e.getValue());
                if (!Arrays.equals(want, Tensors.shape(t)) || t.scalar_type().value != e.getValue().scalar_type().value) {
                    throw new GradregException(file + ": tensor '" + e.getKey() + "' is " + t.scalar_type() + Arrays.toString(Tensors.shape(t))
                            + ", the model has " + e.getValue().scalar_type() + Arrays.toString(want)
                            + " (was the run started with other settings?)");
                }
                e.getValue().copy_(t);
            }
        }
    }

    private static TensorList readKept(Trainer trainer, InputArchive in, Path file) {
        TensorList params = trainer.net().params();
        Tensor[] t = new Tensor[params.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = read(in, file, String.valueOf(i));
            if (!Arrays.equals(Tensors.shape(t[i]), Tensors.shape(params.get(i)))) {
                throw new GradregException(file + ": the state kept between steps does not fit the model");
            }
        }
        return TensorList.of(t);
    }

    private static Tensor read(InputArchive in, Path file, String key) {
        Tensor t = new Tensor();
        if (!in.try_read(key, t)) {
            throw new GradregException(file + ": the checkpoint has no '" + key + "'");
        }
        return t;
    }

    private static double[] flatten(List<EpochMetrics> history) {
        double[] out = new double[history.size() * METRIC_FIELDS];
        int i = 0;
        for (EpochMetrics m : history) {
            for (double v : new double[] {m.epoch(), m.step(), m.lr(), m.trainLoss(), m.trainAccuracy(), m.testLoss(),
                    m.testAccuracy(), m.gradNorm(), m.rIG(), m.lambdaIG(), m.batchLoss(), m.penalty(), m.msPerStep(),
                    m.hessianTop(), m.hessianTrace(), m.hessianTraceSe(), m.subsetRIG(), m.sharpnessMs(), m.sharpnessCpuMs()}) {
                out[i++] = v;
            }
        }
        return out;
    }

    /** The history as written: rows of 13 fields (older checkpoints) or {@value #METRIC_FIELDS}; missing fields are NaN. */
    private static List<EpochMetrics> unflatten(Tensor history) {
        long[] shape = Tensors.shape(history);
        int width = shape.length == 2 ? (int) shape[1] : METRIC_FIELDS;
        double[] raw = Tensors.toDoubles(history);
        List<EpochMetrics> out = new ArrayList<>();
        for (int i = 0; i + width <= raw.length && width > 0; i += width) {
            double[] v = new double[METRIC_FIELDS];
            java.util.Arrays.fill(v, Double.NaN);
            System.arraycopy(raw, i, v, 0, Math.min(width, METRIC_FIELDS));
            out.add(new EpochMetrics((int) v[0], (long) v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12],
                    v[13], v[14], v[15], v[16], v[17], v[18]));
        }
        return out;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: a stale temporary file is harmless and overwritten next time
        }
    }
}
