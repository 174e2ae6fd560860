package org.fdloop.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Programs the tests run: a compiler, a disassembler, a JVM of their own. A child's standard
 * output and error are appended to one file, and its input is /dev/null, so that no pipe joins it
 * to the test JVM.
 *
 * <p>That matters to {@link NoFdLeaks}: the JDK closes its end of a child's pipes on its process
 * reaper thread, after {@code waitFor()} has returned. It makes a pipe for standard error even
 * under {@code redirectErrorStream(true)} (the child merely never writes it), and a CI run once
 * caught that pipe still open at the end of a test class. Files are closed by {@code start()}.
 */
public final class ChildProcess {
    private ChildProcess() {}

    /** How a finished child ended, and everything it wrote to standard output and error. */
    public record Result(List<String> command, int exitCode, String output) {
        /** This result, after asserting that the child exited with status 0 (the message shows its output). */
        public Result succeeded() {
            assertThat(exitCode).as("%s exit status; it printed:\n%s", command, output).isZero();
            return this;
        }
    }

    /** Starts {@code command} with input from /dev/null and its output and errors appended to {@code output}. */
    public static Process start(List<String> command, Path output) throws IOException {
        ProcessBuilder.Redirect append = ProcessBuilder.Redirect.appendTo(output.toFile());
        return new ProcessBuilder(command)
                .redirectInput(new File("/dev/null"))
                .redirectOutput(append)
                .redirectError(append)
                .start();
    }

    /**
     * Runs {@code command} to its end; its output goes to a new file in {@code dir}. A child still
     * running after {@code patience} fails the test, and is killed.
     */
    public static Result run(List<String> command, Path dir, Duration patience) throws IOException, InterruptedException {
        Path output = Files.createTempFile(dir, "output", ".txt");
        Process child = start(command, output);
        try {
            assertThat(child.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS))
                    .as("%s ended within %s; it printed:\n%s", command, patience, Files.readString(output)).isTrue();
        } finally {
            stop(child);
        }
        return new Result(List.copyOf(command), child.exitValue(), Files.readString(output));
    }

    /** Kills {@code child} if it still runs, and waits (up to 10 s) until it is gone. */
    public static void stop(Process child) throws InterruptedException {
        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);
    }

    /**
     * The command that runs {@code main} in a JVM of its own, with this JVM's java and class path,
     * native access, then {@code jvmOptions}, then {@code args}.
     */
    public static List<String> java(List<String> jvmOptions, Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** The first executable called {@code name} on the PATH. */
    public static Optional<Path> onPath(String name) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .map(d -> Path.of(d, name)).filter(Files::isExecutable).findFirst();
    }
}
