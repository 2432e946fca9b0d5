package io.gradreg.cli;

import io.gradreg.GradregException;
import io.gradreg.sweep.Worker;
import io.gradreg.train.Run;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gradreg launch --nproc N -- train ...}: N data-parallel workers on this machine, rank 0's
 * output on the console, the others' in log files. When one worker fails the others end through
 * their collective timeouts; any still running after a grace period are killed.
 */
@Command(name = "launch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Start N data-parallel train workers on this machine.", "Example: gradreg launch --nproc 2 -- train --data ... --out DIR"})
public final class LaunchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--nproc", required = true, description = "number of worker processes")
    int nproc;
    @Option(names = "--port", description = "rendezvous port on 127.0.0.1 (default: a free one)")
    Integer port;
    @Option(names = "--threads", description = "libtorch threads per worker (default: cores / nproc, at least 1)")
    Integer threads;
    @Option(names = "--grace", defaultValue = "90", description = "seconds to let the others stop after a worker fails (default: ${DEFAULT-VALUE})")
    int grace;
    @Parameters(arity = "1..*", paramLabel = "train ARGS", description = "the train command line, after --")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        PrintWriter log = spec.commandLine().getOut();
        if (nproc < 1) {
            throw new GradregException("--nproc must be >= 1, got " + nproc);
        }
        if (!command.get(0).equals("train")) {
            throw new GradregException("launch runs 'train' workers: gradreg launch --nproc N -- train ...");
        }
        for (String a : command) {
            if (List.of("--world-size", "--rank", "--master").contains(a)) {
                throw new GradregException(a + " is set by launch");
            }
        }
        int p = port != null ? port : freePort();
        int t = threads != null ? threads : Math.max(1, Runtime.getRuntime().availableProcessors() / nproc);
        List<Process> workers = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        for (int r = 0; r < nproc; r++) {
            List<String> cmd = Worker.command(Run.class, command.subList(1, command.size()).toArray(String[]::new));
            cmd.addAll(List.of("--world-size", String.valueOf(nproc), "--rank", String.valueOf(r), "--master", "127.0.0.1:" + p,
                    "--threads", String.valueOf(t)));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            if (r == 0) {
                pb.inheritIO();
                logs.add(null);
            } else {
                Path f = Files.createTempFile("gradreg-worker-" + r + "-", ".log");
                pb.redirectErrorStream(true).redirectOutput(f.toFile());
                logs.add(f);
            }
            workers.add(pb.start());
        }
        log.printf("launched %d workers on 127.0.0.1:%d (%d threads each); logs of ranks 1..%d: %s%n", nproc, p, t, nproc - 1,
                logs.size() > 1 ? logs.get(1).getParent() + "/gradreg-worker-*.log" : "-");
        log.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> workers.forEach(w -> w.toHandle().destroy())));
        int code = waitAll(workers);
        if (code != 0) {
            for (int r = 1; r < nproc; r++) {
                if (workers.get(r).exitValue() != 0) {
                    List<String> lines = Files.readAllLines(logs.get(r));
                    log.printf("worker %d: %s%n", r, lines.isEmpty() ? "exit code " + workers.get(r).exitValue() : lines.get(lines.size() - 1));
                }
            }
        }
        return code;
    }

    /** Waits for every worker; after the first failure, gives the rest {@link #grace} seconds, then kills them. */
    private int waitAll(List<Process> workers) throws InterruptedException {
        int code = 0;
        long deadline = Long.MAX_VALUE;
        while (true) {
            boolean running = false;
            for (Process w : workers) {
                if (w.isAlive()) {
                    running = true;
                } else if (w.exitValue() != 0 && code == 0) {
                    code = w.exitValue();
                    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(grace);
                }
            }
            if (!running) {
                return code;
            }
            if (System.nanoTime() > deadline) {
                workers.forEach(w -> w.destroyForcibly());
            }
            Thread.sleep(200);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new GradregException("cannot find a free port: " + e.getMessage());
        }
    }
}
