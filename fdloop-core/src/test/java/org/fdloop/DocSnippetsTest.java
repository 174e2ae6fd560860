package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.fdloop.testing.ChildProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code ```java} block of README.md and docs/*.md compiles as pasted, as a JDK 25 compact source
 * file with the imports it shows, against fdloop-core; and every such program runs to its end by
 * itself. A block whose info string says {@code fragment} ({@code ```java fragment}) is a few statements:
 * it is compiled as the body of a method in {@link #SKELETON}, whose fields name what fragments use
 * ({@code loop}, {@code dir}, {@code fd}, {@code tty}, {@code child}), and is not run.
 */
class DocSnippetsTest {
    private static final Path MODULE_DIR = Path.of(System.getProperty("user.dir"));
    private static final Path ROOT = MODULE_DIR.getParent();
    private static final Path CLASSES = MODULE_DIR.resolve("target/classes");
    /** Hang guards only: each program here ends in a few seconds. */
    private static final Duration COMPILE_PATIENCE = Duration.ofMinutes(5);
    private static final Duration RUN_PATIENCE = Duration.ofMinutes(2);

    /** What a fragment is compiled in: its code replaces {@code FRAGMENT}. */
    static final String SKELETON = """
            import org.fdloop.*;
            import org.fdloop.backend.*;
            import org.fdloop.device.*;
            import org.fdloop.fd.*;

            EventLoop loop;
            Path dir;
            Fd fd;
            DeviceFile tty;
            Process child;

            void fragment() throws Exception {
            FRAGMENT
            }

            void main() {
            }
            """;

    /** One {@code ```java} block: where it is, its info string after "java", its code. */
    record Snippet(Path doc, int line, String info, String code) {
        boolean fragment() {
            return List.of(info.split("\\s+")).contains("fragment");
        }

        /** The compact source file's class name, which is its file's: the doc and the block's first line. */
        String className() {
            String name = doc.getFileName().toString().replace(".md", "").replaceAll("[^A-Za-z0-9]", "_");
            return "Doc_" + name + "_" + line;
        }

        String source() {
            return fragment() ? SKELETON.replace("FRAGMENT", code.stripTrailing()) : code;
        }

        @Override
        public String toString() {
            return ROOT.relativize(doc) + ":" + line + (fragment() ? " (fragment)" : "");
        }
    }

    @TempDir
    static Path dir;

    private static List<Snippet> snippets;
    private static ChildProcess.Result javac;

    @BeforeAll
    static void compileEverySnippet() throws Exception {
        snippets = snippets();
        Path sources = Files.createDirectories(dir.resolve("src"));
        List<String> command = new ArrayList<>(List.of(CompactSourceImportTest.javac(), "-proc:none", "-implicit:none",
                "-cp", CLASSES.toString(), "-d", dir.resolve("classes").toString()));
        for (Snippet snippet : snippets) {
            Path file = sources.resolve(snippet.className() + ".java");
            Files.writeString(file, snippet.source());
            command.add(file.toString());
        }
        javac = ChildProcess.run(command, dir, COMPILE_PATIENCE);
    }

    /** The {@code ```java} blocks of README.md and docs/*.md, in file order. */
    static List<Snippet> snippets() throws Exception {
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
            docs.addAll(files.filter(f -> f.toString().endsWith(".md")).sorted().toList());
        }
        List<Snippet> found = new ArrayList<>();
        for (Path doc : docs) {
            List<String> lines = Files.readAllLines(doc);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (!line.startsWith("```java")) {
                    continue;
                }
                int start = i;
                StringBuilder code = new StringBuilder();
                for (i++; i < lines.size() && !lines.get(i).equals("```"); i++) {
                    code.append(lines.get(i)).append('\n');
                }
                assertThat(i).as("%s:%d: the java block is closed by a line of ```", doc, start + 1).isLessThan(lines.size());
                found.add(new Snippet(doc, start + 1, line.substring("```java".length()).strip(), code.toString()));
            }
        }
        return found;
    }

    @Test
    void theDocsHaveSnippetsOfBothKinds() {
        assertThat(snippets).as("the java blocks found").anyMatch(Snippet::fragment).anyMatch(s -> !s.fragment())
                .anyMatch(s -> s.doc().getFileName().toString().equals("README.md"));
    }

    @Test
    void everySnippetCompilesAsPasted() {
        StringBuilder where = new StringBuilder();
        for (Snippet snippet : snippets) {
            where.append(snippet.className()).append(".java is ").append(snippet).append('\n');
        }
        assertThat(javac.exitCode()).as("javac on every java block of the docs (a complete program as a compact "
                + "source file; a fragment inside DocSnippetsTest.SKELETON):\n%s\n%s", javac.output(), where).isZero();
    }

    @Test
    void everyCompleteProgramRunsToItsEnd() throws Exception {
        assertThat(javac.exitCode()).as("the snippets compiled (everySnippetCompilesAsPasted says why not)").isZero();
        List<String> failures = new ArrayList<>();
        for (Snippet snippet : snippets) {
            if (snippet.fragment()) {
                continue;
            }
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED",
                    "-cp", CLASSES + ":" + dir.resolve("classes"), snippet.className());
            ChildProcess.Result run = ChildProcess.run(command, dir, RUN_PATIENCE);
            if (run.exitCode() != 0) {
                failures.add(snippet + " exited with " + run.exitCode() + "; it printed:\n" + run.output());
            }
        }
        assertThat(failures).as("the docs' complete programs that failed").isEmpty();
    }
}
