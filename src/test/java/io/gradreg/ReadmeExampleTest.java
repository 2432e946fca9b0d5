package io.gradreg;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's Java snippets are copied verbatim from the examples project (examples/), which CI
 * compiles and runs against the installed artifact: each snippet's lines appear, in order, in the
 * example file that the README links just before it. The README fits on a screen or two.
 */
class ReadmeExampleTest {
    static final Pattern SNIPPET = Pattern.compile("\\((examples/src/main/java/example/\\w+\\.java)\\)\\):?\\s*\\n+```java\\n(.*?)```",
            Pattern.DOTALL);

    @Test
    void everyJavaSnippetIsItsExampleVerbatim() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        Matcher m = SNIPPET.matcher(readme);
        int snippets = 0;
        while (m.find()) {
            snippets++;
            List<String> example = Files.readAllLines(Path.of(m.group(1)));
            int at = 0;
            for (String line : m.group(2).split("\n")) {
                int found = -1;
                for (int i = at; i < example.size(); i++) {
                    if (example.get(i).strip().equals(line.strip())) {
                        found = i;
                        break;
                    }
                }
                assertTrue(found >= 0, "README line not in " + m.group(1) + " (in order): " + line);
                at = found + 1;
            }
        }
        assertEquals(1, snippets, "the README's java snippets, each after a link to its example");
        assertEquals(0, readme.split("```java").length - 1 - snippets, "every java snippet comes from an example");
    }

    @Test
    void theReadmeIsShort() throws Exception {
        List<String> lines = new ArrayList<>(Files.readAllLines(Path.of("README.md")));
        assertTrue(lines.size() <= 150, "README has " + lines.size() + " lines");
    }
}
