package io.gradreg.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.HostArrays;
import io.gradreg.io.Json;
import io.gradreg.io.Npz;
import io.gradreg.io.Safetensors;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    @TempDir
    static Path tmp;
    static Path npz;

    @BeforeAll
    static void data() {
        var d = Synthetic.blobs(60, 6, 3, 1.0, 1, DType.FLOAT32);
        npz = tmp.resolve("blobs.npz");
        Npz.write(npz, Map.of("x", HostArrays.toHost(d.x()), "y", HostArrays.toHost(d.y())));
    }

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void trainWritesACompleteRunDirectory() throws Exception {
        Path out = tmp.resolve("run");
        Result r = run("train", "--data", npz.toString(), "--model", "mlp:6-16-3", "--method", "gr", "--second-order", "exact",
                "--gamma", "0.1", "--epochs", "3", "--batch-size", "16", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        for (String f : new String[] {"config.json", "metrics.jsonl", "summary.json", "weights.safetensors", "loss.png", "accuracy.png"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        assertEquals(3, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        assertEquals("gr(exact, gamma=0.1)", Json.read(out.resolve("config.json")).get("method").asText());
        assertEquals(java.util.List.of("0.weight", "0.bias", "2.weight", "2.bias"),
                java.util.List.copyOf(Safetensors.read(out.resolve("weights.safetensors")).keySet()));
        // the weights load back into the same model
        Result again = run("train", "--data", npz.toString(), "--model", "mlp:6-16-3", "--epochs", "1",
                "--init-weights", out.resolve("weights.safetensors").toString(), "--out", tmp.resolve("run2").toString());
        assertEquals(0, again.code(), again.err());
    }

    @Test
    void badInputEndsInOneLineAndANonZeroExit() {
        String[][] cases = {
            {"gradreg: unknown method 'foo': expected one of " + io.gradreg.method.Methods.NAMES, "--method", "foo"},
            {"gradreg: learning rate must be a positive number, got -1.0", "--lr", "-1"},
            {"gradreg: eps (the finite-difference step) must be a positive number, got 0.0", "--method", "gr", "--eps", "0"},
            {"gradreg: unknown model 'vgg': expected mlp:D-H-...-K, lenet5, cnn, resnet, wrn:DEPTH-WIDTH, dln:D or twoparam", "--model", "vgg"},
            {"gradreg: Unknown option: '--bogus' (see 'gradreg train --help')", "--bogus"},
            {"gradreg: Invalid value for option '--lr': 'abc' is not a double (see 'gradreg train --help')", "--lr", "abc"},
            {"gradreg: batch size must be >= 1, got 0", "--batch-size", "0"},
            {"gradreg: dropout must be in [0, 1), got 1.5", "--dropout", "1.5"},
            {"gradreg: momentum must be in [0, 1), got 2.0", "--momentum", "2"},
            {"gradreg: delta (the finite-difference step) must be a positive number, got 0.0", "--method", "spectreg", "--delta", "0"},
            {"gradreg: unknown second order 'fancy': expected exact, forward, backward or central", "--second-order", "fancy"},
            {"gradreg: unknown optimizer 'rmsprop': expected sgd, adam or adamw", "--optimizer", "rmsprop"},
            {"gradreg: nesterov needs the sgd optimizer with momentum > 0", "--nesterov"},
            {"gradreg: give --epochs or --steps, not both", "--epochs", "2", "--steps", "3"},
            {"gradreg: model 'mlp:6-4' has 4 outputs, the data needs 3 (one per class, or the width of the targets)", "--model", "mlp:6-4"},
            {"gradreg: model 'twoparam' takes 1 input values per sample, the data has 6 [6]", "--model", "twoparam"},
            {"gradreg: --test-size 5 given but " + npz + " has no test split (add --test-data PATH)", "--test-size", "5"},
        };
        for (String[] c : cases) {
            String[] args = new String[c.length - 1 + 5];
            args[0] = "train";
            args[1] = "--data";
            args[2] = npz.toString();
            args[3] = "--out";
            args[4] = tmp.resolve("bad").toString();
            System.arraycopy(c, 1, args, 5, c.length - 1);
            boolean hasModel = java.util.Arrays.asList(args).contains("--model");
            if (!hasModel) {
                args = java.util.Arrays.copyOf(args, args.length + 2);
                args[args.length - 2] = "--model";
                args[args.length - 1] = "mlp:6-3";
            }
            Result r = run(args);
            assertEquals(2, r.code(), c[0]);
            assertEquals(c[0], r.err().strip());
        }
        Result missing = run("train", "--data", tmp.resolve("nope.npz").toString(), "--model", "mlp:6-3");
        assertEquals(2, missing.code());
        assertEquals("gradreg: " + tmp.resolve("nope.npz") + ": no such file or directory", missing.err().strip());
    }

    @Test
    void weightsThatDoNotFitAndCorruptDataAreRejected() throws Exception {
        Path out = tmp.resolve("small");
        assertEquals(0, run("train", "--data", npz.toString(), "--model", "mlp:6-8-3", "--epochs", "1", "--out", out.toString()).code());
        Result wrong = run("train", "--data", npz.toString(), "--model", "mlp:6-16-3", "--epochs", "1",
                "--init-weights", out.resolve("weights.safetensors").toString(), "--out", tmp.resolve("w").toString());
        assertEquals(2, wrong.code());
        assertEquals("gradreg: " + out.resolve("weights.safetensors") + ": tensor '0.weight' has shape [8, 6], the model needs [16, 6]",
                wrong.err().strip());
        Path corrupt = tmp.resolve("corrupt.npz");
        byte[] bytes = Files.readAllBytes(npz);
        Files.write(corrupt, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Result bad = run("train", "--data", corrupt.toString(), "--model", "mlp:6-3", "--out", tmp.resolve("c").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("gradreg: " + corrupt), bad.err());
        assertEquals(1, bad.err().strip().lines().count(), "one line: " + bad.err());
        assertFalse(Files.exists(tmp.resolve("c").resolve("weights.safetensors")));
    }
}
