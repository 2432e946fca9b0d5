package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.HostArrays;
import io.gradreg.io.Npz;
import io.gradreg.io.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gradreg launch: worker processes on loopback, equal to one process, and a worker that dies. */
class LaunchTest {
    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void data() {
        var d = Synthetic.blobs(90, 6, 3, 1.0, 1, DType.FLOAT64);
        data = tmp.resolve("d.npz");
        Npz.write(data, Map.of("x", HostArrays.toHost(d.x()), "y", HostArrays.toHost(d.y())));
    }

    static List<String> train(Path out, String epochs) {
        return new ArrayList<>(List.of("train", "--data", data.toString(), "--model", "mlp:6-16-3", "--method", "gr", "--second-order", "exact",
                "--dtype", "float64", "--momentum", "0.9", "--batch-size", "16", "--epochs", epochs, "--out", out.toString()));
    }

    @Test
    void twoWorkerProcessesEndAtTheWeightsOfOneProcess() {
        Path one = tmp.resolve("one");
        Path two = tmp.resolve("two");
        assertEquals(0, CliTest.run(train(one, "3").toArray(String[]::new)).code());
        List<String> launch = new ArrayList<>(List.of("launch", "--nproc", "2", "--"));
        launch.addAll(train(two, "3"));
        CliTest.Result r = CliTest.run(launch.toArray(String[]::new));
        assertEquals(0, r.code(), r.err() + r.out());
        var a = Safetensors.read(one.resolve("weights.safetensors"));
        var b = Safetensors.read(two.resolve("weights.safetensors"));
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toDoubleArray(), b.get(k).toDoubleArray(), 1e-10, k);
        }
    }

    @Test
    void aKilledWorkerStopsTheOthersWithinTheTimeoutAndResumeFinishes() throws Exception {
        Path run = tmp.resolve("killed");
        List<String> launch = new ArrayList<>(List.of("launch", "--nproc", "2", "--grace", "30", "--"));
        launch.addAll(train(run, "400"));
        launch.addAll(List.of("--dist-timeout", "10"));
        CompletableFuture<CliTest.Result> running = CompletableFuture.supplyAsync(() -> CliTest.run(launch.toArray(String[]::new)));
        Path metrics = run.resolve("metrics.jsonl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!(Files.exists(metrics) && Files.readAllLines(metrics).size() >= 2) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        Optional<ProcessHandle> rank1 = ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("--rank 1")).findFirst();
        assertTrue(rank1.isPresent(), "worker 1 is running");
        long t0 = System.nanoTime();
        rank1.get().destroyForcibly(); // SIGKILL: no goodbye, no checkpoint
        CliTest.Result r = running.get(120, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertNotEquals(0, r.code());
        assertTrue(seconds < 60, "the launch ended " + seconds + " s after the kill");
        assertTrue(Files.exists(run.resolve("checkpoint.pt")), "rank 0 keeps its last epoch's checkpoint");
        assertFalse(Files.exists(run.resolve("weights.safetensors")));

        List<String> again = new ArrayList<>(List.of("launch", "--nproc", "2", "--", "train", "--out", run.toString(), "--resume",
                "--epochs", "12"));
        CliTest.Result resumed = CliTest.run(again.toArray(String[]::new));
        assertEquals(0, resumed.code(), resumed.err() + resumed.out());
        assertTrue(Files.exists(run.resolve("weights.safetensors")));
    }
}
