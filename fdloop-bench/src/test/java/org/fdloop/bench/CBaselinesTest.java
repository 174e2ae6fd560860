package org.fdloop.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.fdloop.testing.ChildProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C programs the benchmarks compare fdloop with (src/main/c) build with gcc and print the lines
 * the summaries and {@code fdloop bench} read; and nothing in the project reads them, or anything
 * else, from outside the checkout.
 */
class CBaselinesTest {
    private static final Path MODULE_DIR = Path.of(System.getProperty("user.dir"));
    private static final Path SOURCES = MODULE_DIR.resolve("src/main/c");
    private static final Duration PATIENCE = Duration.ofMinutes(2);

    @TempDir
    static Path dir;

    @BeforeAll
    static void compileThemAll() throws Exception {
        assertThat(Arrays.stream(System.getenv("PATH").split(File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, "gcc"))))
                .as("gcc on PATH: the C baselines need it (Debian: apt-get install gcc)").isTrue();
        for (String program : List.of("eventfd_pingpong", "fd_scaling", "signal_latency", "signal_handler_pipe", "timerfd_jitter",
                "inotify_storm", "timer_heap")) {
            ChildProcess.run(List.of("gcc", "-O2", "-Wall", "-Wextra", "-pthread", "-o", dir.resolve(program).toString(),
                    SOURCES.resolve(program + ".c").toString()), dir, PATIENCE).succeeded();
        }
    }

    private static String run(String... command) throws Exception {
        List<String> line = new ArrayList<>(List.of(command));
        line.set(0, dir.resolve(command[0]).toString());
        return ChildProcess.run(line, dir, PATIENCE).succeeded().output();
    }

    @Test
    void eventfdPingPongPrintsWhatPingPongSummaryReads() throws Exception {
        String line = run("eventfd_pingpong", "-m", "epoll", "-f", "eventfd", "-n", "2000", "-w", "100", "-T", "5").strip();
        assertThat(line).matches("eventfd_pingpong mode=epoll fd=eventfd affinity=none rt=2000 elapsed_s=[\\d.]+ rt_per_s=\\d+ "
                + "ns_per_rt=[\\d.]+ vcsw_per_rt=[\\d.]+ ivcsw_per_rt=[\\d.]+");
        assertThat(run("eventfd_pingpong", "-f", "pipe", "-n", "500", "-w", "0", "-a", "0,0")).contains(" fd=pipe affinity=same rt=500 ");
        String summary = PingPongSummary.summarize(List.of("# round=1 cmd=eventfd_pingpong", line,
                "# round=1 cmd=java ... LoopPingPong", line.replace("eventfd_pingpong mode=epoll", "fdloop_pingpong mode=loop")
                        + " p10_batch_ns_per_rt=1000.0"));
        assertThat(summary).contains("| none | fdloop loop | ");
    }

    /** The storm of issue 19's file-event target: C, fdloop and WatchService each watch the same producer's files. */
    @Test
    void inotifyStormWatchersEachTakeEveryEventOfTheProducer() throws Exception {
        String pattern = "inotify_storm impl=%s files=300 events=600 lost=0 overflows=0 seconds=[\\d.]+ events_per_s=\\d+ "
                + "lag_p50_us=[\\d.]+ lag_p99_us=[\\d.]+";
        Path storm = Files.createDirectories(dir.resolve("storm"));
        System.setProperty("jdk.nio.file.WatchService.maxEventsPerPoll", "65536"); // as the benchmark runs it: 512 overflows
        String producer = dir.resolve("inotify_storm").toString();
        assertThat(run("inotify_storm", "watch", storm.toString(), "300", dir.resolve("times-c").toString()).strip())
                .matches(pattern.formatted("c"));
        for (String impl : List.of("fdloop", "watchservice")) {
            java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
            java.io.PrintStream out = System.out;
            System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            try {
                InotifyStorm.main(new String[] {impl, producer, storm.toString(), "300", dir.resolve("times-" + impl).toString()});
            } finally {
                System.setOut(out);
            }
            assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8).strip()).matches(pattern.formatted(impl));
        }
    }

    @Test
    void fdScalingPrintsWhatFdloopBenchReads() throws Exception {
        String output = run("fd_scaling", "-n", "10,100", "-m", "select,poll,epoll", "-t", "0.02");
        for (String method : List.of("select", "poll", "epoll")) {
            for (int n : List.of(10, 100)) {
                // BenchCommand's pattern: method=(\w+) .* n=(\d+) .* ns_per_iter=([\d.]+)
                assertThat(output).containsPattern("(?m)^fd_scaling method=" + method + " .* n=" + n + " .* ns_per_iter=[\\d.]+$");
            }
        }
    }

    @Test
    void signalProgramsPrintWhatSignalLatencySummaryReads() throws Exception {
        List<String> lines = List.of(
                "# round=1 cmd=signal_latency", run("signal_latency", "-n", "20", "-w", "5", "-g", "1").strip(),
                "# round=1 cmd=signal_handler_pipe", run("signal_handler_pipe", "-n", "20", "-w", "5", "-g", "1").strip(),
                "# round=1 cmd=signal_handler_pipe -d", run("signal_handler_pipe", "-d", "-n", "20", "-w", "5", "-g", "1").strip());
        assertThat(lines.get(1)).startsWith("signal_latency mode=signalfd sig=SIGUSR1 samples=20 ").contains(" p50_us=", " p99_us=");
        assertThat(SignalLatencySummary.summarize(lines)).contains("| C: signalfd in epoll | ",
                "| C: handler writes a pipe, main thread takes the signal | ",
                "| C: handler writes a pipe, loop thread takes the signal (-d) | ");
    }

    @Test
    void timerfdJitterPrintsWhatTimerLatenessSummaryReads() throws Exception {
        List<String> lines = List.of(
                "# round=1 cmd=timerfd_jitter -m pwait2", run("timerfd_jitter", "-m", "pwait2", "-p", "1000", "-d", "0.05").strip(),
                "# round=1 cmd=timerfd_jitter -m pwait2 -s 1", run("timerfd_jitter", "-m", "pwait2", "-p", "1000", "-d", "0.05", "-s", "1").strip(),
                "# round=1 cmd=timerfd_jitter -m epoll", run("timerfd_jitter", "-m", "epoll", "-p", "1000", "-d", "0.05").strip());
        assertThat(lines.get(1)).matches("timerfd_jitter mode=pwait2 period_us=1000 slack_ns=\\d+ wakeups=\\d+ late_p50_us=[\\d.]+ .*");
        assertThat(lines.get(3)).contains(" slack_ns=1 ");
        assertThat(TimerLatenessSummary.summarize(lines)).contains("C: epoll_pwait2 timeout", "C: timerfd in epoll");
    }

    @Test
    void timerHeapPrintsWhatTimerComparisonReadsAndIsComparedWithTheJvmTimers() throws Exception {
        assertThat(run("timer_heap", "-m", "1000", "-f", "100", "-r", "1"))
                .containsPattern("(?m)^timers impl=C-4-heap round=1 schedule_ns=[\\d.]+ cancel_ns=[\\d.]+ fire_ns=[\\d.]+$");
        String table = new TimerComparison(1_000, 100, dir.resolve("timer_heap").toString()).run(1).markdown();
        for (String metric : List.of("schedule", "cancel", "fire")) {
            assertThat(table).contains("| " + metric + " | C 4-ary heap (timer_heap.c) |",
                    "| " + metric + " | ScheduledThreadPoolExecutor(removeOnCancel=false) |");
        }
    }

    @Test
    void nothingReadsAPathOutsideTheCheckout() throws Exception {
        Path root = MODULE_DIR.getParent();
        List<Path> files = new ArrayList<>();
        for (String top : List.of("fdloop-core", "fdloop-cli", "fdloop-bench", ".ci")) {
            try (Stream<Path> walk = Files.walk(root.resolve(top))) {
                walk.filter(Files::isRegularFile).filter(f -> !f.startsWith(root.resolve(top).resolve("target")))
                        .filter(f -> !f.equals(MODULE_DIR.resolve("src/test/java/org/fdloop/bench/CBaselinesTest.java")))
                        .forEach(files::add);
            }
        }
        files.addAll(List.of(root.resolve("pom.xml"), root.resolve("fdloop")));
        List<String> outside = new ArrayList<>();
        for (Path file : files) {
            String text = Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1);
            for (String path : List.of("../shared", "/work/shared")) {
                if (text.contains(path)) {
                    outside.add(root.relativize(file) + " names " + path);
                }
            }
        }
        assertThat(outside).as("files that name a path outside the checkout").isEmpty();
    }
}
