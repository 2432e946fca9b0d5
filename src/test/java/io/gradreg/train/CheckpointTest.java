package io.gradreg.train;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.GradregException;
import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.engine.TensorList;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.Every;
import io.gradreg.method.FriendlySam;
import io.gradreg.method.Grouped;
import io.gradreg.method.Wsam;
import io.gradreg.method.Loss;
import io.gradreg.method.Scheduled;
import io.gradreg.method.StrengthSchedule;
import io.gradreg.method.Sam;
import io.gradreg.method.SecondOrder;
import io.gradreg.nn.Activation;
import io.gradreg.nn.Mlp;
import io.gradreg.nn.Net;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @TempDir
    Path tmp;
    final Dataset train = Synthetic.blobs(200, 8, 4, 1.0, 1, DType.FLOAT32);
    final Dataset test = Synthetic.blobs(64, 8, 4, 1.0, 1, 99, DType.FLOAT32);

    /** Dropout and batch norm make the run depend on per-step seeds and buffers, momentum on optimizer state. */
    static Net net(long seed) {
        Engine.seed(seed);
        return new Mlp(new int[] {8, 32, 32, 4}, Activation.TANH, 0.2, true).to(DType.FLOAT32);
    }

    static TrainConfig sgdGr() {
        return TrainConfig.of(new GradientRegularization(0.05, 0.01, SecondOrder.FORWARD, false), 0.05, 5, 32, 3)
                .withOptimizer(new OptimizerSpec(OptimizerSpec.Kind.SGD, 0.05, 0.9, true, 1e-4)).withSchedule(Schedule.COSINE);
    }

    static TrainConfig adamSam() {
        return TrainConfig.of(new Sam(0.05), 0.01, 5, 32, 4)
                .withOptimizer(new OptimizerSpec(OptimizerSpec.Kind.ADAM, 0.01, 0, false, 0)).withSchedule(Schedule.STEP);
    }

    /**
     * A warm-up schedule of GR's gamma, SAM every 3 steps reusing its kept component, and clipping:
     * step 17 falls between full steps (15 and 18), so the resumed run needs the kept component.
     */
    static TrainConfig scheduledEveryReuse() {
        StrengthSchedule warmup = StrengthSchedule.parse("--gamma-schedule", "warmup:20");
        return sgdGr().withMethod(new Every(new Scheduled(new GradientRegularization(0.05, 0.01, SecondOrder.FORWARD, false), warmup), 3, true))
                .withClipGradNorm(0.5);
    }

    static TrainConfig followLrSamEvery() {
        return adamSam().withMethod(new Every(new Scheduled(new Sam(0.05), StrengthSchedule.parse("--rho-schedule", "follow-lr")), 4, true));
    }

    /** FriendlySAM with ρ following the learning rate: its moving average is state of the run. */
    static TrainConfig fsamFollowLr() {
        return sgdGr().withMethod(new Scheduled(new FriendlySam(0.05, 0.8, 0.6), StrengthSchedule.parse("--rho-schedule", "follow-lr")));
    }

    /** LookSAM every 3 steps: step 17 falls between full steps, so the resumed run needs the kept g_v. */
    static TrainConfig lookSam() {
        return adamSam().withMethod(new Every(new Sam(0.05), 3, Every.Reuse.LOOKSAM, 0.7));
    }

    /** Decoupled WSAM (a part of each step outside the optimizer) with momentum and clipping, and SAM per group of 8. */
    static TrainConfig wsamClipped() {
        return sgdGr().withMethod(new Wsam(0.05, 0.9, true)).withClipGradNorm(0.5);
    }

    static TrainConfig samPerGroup() {
        return sgdGr().withMethod(new Grouped(new Sam(0.05), 8));
    }

    @Test
    void aRunInterruptedMidEpochAndResumedEndsBitIdentical() {
        for (TrainConfig cfg : new TrainConfig[] {sgdGr(), adamSam(), scheduledEveryReuse(), followLrSamEvery(), fsamFollowLr(), lookSam(),
                wsamClipped(), samPerGroup()}) {
            Trainer whole = new Trainer(net(1), Loss.CROSS_ENTROPY, cfg);
            List<EpochMetrics> expected = whole.fit(train, test, Trainer.Listener.NONE);

            Trainer first = new Trainer(net(1), Loss.CROSS_ENTROPY, cfg);
            first.fit(train, test, new Trainer.Listener() {
                @Override
                public void onStep(long step, long total, int epoch, double loss) {
                    if (step == 17) { // 7 steps per epoch: the third epoch, after 3 of its batches
                        first.requestStop();
                    }
                }
            });
            assertTrue(first.stopped());
            assertEquals(17, first.stepCount());
            Path file = tmp.resolve("checkpoint.pt");
            Checkpoint.save(first, file);

            // A fresh process would build the model from the seed; a different seed proves the checkpoint overrides it.
            Trainer resumed = new Trainer(net(2), Loss.CROSS_ENTROPY, cfg);
            Trainer.Position p = Checkpoint.load(resumed, file);
            assertEquals(17, p.step());
            assertEquals(2, p.epoch());
            assertEquals(3, p.stepInEpoch());
            List<EpochMetrics> got = resumed.fit(train, test, Trainer.Listener.NONE);

            assertArrayEquals(whole.net().params().toDoubles(), resumed.net().params().toDoubles(), 0.0, cfg.method().describe());
            if (whole.kept() != null) {
                assertArrayEquals(whole.kept().toDoubles(), resumed.kept().toDoubles(), 0.0, "the kept state");
            }
            assertArrayEquals(TensorList.of(whole.net().buffers(true)).toDoubles(),
                    TensorList.of(resumed.net().buffers(true)).toDoubles(), 0.0, "batch-norm running statistics");
            assertEquals(expected.size(), got.size());
            for (int i = 0; i < expected.size(); i++) {
                EpochMetrics a = expected.get(i);
                EpochMetrics b = got.get(i);
                assertEquals(a.step(), b.step());
                assertEquals(a.trainLoss(), b.trainLoss(), 0.0);
                assertEquals(a.testAccuracy(), b.testAccuracy(), 0.0);
                assertEquals(a.batchLoss(), b.batchLoss(), 0.0, "epoch " + a.epoch() + ": the running sums survive the checkpoint");
            }
        }
    }

    @Test
    void withoutItsKeptComponentAResumedReuseRunWouldDiffer() {
        // the check above is only meaningful if the component matters: resume once with it dropped
        TrainConfig cfg = scheduledEveryReuse();
        Trainer whole = new Trainer(net(1), Loss.CROSS_ENTROPY, cfg);
        whole.fit(train, null, Trainer.Listener.NONE);
        Path file = checkpointAtStep17(cfg, "reuse.pt");
        Trainer resumed = new Trainer(net(2), Loss.CROSS_ENTROPY, cfg);
        Checkpoint.load(resumed, file);
        assertNotNull(resumed.kept());
        resumed.restoreKept(null);
        resumed.fit(train, null, Trainer.Listener.NONE);
        assertFalse(java.util.Arrays.equals(whole.net().params().toDoubles(), resumed.net().params().toDoubles()));
        GradregException e = assertThrows(GradregException.class, () -> Checkpoint.load(new Trainer(net(1), Loss.CROSS_ENTROPY, sgdGr()), file));
        assertEquals("this run keeps no state between steps, but the checkpoint has some (was it started with --reuse or --method fsam?)", e.getMessage());
    }

    @Test
    void withoutItsMovingAverageAResumedFsamRunWouldDifferAndACheckpointWithoutItIsRefused() {
        TrainConfig cfg = fsamFollowLr();
        Trainer whole = new Trainer(net(1), Loss.CROSS_ENTROPY, cfg);
        whole.fit(train, null, Trainer.Listener.NONE);
        Path file = checkpointAtStep17(cfg, "fsam.pt");
        Trainer resumed = new Trainer(net(2), Loss.CROSS_ENTROPY, cfg);
        Checkpoint.load(resumed, file);
        resumed.restoreKept(null); // as if the average were lost: the next step ascends along g as at step 0
        resumed.fit(train, null, Trainer.Listener.NONE);
        assertFalse(java.util.Arrays.equals(whole.net().params().toDoubles(), resumed.net().params().toDoubles()));
        // A checkpoint of a run that keeps nothing, past step 0, cannot resume a run that needs its state.
        Trainer plain = new Trainer(net(1), Loss.CROSS_ENTROPY, sgdGr());
        plain.fit(train, null, new Trainer.Listener() {
            @Override
            public void onStep(long step, long total, int epoch, double loss) {
                plain.requestStop();
            }
        });
        Path noState = tmp.resolve("plain.pt");
        Checkpoint.save(plain, noState);
        GradregException e = assertThrows(GradregException.class, () -> Checkpoint.load(new Trainer(net(1), Loss.CROSS_ENTROPY, cfg), noState));
        assertEquals(noState + ": the checkpoint has no state kept between steps, which this run needs after step 0 (was it written by a run"
                + " with other settings?)", e.getMessage());
    }

    @Test
    void aCheckpointOfAnotherModelOrACorruptFileIsRefusedWithAMessage() throws Exception {
        Trainer t = new Trainer(net(1), Loss.CROSS_ENTROPY, sgdGr());
        Path file = tmp.resolve("c.pt");
        Checkpoint.save(t, file);
        Engine.seed(1);
        Net wider = new Mlp(new int[] {8, 48, 32, 4}, Activation.TANH, 0.2, true).to(DType.FLOAT32);
        GradregException shape = assertThrows(GradregException.class,
                () -> Checkpoint.load(new Trainer(wider, Loss.CROSS_ENTROPY, sgdGr()), file));
        assertEquals(file + ": tensor '0.weight' is Float[32, 8], the model has Float[48, 8] (was the run started with other settings?)",
                shape.getMessage());

        Path cut = tmp.resolve("cut.pt");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        GradregException corrupt = assertThrows(GradregException.class, () -> Checkpoint.load(t, cut));
        assertTrue(corrupt.getMessage().startsWith(cut + ": not a readable checkpoint: "), corrupt.getMessage());
        assertEquals(1, corrupt.getMessage().lines().count());

        // a checkpoint before the first epoch ends has an empty history
        Trainer early = new Trainer(net(1), Loss.CROSS_ENTROPY, sgdGr());
        early.fit(train, null, new Trainer.Listener() {
            @Override
            public void onStep(long step, long total, int epoch, double loss) {
                early.requestStop();
            }
        });
        Checkpoint.save(early, file);
        Trainer.Position p = Checkpoint.load(new Trainer(net(3), Loss.CROSS_ENTROPY, sgdGr()), file);
        assertEquals(List.of(), p.history());
        assertEquals(1, p.step());

        GradregException missing = assertThrows(GradregException.class, () -> Checkpoint.load(t, tmp.resolve("none.pt")));
        assertEquals(tmp.resolve("none.pt") + ": no checkpoint to resume from", missing.getMessage());
        assertFalse(Files.exists(tmp.resolve(".c.pt.tmp")), "no temporary file is left behind");
    }

    /** A run of {@code cfg} stopped after step 17 and checkpointed to {@code name}. */
    private Path checkpointAtStep17(TrainConfig cfg, String name) {
        Trainer first = new Trainer(net(1), Loss.CROSS_ENTROPY, cfg);
        first.fit(train, null, new Trainer.Listener() {
            @Override
            public void onStep(long step, long total, int epoch, double loss) {
                if (step == 17) {
                    first.requestStop();
                }
            }
        });
        Path file = tmp.resolve(name);
        Checkpoint.save(first, file);
        return file;
    }
}
