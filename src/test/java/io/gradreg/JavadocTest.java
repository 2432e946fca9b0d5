package io.gradreg;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The API a library user touches is documented: every package has a package-info.java, and every
 * public type (top-level or nested) in method, train, nn, data, analysis and engine has a Javadoc
 * comment. (`mvn javadoc:javadoc`, run in CI with doclint, checks that the comments are well formed.)
 */
class JavadocTest {
    static final Path SRC = Path.of("src/main/java/io/gradreg");
    static final List<String> USER_PACKAGES = List.of("method", "train", "nn", "data", "analysis", "engine");
    static final Pattern PUBLIC_TYPE = Pattern.compile("^\\s*public\\s+(?:static\\s+)?(?:final\\s+|abstract\\s+|sealed\\s+)*(?:class|interface|record|enum)\\s+(\\w+)");

    @Test
    void everyPackageSaysWhatItIsFor() throws Exception {
        List<String> missing = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(SRC)) {
            for (Path d : dirs.filter(Files::isDirectory).sorted().toList()) {
                Path info = d.resolve("package-info.java");
                if (!Files.isRegularFile(info) || !Files.readString(info).contains("/**")) {
                    missing.add(d.getFileName().toString());
                }
            }
        }
        assertEquals(List.of(), missing, "packages without a documented package-info.java");
    }

    @Test
    void everyPublicTypeAUserTouchesHasAComment() throws Exception {
        List<String> missing = new ArrayList<>();
        for (String pkg : USER_PACKAGES) {
            try (Stream<Path> files = Files.list(SRC.resolve(pkg))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java") && !p.endsWith("package-info.java")).sorted().toList()) {
                    List<String> lines = Files.readAllLines(f);
                    for (int i = 0; i < lines.size(); i++) {
                        Matcher m = PUBLIC_TYPE.matcher(lines.get(i));
                        if (m.find() && !documented(lines, i)) {
                            missing.add(pkg + "/" + f.getFileName() + ": " + m.group(1));
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), missing, "public types without a Javadoc comment");
    }

    /** Whether the declaration at line {@code i} is preceded (past annotations and blank lines) by the end of a Javadoc comment. */
    static boolean documented(List<String> lines, int i) {
        for (int j = i - 1; j >= 0; j--) {
            String l = lines.get(j).strip();
            if (l.isEmpty() || l.startsWith("@")) {
                continue;
            }
            if (!l.endsWith("*/")) {
                return false;
            }
            for (int k = j; k >= 0; k--) {
                String c = lines.get(k).strip();
                if (c.startsWith("/**")) {
                    return true;
                }
                if (c.startsWith("/*")) {
                    return false;
                }
            }
            return false;
        }
        return false;
    }
}
