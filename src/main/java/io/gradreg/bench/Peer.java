package io.gradreg.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gradreg.GradregException;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.InputPenalty;
import io.gradreg.method.Method;
import io.gradreg.method.Plain;
import io.gradreg.method.Sam;
import io.gradreg.method.SecondOrder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The PyTorch peer of {@code gradreg bench --peer}: {@code bench/torch_peer.py} run as a child
 * process that times one cell per request (JSON lines on its stdin and stdout), so gradreg's and
 * PyTorch's cells can alternate in one run. The Python interpreter is the first of
 * {@code $GRADREG_PYTHON}, {@code python3} on the PATH and {@code /usr/bin/python3} that imports torch.
 */
public final class Peer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final BufferedReader in;
    private final Writer out;
    private final JsonNode hello;

    private Peer(Process process) throws IOException {
        this.process = process;
        this.in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.out = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        String line = in.readLine();
        if (line == null) {
            throw new GradregException("the PyTorch peer exited before it was ready");
        }
        this.hello = JSON.readTree(line);
    }

    /** Why no peer could be started, or null if {@link #start} will work. */
    public record Found(String python, Path script, String problem) {}

    /** Finds a Python that imports torch and the peer script. */
    public static Found find() {
        List<String> candidates = new ArrayList<>();
        String env = System.getenv("GRADREG_PYTHON");
        if (env != null && !env.isBlank()) {
            candidates.add(env);
        }
        candidates.add("python3");
        candidates.add("/usr/bin/python3");
        return find(candidates);
    }

    /** Below this fraction of gradreg's own matmul peak the peer's BLAS is not a fair reference. */
    static final double SLOW_BLAS = 0.25;

    /**
     * A one-line warning when the peer's float32 matmul rate is far below gradreg's own peak, which
     * means PyTorch runs on the reference BLAS (Debian's python3-torch without libopenblas0-pthread:
     * about 6 GFLOP/s against 160-200), so every ratio against it would be meaningless; null otherwise.
     */
    public static String slowBlasWarning(double peerGflops, double ourPeakGflops) {
        if (peerGflops >= SLOW_BLAS * ourPeakGflops) {
            return null;
        }
        return String.format("warning: the PyTorch peer multiplies matrices at %.1f GFLOP/s, %.0f%% of gradreg's %.1f: it is on the reference BLAS,"
                + " so its times are no reference; install libopenblas0-pthread (apt-get install libopenblas0-pthread)",
                peerGflops, 100 * peerGflops / ourPeakGflops, ourPeakGflops);
    }

    /** Finds the peer script and the first of {@code candidates} (Python interpreters) that imports torch. */
    public static Found find(List<String> candidates) {
        Path script = script();
        if (script == null) {
            return new Found(null, null, "bench/torch_peer.py not found next to gradreg's classes or in the working directory");
        }
        for (String py : candidates) {
            if (importsTorch(py)) {
                return new Found(py, script, null);
            }
        }
        return new Found(null, script, "no python3 that imports torch (tried " + String.join(", ", candidates)
                + "); install the peer with: apt-get install python3-torch libopenblas0-pthread");
    }

    /** Starts the peer found by {@link #find}. */
    public static Peer start(Found f) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(f.python(), f.script().toString(), "--serve");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        return new Peer(pb.start());
    }

    /** "torch VERSION, BLAS config" as the peer reported it. */
    public String describe() {
        return "PyTorch " + hello.path("torch").asText() + " (" + hello.path("blas").asText() + ")";
    }

    /** True when the peer's BLAS is OpenBLAS (the reference BLAS is ~10x slower and no fair peer). */
    public boolean hasOpenBlas() {
        return hello.path("blas").asText().startsWith("OpenBLAS");
    }

    /** The peer's float32 n×n matmul speed: {"gflops_1_thread": .., "gflops_N_threads": .., "cores": N}. */
    public JsonNode peak(int n) throws IOException {
        return request(Map.of("op", "peak", "n", n));
    }

    /**
     * Median ms per step of {@code method} on {@code w} in PyTorch, best over its thread settings:
     * {"ms": .., "config": "BxI", "by_config": {..}}; null when the peer has no such method.
     */
    public JsonNode time(Bench.Workload w, Method method, int steps, int warmup) throws IOException {
        Map<String, Object> spec = spec(method);
        if (spec == null) {
            return null;
        }
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("model", w.model());
        req.put("batch", w.batch());
        req.put("spec", spec);
        req.put("steps", steps);
        req.put("warmup", warmup);
        return request(req);
    }

    private JsonNode request(Map<String, Object> req) throws IOException {
        out.write(JSON.writeValueAsString(req));
        out.write('\n');
        out.flush();
        String line = in.readLine();
        if (line == null) {
            throw new GradregException("the PyTorch peer exited");
        }
        JsonNode r = JSON.readTree(line);
        if (r.has("error")) {
            throw new GradregException("the PyTorch peer failed: " + r.get("error").asText());
        }
        return r;
    }

    /**
     * The method's hyperparameters as the peer reads them (the peer implements exactly these
     * methods, with the semantics listed in its header), or null for a method it does not have.
     */
    static Map<String, Object> spec(Method m) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("lr", Bench.LR);
        if (m instanceof Plain) {
            s.put("kind", "plain");
        } else if (m instanceof GradientRegularization gr && !gr.normalized()) {
            s.put("kind", "gr");
            s.put("second_order", gr.secondOrder().toString());
            s.put("gamma", gr.gamma());
            s.put("eps", gr.eps());
        } else if (m instanceof Sam sam) {
            s.put("kind", "sam");
            s.put("rho", sam.rho());
        } else if (m instanceof InputPenalty ip && ip.projections() == 0 && peerHas(ip.kind(), ip.secondOrder())) {
            s.put("kind", ip.kind().name().toLowerCase());
            s.put("second_order", ip.secondOrder().toString());
            s.put("lambda", ip.lambda());
            s.put("delta", ip.delta());
        } else {
            return null;
        }
        return s;
    }

    /** The input penalties bench/torch_peer.py implements: doubleback exact and forward, spectreg exact. */
    private static boolean peerHas(InputPenalty.Kind kind, SecondOrder order) {
        return kind == InputPenalty.Kind.DOUBLEBACK && (order == SecondOrder.EXACT || order == SecondOrder.FORWARD)
                || kind == InputPenalty.Kind.SPECTREG && order == SecondOrder.EXACT;
    }

    @Override
    public void close() {
        try {
            out.close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroy();
            }
        } catch (IOException | InterruptedException e) {
            process.destroy();
        }
    }

    private static boolean importsTorch(String python) {
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** bench/torch_peer.py in the source tree that holds gradreg's classes (target/classes), or in the working directory. */
    private static Path script() {
        List<Path> roots = new ArrayList<>();
        try {
            Path classes = Path.of(Peer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = classes; p != null; p = p.getParent()) {
                roots.add(p);
            }
        } catch (Exception e) {
            // no code source (unusual class loader): the working directory still works
        }
        roots.add(Path.of("").toAbsolutePath());
        for (Path r : roots) {
            Path s = r.resolve("bench").resolve("torch_peer.py");
            if (Files.isRegularFile(s)) {
                return s;
            }
        }
        return null;
    }
}
