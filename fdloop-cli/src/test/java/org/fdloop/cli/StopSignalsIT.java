package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.fdloop.fd.Fifo;
import org.fdloop.fd.Signal;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each stop signal (SIGINT, SIGTERM, SIGHUP), sent to each command in a storm of the events it
 * shows, ends it cleanly: its summary, exit 0, nothing on stderr but its own lines, no temporary
 * file or child process left; and a signal of the storm that comes after the summary does not
 * end the process in its stead (the handled signals stay handled until the exit).
 */
@ExtendWith(NoFdLeaks.class)
class StopSignalsIT {
    @TempDir
    Path dir;

    private static void assumeTakeable(String signal) throws Exception {
        if (signal.equals("INT")) {
            SignalsCommandIT.assumeInterruptNotIgnored();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM", "HUP"})
    void watch(String signal) throws Exception {
        assumeTakeable(signal);
        try (Cli cli = Cli.start("watch", "-r", dir.toString());
                Storm storm = Storm.start("files", i -> {
                    Path f = dir.resolve("f" + i % 50);
                    Files.deleteIfExists(f);
                    Files.createFile(f);
                })) {
            cli.awaitErr("watching 1 path");
            cli.awaitOut("CREATE");
            cli.kill(signal);
            assertThat(cli.exitCode()).as("%s", cli).isZero();
            assertThat(cli.errLines()).as("%s", cli).hasSize(2);
            assertThat(cli.errLines().getLast()).matches("fdloop watch: \\d+ events? in \\d+\\.\\d s(, \\d+ overflows?)? \\(SIG" + signal + "\\)");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM", "HUP"})
    void monitor(String signal) throws Exception {
        assumeTakeable(signal);
        Path fifo = dir.resolve("in");
        Fifo.create(fifo);
        try (Cli cli = Cli.start("monitor", fifo.toString())) {
            cli.awaitErr("waiting on 1 path");
            try (OutputStream writer = new FileOutputStream(fifo.toFile());
                    Storm storm = Storm.start("writes", i -> writer.write(("line " + i + "\n").getBytes(StandardCharsets.UTF_8)))) {
                cli.awaitOut("line");
                cli.kill(signal);
                assertThat(cli.exitCode()).as("%s", cli).isZero();
            }
            assertThat(cli.errLines()).as("%s", cli).hasSize(2);
            assertThat(cli.errLines().getLast()).matches("fdloop monitor: \\d+ bytes? in \\d+\\.\\d s \\(SIG" + signal + "\\)");
        }
    }

    /** The case of the issue: SIGRTMIN+2 kept coming after the summary and ended the process with exit 164. */
    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM", "HUP"})
    void signals(String signal) throws Exception {
        assumeTakeable(signal);
        try (Cli cli = Cli.start("signals", "RTMIN+2")) {
            cli.awaitOut("waiting for SIGRTMIN\\+2$");
            try (Storm storm = Storm.start("RTMIN+2", i -> Signal.realtime(2).queueToProcess(cli.pid(), (int) i))) {
                cli.awaitOut("SIGRTMIN\\+2 \\(");
                cli.kill(signal);
                assertThat(cli.exitCode()).as("%s", cli).isZero();
            }
            assertThat(cli.errLines()).as("%s", cli).hasSize(2);
            assertThat(cli.errLines().getLast()).matches("fdloop signals: \\d+ signals? received \\(ended by SIG" + signal + "\\)");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM", "HUP"})
    void device(String signal) throws Exception {
        assumeTakeable(signal);
        try (Cli cli = Cli.start("device", "--presses", "1000000", "--interval", "1ms")) {
            cli.awaitOut("#3 ");
            cli.kill(signal);
            assertThat(cli.exitCode()).as("%s", cli).isZero();
            assertThat(cli.outLines().getLast()).as("%s", cli).matches("\\d+ key events, none lost; latency .*\\(ended by SIG" + signal + "\\)");
            assertThat(cli.errLines()).as("%s", cli).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM", "HUP"})
    void tour(String signal) throws Exception {
        assumeTakeable(signal);
        try (Cli cli = Cli.start("tour", "--duration", "120s")) {
            Matcher header = cli.awaitOut("child (\\d+) feeds the pipe .* files change in (\\S+)$");
            long child = Long.parseLong(header.group(1));
            Path scratch = Path.of(header.group(2));
            cli.awaitOut(" pipe +from child");
            List<ProcessHandle> family = ProcessHandle.of(child).map(p -> Stream.concat(Stream.of(p), p.descendants()).toList())
                    .orElse(List.of());
            cli.kill(signal);
            assertThat(cli.exitCode()).as("%s", cli).isZero();
            assertThat(cli.outLines()).as("%s", cli).contains("(ended early by SIG" + signal + ")");
            assertThat(cli.outLines()).anyMatch(l -> l.startsWith("source         events"));
            assertThat(cli.errLines()).as("%s", cli).isEmpty();
            assertThat(scratch).as("the tour's temporary directory").doesNotExist();
            assertThat(family).as("the tour's child and what it started").noneMatch(ProcessHandle::isAlive);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM", "HUP"})
    void bench(String signal) throws Exception {
        assumeTakeable(signal);
        Path out = dir.resolve("report");
        boolean withC = BenchCommandIT.onPath("gcc"); // the C baselines fdloop carries
        List<Path> tempBefore = benchTempFiles();
        try (Cli cli = Cli.start("bench", "--quick", "--out", out.toString())) {
            // with gcc, while a C baseline builds or runs: it must not outlive the bench
            cli.awaitErr(withC ? "C baselines: eventfd_pingpong" : "\\[2/");
            List<ProcessHandle> children = ProcessHandle.of(cli.pid()).map(p -> p.descendants().toList()).orElse(List.of());
            cli.kill(signal);
            assertThat(cli.exitCode()).as("%s", cli).isZero();
            assertThat(cli.errLines().getLast()).as("%s", cli).isEqualTo("fdloop bench: ended by SIG" + signal
                    + "; the tables hold what was measured by then, and no report was written");
            assertThat(cli.errLines()).as("%s", cli).allMatch(l -> l.startsWith("fdloop bench: "));
            assertThat(cli.outLines()).as("%s", cli).anyMatch(l -> l.startsWith("Wake-up round trip"));
            assertThat(out.resolve("report.md")).doesNotExist();
            assertThat(children).as("the bench's children").noneMatch(ProcessHandle::isAlive);
            assertThat(benchTempFiles()).as("the bench's temporary files").isEqualTo(tempBefore);
        }
    }

    /** The bench's temporary files for a C baseline's output, in java.io.tmpdir (its default, /tmp). */
    private static List<Path> benchTempFiles() throws Exception {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(p -> p.getFileName().toString().startsWith("fdloop-bench-")).sorted().toList();
        }
    }
}
