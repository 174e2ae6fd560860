package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.fdloop.testing.ChildProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution archive (target/fdloop-VERSION.tar.gz), unpacked into an empty directory, runs the
 * tour through a symbolic link to its bin/fdloop, as an install into ~/.local would: with a PATH that
 * holds only the few tools the command and its child use (no Maven, no sources), and the JDK named by
 * JAVA_HOME.
 */
class DistributionIT {
    @TempDir
    Path dir;

    @Test
    void theUnpackedArchiveRunsTheTourWithoutMavenOrTheSources() throws Exception {
        Path archive = Path.of(System.getProperty("fdloop.dist"));
        assertThat(archive).as("the distribution archive, made by mvn package").isRegularFile();
        Path install = Files.createDirectory(dir.resolve("install"));
        ChildProcess.run(List.of("tar", "-xzf", archive.toString(), "-C", install.toString()), dir, Duration.ofMinutes(2))
                .succeeded();

        Path home;
        try (Stream<Path> top = Files.list(install)) {
            home = top.findFirst().orElseThrow();
        }
        assertThat(home.getFileName().toString()).startsWith("fdloop-");
        assertThat(home.resolve("bin/fdloop")).isExecutable();
        assertThat(home.resolve("LICENSE")).isRegularFile();
        assertThat(home.resolve("NOTICE")).isRegularFile();
        try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
            assertThat(lib.map(p -> p.getFileName().toString()))
                    .anyMatch(n -> n.startsWith("fdloop-cli")).anyMatch(n -> n.startsWith("fdloop-core"))
                    .anyMatch(n -> n.startsWith("picocli")).allMatch(n -> n.endsWith(".jar"))
                    .as("no test libraries").noneMatch(n -> n.startsWith("junit") || n.startsWith("assertj"));
        }
        try (Stream<Path> all = Files.walk(home)) {
            assertThat(all.map(Path::toString)).as("no sources or build files in the archive")
                    .noneMatch(p -> p.endsWith(".java") || p.endsWith("pom.xml"));
        }

        // a PATH with what bin/fdloop (bash, dirname, readlink) and the tour's child (sh, sleep, date) use, and the
        // installed command as ~/.local/bin/fdloop would be: a symbolic link
        Path tools = Files.createDirectory(dir.resolve("tools"));
        for (String tool : List.of("bash", "sh", "dirname", "readlink", "sleep", "date")) {
            Files.createSymbolicLink(tools.resolve(tool), which(tool));
        }
        Files.createSymbolicLink(tools.resolve("fdloop"), home.resolve("bin/fdloop"));
        Path work = Files.createDirectory(dir.resolve("work"));

        Path output = dir.resolve("tour.txt");
        ProcessBuilder tour = new ProcessBuilder(tools.resolve("bash").toString(), "-c", "fdloop tour --duration 2s")
                .directory(work.toFile())
                .redirectInput(new File("/dev/null"))
                .redirectOutput(output.toFile())
                .redirectErrorStream(true);
        Map<String, String> env = tour.environment();
        env.clear();
        env.put("PATH", tools.toString());
        env.put("HOME", work.toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("TMPDIR", System.getProperty("java.io.tmpdir"));
        Process process = tour.start();
        try {
            assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("the tour ended; it printed:\n%s", Files.readString(output)).isTrue();
        } finally {
            ChildProcess.stop(process);
        }
        String printed = Files.readString(output);
        assertThat(process.exitValue()).as("the tour's exit code; it printed:\n%s", printed).isZero();
        assertThat(printed).contains("fdloop tour: one epoll loop on thread", "eventfd", "child-exit", "files");
        assertThat(printed).containsPattern("(?m)^source +events +median +p99 +mechanism$");
        try (Stream<Path> left = Files.list(work)) {
            assertThat(left).as("what the tour left in its working directory").isEmpty();
        }
    }

    /** The first {@code tool} on this JVM's PATH. */
    private static Path which(String tool) {
        return Arrays.stream(System.getenv("PATH").split(File.pathSeparator)).map(d -> Path.of(d, tool))
                .filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new AssertionError(tool + " is not on PATH; the installed command's test needs it"));
    }
}
