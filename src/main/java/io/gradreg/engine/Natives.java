package io.gradreg.engine;

import io.gradreg.GradregException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas;

/**
 * Loads the bundled libtorch natives, and only those, whatever libtorch the machine has (Debian's
 * {@code python3-torch} in /usr/lib, a conda or pip libtorch on {@code LD_LIBRARY_PATH}).
 *
 * <p>Why (docs/design.md, "Only the bundled natives"): JavaCPP loads {@code libtorch.so} before
 * {@code libtorch_cpu.so}, so the dynamic linker resolves libtorch.so's dependency on
 * {@code libtorch_cpu.so} by searching, and {@code LD_LIBRARY_PATH} comes before the bundled
 * library's own directory; on a fresh cache it may also not be extracted yet, and then the system's
 * copy is found. A second libtorch mapped beside ours crashed the JVM in {@code pthread_mutex_lock}.
 * Loading the family in dependency order by absolute path makes every later lookup find the
 * already-loaded library by its soname first. {@link #requireBundled()} then checks
 * {@code /proc/self/maps} and refuses, in one line, a process where a foreign copy got in anyway.
 */
public final class Natives {
    /** The libtorch family in dependency order (each needs only the ones before it, OpenBLAS and the C/C++ runtime). */
    static final List<String> TORCH_FAMILY = List.of("libgomp.so.1", "libc10.so", "libtorch_cpu.so", "libtorch.so");
    /** Libraries that must come from JavaCPP's cache, never from elsewhere. */
    static final Pattern GUARDED = Pattern.compile("lib(torch[a-z_]*|c10[a-z_]*|gomp|openblas[a-z_]*|dnnl|mkldnn|jnitorch)\\.so[.0-9]*");
    private static final String RESOURCE_DIR = "org/bytedeco/pytorch/" + Loader.getPlatform() + "/";
    private static boolean loaded;

    private Natives() {}

    /** Sets glibc's malloc ({@link NativeHeap}), loads OpenBLAS, then the libtorch family from the bundled jar, then checks the mappings. Idempotent. */
    public static synchronized void load() {
        if (loaded) {
            return;
        }
        NativeHeap.tune(); // before libtorch allocates: per-step activations must not come back as fresh pages
        Loader.load(openblas.class); // libtorch_cpu.so needs libopenblas.so.0: the bundled one must come first
        for (String lib : TORCH_FAMILY) {
            File f;
            try {
                f = Loader.cacheResource(org.bytedeco.pytorch.global.torch.class, RESOURCE_DIR + lib);
            } catch (IOException e) {
                throw new GradregException("cannot extract the bundled " + lib + ": " + e.getMessage());
            }
            if (f == null) {
                throw new GradregException("the bundled " + lib + " is missing from the classpath (org.bytedeco:pytorch linux-x86_64 natives)");
            }
            System.load(f.getAbsolutePath());
        }
        Loader.load(org.bytedeco.pytorch.global.torch.class);
        // NNPACK needs instructions these CPUs lack: libtorch would try it at the first convolution
        // and print "Could not initialize NNPACK! Reason: Unsupported hardware." once per process.
        // oneDNN (or ATen's own kernels) serve every convolution here, so it is never asked for.
        org.bytedeco.pytorch.global.torch.globalContext().setUserEnabledNNPACK(false);
        loaded = true;
        requireBundled();
    }

    /** Fails in one line, naming the library, when a guarded library is mapped from outside JavaCPP's cache. */
    public static void requireBundled() {
        Path cache;
        try {
            cache = Loader.getCacheDir().toPath().toRealPath(); // /proc/self/maps shows resolved paths
        } catch (IOException e) {
            throw new GradregException("JavaCPP's cache directory is unreadable: " + e.getMessage());
        }
        Set<String> foreign = foreign(mappedLibraries(), cache);
        if (!foreign.isEmpty()) {
            throw new GradregException("a foreign " + String.join(", ", foreign) + " is loaded beside gradreg's bundled libtorch"
                    + " (LD_LIBRARY_PATH=" + System.getenv().getOrDefault("LD_LIBRARY_PATH", "") + "): remove its directory from"
                    + " LD_LIBRARY_PATH or LD_PRELOAD and start again");
        }
    }

    /** The paths of the shared libraries mapped into this process (empty where /proc is missing). */
    static Set<String> mappedLibraries() {
        Set<String> out = new LinkedHashSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash >= 0) {
                    out.add(line.substring(slash));
                }
            }
        } catch (IOException e) {
            // not Linux: nothing to check
        }
        return out;
    }

    /** The guarded libraries among {@code mapped} that do not lie under {@code cacheDir}. */
    static Set<String> foreign(Set<String> mapped, Path cacheDir) {
        Set<String> out = new LinkedHashSet<>();
        for (String p : mapped) {
            Path path = Path.of(p);
            if (GUARDED.matcher(path.getFileName().toString()).matches() && !path.startsWith(cacheDir)) {
                out.add(p);
            }
        }
        return out;
    }
}
