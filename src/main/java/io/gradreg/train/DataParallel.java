package io.gradreg.train;

import io.gradreg.GradregException;
import io.gradreg.engine.TensorList;
import io.gradreg.engine.Tensors;
import io.gradreg.method.Reducer;
import java.time.Duration;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;

/**
 * A data-parallel worker's link to the others, on libtorch's own c10d: rendezvous through a
 * {@code TCPStore} served by rank 0 at the master address, sums by Gloo all-reduce. Every
 * collective has a timeout, so a worker that dies or a master that is unreachable ends the
 * others with a message instead of a hang.
 */
public final class DataParallel implements Reducer {
    /**
     * The process group takes shared ownership of the store (c10's intrusive pointer), so letting
     * the garbage collector run JavaCPP's deallocators on them would free the store twice. A
     * group lives as long as its process anyway: they are kept here and never collected.
     */
    private static final java.util.List<Object> KEEP_ALIVE = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    private final int rank;
    private final int world;
    private final Milliseconds timeout;
    private final TCPStore store;
    private final ProcessGroupGloo group;

    private DataParallel(int rank, int world, Milliseconds timeout, TCPStore store, ProcessGroupGloo group) {
        this.rank = rank;
        this.world = world;
        this.timeout = timeout;
        this.store = store;
        this.group = group;
    }

    /**
     * Joins the group of {@code world} workers whose rank 0 listens on {@code host:port}. Blocks
     * until all have joined, at most {@code timeout}.
     */
    public static DataParallel connect(String host, int port, int rank, int world, Duration timeout) {
        return connect(host, port, rank, world, timeout, null);
    }

