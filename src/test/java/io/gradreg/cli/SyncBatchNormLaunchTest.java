package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.HostArrays;
import io.gradreg.io.Npz;
import io.gradreg.io.Safetensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** launch --nproc 2 -- train --sync-batchnorm: two worker processes on loopback end where one process ends, running statistics included. */
class SyncBatchNormLaunchTest {
    @TempDir
    Path tmp;

    @Test
    void twoWorkerProcessesWithSyncedBatchNormMatchOneProcess() {
        var d = Synthetic.blobs(90, 6, 3, 1.0, 1, DType.FLOAT64);
        Path data = tmp.resolve("d.npz");
        Npz.write(data, Map.of("x", HostArrays.toHost(d.x()), "y", HostArrays.toHost(d.y())));
        Path one = tmp.resolve("one");
        Path two = tmp.resolve("two");
        List<String> train = List.of("--model", "mlp:6-16-3", "--batchnorm", "--method", "sam", "--sync-batchnorm", "--dtype", "float64",
                "--momentum", "0.9", "--batch-size", "16", "--epochs", "2");
        List<String> single = new ArrayList<>(List.of("train", "--data", data.toString(), "--out", one.toString()));
        single.addAll(train);
        assertEquals(0, CliTest.run(single.toArray(String[]::new)).code());
        List<String> launch = new ArrayList<>(List.of("launch", "--nproc", "2", "--", "train", "--data", data.toString(), "--out", two.toString()));
        launch.addAll(train);
        CliTest.Result r = CliTest.run(launch.toArray(String[]::new));
        assertEquals(0, r.code(), r.err() + r.out());
        var a = Safetensors.read(one.resolve("weights.safetensors"));
        var b = Safetensors.read(two.resolve("weights.safetensors"));
        assertTrue(a.containsKey("1.running_var"));
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toDoubleArray(), b.get(k).toDoubleArray(), 1e-10, k);
        }
    }
}
