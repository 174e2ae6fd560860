package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.fdloop.testing.ChildProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every exported type and member is documented: javadoc with every doclint group on (missing comments,
 * {@code @param}, {@code @return}, {@code @throws}, HTML, references) reports nothing for the module. The
 * javadoc jar itself is built leniently (the parent pom); this test is the check.
 */
class JavadocTest {
    private static final Path MODULE_DIR = Path.of(System.getProperty("user.dir"));

    @TempDir
    Path dir;

    @Test
    void theModulesJavadocHasNoDoclintWarnings() throws Exception {
        String javadoc = Path.of(System.getProperty("java.home"), "bin", "javadoc").toString();
        ChildProcess.Result run = ChildProcess.run(List.of(javadoc, "-quiet", "-Xdoclint:all", "-Xmaxwarns", "10000",
                "-Xmaxerrs", "10000", "-d", dir.resolve("api").toString(),
                "--module-source-path", "org.fdloop=" + MODULE_DIR.resolve("src/main/java"), "--module", "org.fdloop"),
                dir, Duration.ofMinutes(5));
        List<String> problems = run.output().lines().filter(l -> l.contains(": warning: ") || l.contains(": error: ")).toList();
        assertThat(problems).as("javadoc -Xdoclint:all on org.fdloop: document each of these (exit %d)", run.exitCode()).isEmpty();
        assertThat(run.exitCode()).as("javadoc's exit code; it printed:\n%s", run.output()).isZero();
    }
}