    /**
     * As {@link #connect(String, int, int, int, Duration)}, and says on {@code log} (when not null)
     * where the master is and which interface Gloo binds to ({@link MasterRoute}): the master's
     * name is resolved here and the store is reached at that address, so every failure names the
     * address that was tried.
     */
    public static DataParallel connect(String host, int port, int rank, int world, Duration timeout, java.io.PrintWriter log) {
        if (world < 1 || rank < 0 || rank >= world) {
            throw new GradregException("rank must be in [0, world size), got rank " + rank + " of " + world);
        }
        quietC10dLog();
        MasterRoute route;
        try {
            route = MasterRoute.find(host, port, System.getenv());
        } catch (GradregException e) {
            throw new GradregException("data-parallel worker " + rank + ": " + e.getMessage(), e);
        }
        if (log != null) {
            log.printf("worker %d of %d: master %s; Gloo binds to %s%n", rank, world, route.master(), route.describeBindings());
            log.flush();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        if (rank == 0 && !route.masterIsLocal()) {
            throw new GradregException("data-parallel worker 0 serves the group's store, but the master address " + route.master()
                    + " is not an address of " + route.node() + ", where worker 0 runs; give --master an address of worker 0's machine");
        }
        if (rank > 0) {
            awaitStore(route, rank, timeout, deadline);
        }
        Milliseconds ms = new Milliseconds(timeout.toMillis());
        try {
            TCPStoreOptions o = new TCPStoreOptions();
            o.port((short) port);
            o.isServer(rank == 0);
            o.numWorkers(new SizeTPointer(1).put(world));
            o.waitWorkers(true);
            o.timeout(ms);
            TCPStore store = new TCPStore(route.address().getHostAddress(), o);
            ProcessGroupGloo.Options opts = ProcessGroupGloo.Options.create(ms);
            org.bytedeco.pytorch.gloo.Device[] devices = new org.bytedeco.pytorch.gloo.Device[route.bindings().size()];
            for (int i = 0; i < devices.length; i++) {
                MasterRoute.Binding b = route.bindings().get(i);
                devices[i] = route.fromEnv() ? ProcessGroupGloo.createDeviceForInterface(b.iface())
                        : ProcessGroupGloo.createDeviceForHostname(b.local().getHostAddress());
            }
            opts.devices(new GlooDeviceVector(devices));
            DataParallel dp = new DataParallel(rank, world, ms, store, new ProcessGroupGloo(store, rank, world, opts));
            KEEP_ALIVE.addAll(java.util.List.of(o, store, opts, dp.group));
            return dp;
        } catch (RuntimeException e) {
            throw new GradregException("data-parallel worker " + rank + " could not join the group at " + route.master()
                    + " within " + timeout.toSeconds() + " s: " + GradregException.firstLine(e), e);
        }
    }

    /**
     * Waits until something accepts a connection at the master's address and port, at most until
     * {@code deadline}. c10d's own client gives up only after a second full timeout (measured: 22 s
     * for a 10 s timeout), and says little about why; this says what the last attempt met.
     */
    private static void awaitStore(MasterRoute route, int rank, Duration timeout, long deadline) {
        java.net.InetSocketAddress at = new java.net.InetSocketAddress(route.address(), route.port());
        String last = "no answer";
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new GradregException("data-parallel worker " + rank + " could not join the group at " + route.master() + " within "
                        + timeout.toSeconds() + " s: " + last);
            }
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(at, (int) Math.max(1, Math.min(left / 1_000_000, 2000)));
                return;
            } catch (java.net.SocketTimeoutException e) {
                last = "no answer from " + route.address().getHostAddress() + " (its host is down, or packets to it are dropped)";
            } catch (java.net.NoRouteToHostException e) {
                last = "no route to host " + route.address().getHostAddress() + " (it does not answer on its network)";
            } catch (java.net.ConnectException e) {
                last = "connection refused: nothing listens on port " + route.port() + " at " + route.address().getHostAddress();
            } catch (java.io.IOException e) {
                last = e.getMessage();
            }
            try {
                Thread.sleep(Math.max(1, Math.min(200, (deadline - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GradregException("data-parallel worker " + rank + ": interrupted while joining the group at " + route.master());
            }
        }
    }

    private static boolean quiet;

    /**
     * c10d logs every failed connection attempt and timeout on stderr, each with a C++ stack trace
     * (dozens of lines), before the exception that gradreg turns into its one-line error says the
     * same. Below FATAL, c10's log is silenced from the first join on, unless TORCH_CPP_LOG_LEVEL
     * or GRADREG_DEBUG asks for it.
     */
    private static synchronized void quietC10dLog() {
        if (quiet || System.getenv("TORCH_CPP_LOG_LEVEL") != null || "1".equals(System.getenv("GRADREG_DEBUG"))) {
            return;
        }
        quiet = true;
        org.bytedeco.pytorch.global.torch.ParseCommandLineFlags(new int[] {2},
                new org.bytedeco.javacpp.PointerPointer<>("gradreg", "--caffe2_log_level=3"));
    }

    public int rank() {
        return rank;
    }

    public int world() {
        return world;
    }

    @Override
    public TensorList sum(TensorList local) {
        Tensor[] t = new Tensor[local.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = local.get(i);
        }
        allreduceInPlace(t);
        return local;
    }

    @Override
    public double sum(double local) {
        Tensor t = Tensors.fromDoubles(new double[] {local}, 1);
        allreduce(new TensorVector(t));
        return Tensors.toDoubles(t)[0];
    }

    /** Sums for synchronized batch norm ({@code nn} cannot see this class): one all-reduce per call. */
    public io.gradreg.nn.BatchSync batchSync() {
        return t -> allreduceInPlace(new Tensor[] {t});
    }

    /** Makes every worker's {@code tensors} equal to rank 0's (parameters at the start, so all workers start alike). */
    public void broadcastFromRankZero(TensorList tensors) {
        for (int i = 0; i < tensors.size(); i++) {
            if (rank != 0) {
                tensors.get(i).detach().zero_();
            }
        }
        sum(tensors);
    }

    /**
     * Replaces the floating-point {@code tensors} by their mean over workers (batch-norm running
     * statistics after a step); integer ones (batch counts) are equal on every worker already.
     */
    public void average(TensorList tensors) {
        java.util.List<Tensor> floats = new java.util.ArrayList<>();
        for (int i = 0; i < tensors.size(); i++) {
            if (!Tensors.isIntegral(tensors.get(i))) {
                floats.add(tensors.get(i));
            }
        }
        if (floats.isEmpty()) {
            return;
        }
        allreduceInPlace(floats.toArray(Tensor[]::new));
        for (Tensor t : floats) {
            t.detach().div_(new org.bytedeco.pytorch.Scalar((double) world));
        }
    }

    /**
     * Sums tensors of any shapes in one collective: c10d's all-reduce takes one tensor per device,
     * so they travel as one flat buffer (one round trip per call, not one per tensor).
     */
    private void allreduceInPlace(Tensor[] tensors) {
        if (tensors.length == 1) {
            allreduce(new TensorVector(tensors[0].detach()));
            return;
        }
        Tensor[] flat = new Tensor[tensors.length];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = tensors[i].detach().reshape(-1);
        }
        Tensor buffer = org.bytedeco.pytorch.global.torch.cat(new TensorVector(flat));
        allreduce(new TensorVector(buffer));
        long offset = 0;
        for (Tensor t : tensors) {
            long n = t.numel();
            t.detach().copy_(buffer.narrow(0, offset, n).view_as(t));
            offset += n;
        }
    }

    private void allreduce(TensorVector v) {
        try {
            Work w = group.allreduce(v);
            if (!w._wait(timeout)) {
                throw new GradregException("data-parallel worker " + rank + ": an all-reduce did not finish within "
                        + timeout.count() / 1000 + " s (a worker died or stalled); stopping");
            }
        } catch (GradregException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new GradregException("data-parallel worker " + rank + " lost contact with the others: " + GradregException.firstLine(e)
                    + " (--dist-timeout " + timeout.count() / 1000 + " s; a worker died, stalled or lost its network); stopping", e);
        }
    }
}
