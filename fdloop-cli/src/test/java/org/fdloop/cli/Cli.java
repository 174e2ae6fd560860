package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged fdloop command in a child JVM, started exactly as the ./fdloop launcher starts it
 * (target/fdloop-cli.jar and target/lib on the module path), with stdin from /dev/null. Its
 * stdout and stderr are read line by line as they come; tests wait for lines, never for time.
 */
final class Cli implements AutoCloseable {
    /** How long a test waits for a line or an exit that should come: generous, never a timing assertion. */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    private final Process process;
    private final Lines out;
    private final Lines err;
    private final List<String> command;

    private Cli(List<String> command, Path directory) throws IOException {
        this.command = command;
        this.process = new ProcessBuilder(command)
                .directory(directory == null ? null : directory.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        this.out = new Lines(process.getInputStream(), "stdout");
        this.err = new Lines(process.getErrorStream(), "stderr");
    }

    /** Starts {@code fdloop args...}. */
    static Cli start(String... args) throws IOException {
        return new Cli(command(args), null);
    }

    /** Starts {@code prefix... fdloop args...}: fdloop run by a command such as setpriv. */
    static Cli startAs(List<String> prefix, String... args) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(command(args));
        return new Cli(command, null);
    }

    /** Starts {@code fdloop args...} in {@code directory}, where its relative paths resolve. */
    static Cli startIn(Path directory, String... args) throws IOException {
        return new Cli(command(args), directory);
    }

    /**
     * Starts {@code fdloop args... | reader} in bash: stdout is what {@code reader} prints, stderr
     * is fdloop's, and the exit code is fdloop's ({@code PIPESTATUS[0]}). {@link #pid()} is bash's.
     */
    static Cli startPiped(String reader, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("bash", "-c", "\"$@\" | " + reader + "; exit \"${PIPESTATUS[0]}\"", "bash"));
        command.addAll(command(args));
        return new Cli(command, null);
    }

    /** Starts {@code command} (the ./fdloop launcher, say) in {@code directory}. */
    static Cli startCommandIn(Path directory, List<String> command) throws IOException {
        return new Cli(command, directory);
    }

    /** Runs {@code command} (the ./fdloop launcher, say) in {@code directory} to its end. */
    static Cli runCommandIn(Path directory, List<String> command) throws IOException, InterruptedException {
        Cli cli = new Cli(command, directory);
        try {
            cli.exitCode();
        } catch (AssertionError e) {
            cli.close(); // it did not end: nothing of it outlives the test
            throw e;
        }
        return cli;
    }

    /** The java command line of the packaged {@code fdloop args...}, as the launcher runs it. */
    static List<String> command(String... args) {
        String jar = property("fdloop.cli.jar");
        String lib = property("fdloop.cli.lib");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=org.fdloop", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                "-XX:+UnlockDiagnosticVMOptions", "-XX:AsyncDeflationInterval=0",
                "--module-path", jar + File.pathSeparator + lib, "-m", "org.fdloop.cli/org.fdloop.cli.Main"));
        command.addAll(List.of(args));
        return command;
    }

    /** Starts another program, such as inotifywait, to read its lines the same way. */
    static Cli startProgram(String... command) throws IOException {
        return new Cli(List.of(command), null);
    }

    /** Runs {@code fdloop args...} to its end. */
    static Cli run(String... args) throws IOException, InterruptedException {
        Cli cli = start(args);
        cli.exitCode();
        cli.out.join();
        cli.err.join();
        return cli;
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || !Files.exists(Path.of(value))) {
            fail("system property " + name + " (" + value + ") must name the packaged command: run these tests with "
                    + "mvn verify, which packages fdloop-cli first");
        }
        return value;
    }

    long pid() {
        return process.pid();
    }

    /** The first line on stdout from the last one matched on, that matches {@code regex}; waits for it. */
    Matcher awaitOut(String regex) throws InterruptedException {
        return out.await(Pattern.compile(regex), this);
    }

    /** The first line on stderr from the last one matched on, that matches {@code regex}; waits for it. */
    Matcher awaitErr(String regex) throws InterruptedException {
        return err.await(Pattern.compile(regex), this);
    }

    /** Sends {@code signal} (a kill(1) name: TERM, USR1) with kill, as a user would; returns kill's pid. */
    long kill(String signal) throws IOException, InterruptedException {
        return runKill("-" + signal, Long.toString(process.pid()));
    }

    /** Queues {@code signal} with {@code value} (kill -q VALUE -s SIGNAL, sigqueue(3)); returns kill's pid. */
    long killQueued(String signal, int value) throws IOException, InterruptedException {
        return runKill("-q", Integer.toString(value), "-s", signal, Long.toString(process.pid()));
    }

    private long runKill(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("kill"));
        command.addAll(List.of(args));
        Process kill = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        assertThat(kill.waitFor()).as("%s", command).isZero();
        return kill.pid();
    }

    /** Waits for the command to end and returns its exit code. */
    int exitCode() throws InterruptedException {
        if (!process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
            fail("fdloop did not end within " + PATIENCE.toSeconds() + " s\n" + this);
        }
        out.join();
        err.join();
        return process.exitValue();
    }

    List<String> outLines() {
        return out.all();
    }

    List<String> errLines() {
        return err.all();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
        out.join();
        err.join();
    }

    /** Whether the command is still running. */
    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public String toString() {
        return String.join(" ", command.subList(command.indexOf("-m") < 0 ? 0 : command.indexOf("-m") + 2, command.size()))
                + "\n--- stdout:\n" + String.join("\n", out.all()) + "\n--- stderr:\n" + String.join("\n", err.all());
    }

    /** One output stream, read to its end by a thread of its own. */
    private static final class Lines {
        private final List<String> lines = new ArrayList<>();
        private final Thread reader;
        private boolean ended;
        private int next;

        Lines(InputStream in, String name) {
            reader = Thread.ofPlatform().daemon().name("fdloop " + name).start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        synchronized (this) {
                            lines.add(line);
                            notifyAll();
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } finally {
                    synchronized (this) {
                        ended = true;
                        notifyAll();
                    }
                }
            });
        }

        synchronized Matcher await(Pattern pattern, Cli cli) throws InterruptedException {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (true) {
                for (; next < lines.size(); next++) {
                    Matcher m = pattern.matcher(lines.get(next));
                    if (m.find()) {
                        next++;
                        return m;
                    }
                }
                long left = deadline - System.nanoTime();
                if (ended || left <= 0) {
                    fail("no line matching " + pattern + (ended ? " before the stream ended" : " within " + PATIENCE.toSeconds()
                            + " s") + "\n" + cli);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        synchronized List<String> all() {
            return List.copyOf(lines);
        }

        void join() throws InterruptedException {
            reader.join(PATIENCE.toMillis());
        }
    }
}
