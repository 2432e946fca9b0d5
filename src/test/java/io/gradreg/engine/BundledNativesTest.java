package io.gradreg.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Only the bundled natives are loaded, whatever libtorch the machine has (issue 21). A foreign
 * libtorch_cpu.so sits on LD_LIBRARY_PATH (Debian's python3-torch when installed, as CI installs it;
 * else a copy of the bundled one at another path, which the linker treats as another library).
 * A control child that lets JavaCPP load libtorch in its own order must see the foreign copy (or
 * crash, as it did in the issue): that proves the setup is adversarial. Then 50 children start
 * the engine as gradreg does, two at a time, some on a fresh JavaCPP cache, and none maps a
 * guarded library from outside the cache.
 */
class BundledNativesTest {
    static final Path DEBIAN = Path.of("/usr/lib/x86_64-linux-gnu/libtorch_cpu.so");
    static final int STARTS = 50;

    @TempDir
    Path tmp;

    @Test
    void guardedLibrariesOutsideTheCacheAreForeign() {
        Path cache = Path.of("/home/u/.javacpp/cache");
        Set<String> mapped = Set.of("/home/u/.javacpp/cache/pytorch/linux-x86_64/libtorch_cpu.so", "/usr/lib/x86_64-linux-gnu/libc10.so.1.13",
                "/opt/conda/lib/libtorch.so", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0",
                "/usr/lib/x86_64-linux-gnu/libopenblas.so.0", "/usr/lib/x86_64-linux-gnu/libdnnl.so.2.6", "/usr/local/cuda/lib64/libcudart.so.13");
        assertEquals(Set.of("/usr/lib/x86_64-linux-gnu/libc10.so.1.13", "/opt/conda/lib/libtorch.so", "/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0",
                "/usr/lib/x86_64-linux-gnu/libopenblas.so.0", "/usr/lib/x86_64-linux-gnu/libdnnl.so.2.6"), Natives.foreign(mapped, cache));
    }

    @Test
    void thisProcessMapsOnlyTheBundledLibtorch() {
        Engine.threads();
        Natives.requireBundled();
        assertTrue(Natives.mappedLibraries().stream().anyMatch(p -> p.endsWith("/libtorch_cpu.so")), "libtorch_cpu.so is mapped");
    }

    @Test
    void fiftyStartsBesideAForeignLibtorchLoadOnlyTheBundledOne() throws Exception {
        Path foreignDir = foreignLibtorchDir();
        Child control = start(foreignDir, null, true);
        String c = control.output();
        assertTrue(c.contains("foreign ") || control.exitCode() != 0,
                "the control (JavaCPP's own load order) should have mapped the foreign libtorch in " + foreignDir + ": " + c);
        int fresh = 0;
        for (int i = 0; i < STARTS; i += 2) {
            List<Child> pair = new ArrayList<>();
            for (int k = 0; k < 2; k++) {
                Path cache = i < 4 ? tmp.resolve("cache" + i) : null; // the first pair extracts into one fresh cache, concurrently
                fresh += cache != null ? 1 : 0;
                pair.add(start(foreignDir, cache, false));
            }
            for (Child ch : pair) {
                String out = ch.output();
                assertEquals(0, ch.exitCode(), "start with " + foreignDir + " on LD_LIBRARY_PATH: " + out);
                assertTrue(out.contains("bundled only"), out);
            }
        }
        assertEquals(4, fresh);
    }

    /** A directory holding a libtorch_cpu.so that is not the bundled one. */
    private Path foreignLibtorchDir() throws Exception {
        if (Files.isRegularFile(DEBIAN)) {
            return DEBIAN.getParent();
        }
        Path dir = Files.createDirectories(tmp.resolve("foreign"));
        Path bundled = Path.of(Loader.getCacheDir().getAbsolutePath()).resolve("pytorch-2.10.0-1.5.13-linux-x86_64.jar/org/bytedeco/pytorch/linux-x86_64");
        Files.copy(bundled.resolve("libtorch_cpu.so").toRealPath(), dir.resolve("libtorch_cpu.so"), StandardCopyOption.REPLACE_EXISTING);
        return dir;
    }

    record Child(Process process) {
        String output() throws Exception {
            String out = new String(process.getInputStream().readAllBytes());
            assertTrue(process.waitFor(300, TimeUnit.SECONDS), out);
            return out;
        }

        int exitCode() {
            return process.exitValue();
        }
    }

    private Child start(Path ldLibraryPath, Path cacheDir, boolean control) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xss8m"));
        if (cacheDir != null) {
            cmd.add("-Dorg.bytedeco.javacpp.cacheDir=" + cacheDir);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), NativesChild.class.getName(), control ? "control" : "engine"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(tmp.toFile()); // a crash report lands in tmp
        pb.environment().put("LD_LIBRARY_PATH", ldLibraryPath.toString());
        return new Child(pb.start());
    }
}
