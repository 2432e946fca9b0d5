package io.gradreg.train;

import io.gradreg.data.Dataset;
import io.gradreg.data.Permutation;
import io.gradreg.method.Loss;
import io.gradreg.method.Oracle;
import io.gradreg.nn.Net;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;

/**
 * How a run cuts its data into steps: each epoch's sample order, each step's seed, this worker's
 * part of a batch, its micro-batches, and the unlabeled samples beside a batch. Everything derives
 * from the run's seed and the step index, never from state, so a resumed run, every worker and
 * every micro-batch see exactly what an uninterrupted single process would.
 */
final class Batches {
    private final TrainConfig cfg;
    private final DataParallel parallel;

    /** @param parallel this worker's group, or null in a single process */
    Batches(TrainConfig cfg, DataParallel parallel) {
        this.cfg = cfg;
        this.parallel = parallel;
    }

    /** The sample order of epoch {@code ep} (0-based) of {@code n} samples. */
    long[] order(long n, int ep) {
        return cfg.shuffle() ? Permutation.shuffled((int) n, new Random(mix(cfg.seed() + 31L * ep))) : Permutation.identity((int) n);
    }

    /** The seed of step {@code t}: every forward pass of the step starts from it. */
    long stepSeed(long t) {
        return mix(cfg.seed() * 0x9E3779B97F4A7C15L + t);
    }

    /** The seed of step {@code t}'s augmentation draws (apart from the libtorch seed of its passes). */
    long augmentSeed(long t) {
        return mix(stepSeed(t) ^ 0x5DEECE66DL);
    }

    /**
     * The unlabeled samples (of {@code u}) beside the labeled batch of step {@code t}: positions
     * t·B … t·B + n − 1 of an endless sequence of seeded permutations of the U unlabeled samples (a
     * fresh permutation per pass), so every unlabeled sample is used once per pass.
     */
    long[] unlabeledIndices(long t, int n, long u) {
        long[] idx = new long[n];
        long pass = -1;
        long[] perm = null;
        for (int j = 0; j < n; j++) {
            long q = t * cfg.batchSize() + j;
            if (q / u != pass) {
                pass = q / u;
                perm = Permutation.shuffled((int) u, new Random(mix(cfg.seed() * 0x2545F4914F6CDD1DL + 977 * pass + 1)));
            }
            idx[j] = perm[(int) (q % u)];
        }
        return idx;
    }

    /** This worker's contiguous part [from, to) of a batch of n (all of it in one process). */
    long[] workerPart(long n) {
        if (parallel == null) {
            return new long[] {0, n};
        }
        int r = parallel.rank();
        int w = parallel.world();
        return new long[] {n * r / w, n * (r + 1) / w};
    }

    /** Whether a step's batch is evaluated in one pass (one process, no accumulation). */
    boolean whole() {
        return parallel == null && cfg.accumulate() == 1;
    }

    /** The oracle of step {@code t}'s whole batch, with the unlabeled inputs {@code xu} (may be null). */
    Oracle oracle(Net net, Loss loss, Dataset batch, Tensor xu, long t) {
        return new Oracle(net, loss, batch.x(), batch.y(), stepSeed(t), stepSeed(t), xu);
    }

    /**
     * This worker's part of step {@code t}'s batch in {@code accumulate} contiguous micro-batches
     * (sizes differ by at most one), each with its own seed (per worker too), so dropout masks differ
     * between them as between batches; the batch seed (shared projections) stays the step's.
     */
    List<Oracle> shards(Net net, Loss loss, Dataset batch, Tensor xu, long t) {
        long[] part = workerPart(batch.size());
        Dataset mine = batch.slice(part[0], part[1]);
        Tensor xuMine = xu == null ? null : xu.narrow(0, part[0], part[1] - part[0]);
        int k = cfg.accumulate();
        long n = mine.size();
        long offset = parallel == null ? 0 : (long) parallel.rank() * k;
        List<Oracle> shards = new ArrayList<>();
        long from = 0;
        for (int i = 0; i < k && from < n; i++) {
            long to = from + (n - from) / (k - i);
            if (to > from) {
                Dataset p = mine.slice(from, to);
                Tensor pu = xuMine == null ? null : xuMine.narrow(0, from, to - from);
                shards.add(new Oracle(net, loss, p.x(), p.y(), mix(stepSeed(t) + offset + i), stepSeed(t), pu));
            }
            from = to;
        }
        return shards;
    }

    /** SplitMix64 finalizer: decorrelates nearby seeds. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
