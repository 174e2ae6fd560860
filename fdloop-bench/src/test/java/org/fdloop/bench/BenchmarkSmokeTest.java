package org.fdloop.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * A smoke run of the benchmarks: each runs for a moment in this JVM and produces a result.
 * It shows the harness works; the numbers mean nothing (see docs/BENCHMARKS.md for real runs).
 */
class BenchmarkSmokeTest {

    private static Collection<RunResult> smokeRun(Class<?> benchmark) throws Exception {
        return new Runner(new OptionsBuilder()
                .include(benchmark.getSimpleName())
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200))
                .shouldFailOnError(true)
                .build()).run();
    }

    @Test
    void eventFdBenchmarksRunAndReport() throws Exception {
        Collection<RunResult> results = smokeRun(EventFdBenchmark.class);

        assertThat(results).hasSize(2);
        for (RunResult r : results) {
            assertThat(r.getPrimaryResult().getScore()).as(r.getParams().getBenchmark()).isPositive();
        }
    }

    @Test
    void loopDispatchBenchmarksRunAndReport() throws Exception {
        Collection<RunResult> results = smokeRun(LoopDispatchBenchmark.class);

        assertThat(results).extracting(r -> r.getParams().getBenchmark().replaceAll(".*\\.", ""))
                .containsExactlyInAnyOrder("eventFdDispatch", "eventFdDispatch", "pollerFloor", "timerDispatch", "idleIteration");
        for (RunResult r : results) {
            assertThat(r.getPrimaryResult().getScore()).as(r.getParams().getBenchmark()).isPositive();
        }
    }

    @Test
    void pingPongRunsAndIsSummarizedBesideTheCLine() throws Exception {
        String line = LoopPingPong.run(2_000, 0, 10, "loop");

        assertThat(line).startsWith("fdloop_pingpong mode=loop fd=eventfd affinity=").contains(" rt=2000 ");
        assertThat(LoopPingPong.run(2_000, 0, 10, "loop-timed")).startsWith("fdloop_pingpong mode=loop-timed ").contains(" rt=2000 ");
        assertThat(LoopPingPong.runRaw(2_000, 0, 10)).startsWith("fdloop_pingpong mode=raw fd=eventfd affinity=").contains(" rt=2000 ");
        String summary = PingPongSummary.summarize(List.of(
                "# round=1 cmd=eventfd_pingpong -a 0,0",
                "eventfd_pingpong mode=epoll fd=eventfd affinity=same rt=2000 elapsed_s=0.010 rt_per_s=200000 ns_per_rt=5000.0"
                        + " vcsw_per_rt=1.11 ivcsw_per_rt=0.885",
                "# round=1 cmd=taskset -c 0 java ... LoopPingPong",
                line.replaceFirst("affinity=\\w+", "affinity=same")));
        assertThat(summary).contains("| same | fdloop loop | 200000 (200000..200000) |");
    }

    @Test
    void timerComparisonMeasuresEveryImplementation() throws Exception {
        String table = new TimerComparison(1_000, 100, null).run(1).markdown();

        for (String row : List.of("| schedule | fdloop |", "| cancel | ScheduledThreadPoolExecutor |", "| fire | HashedWheelTimer |")) {
            assertThat(table).contains(row);
        }
    }

    @Test
    void timerQueueABRunsEachBuildInAClassLoaderOfItsOwnAndComparesThemRoundByRound() throws Exception {
        java.nio.file.Path core = java.nio.file.Path.of(org.fdloop.EventLoop.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        var builds = new java.util.LinkedHashMap<String, java.nio.file.Path>();
        builds.put("base", core);
        builds.put("new", core);

        String tables = TimerQueueAB.run(builds, 1_000, 100, 2, 0);

        for (String row : List.of("| schedule | base |", "| cancel | new |", "| fire | new |", "| fire, % of base | new |")) {
            assertThat(tables).contains(row);
        }
    }

    @Test
    void echoComparisonRunsBothServersAndTabulatesThem() throws Exception {
        String table = new EchoComparison(4, 64, java.time.Duration.ofSeconds(1)).run(1, List.of(1, 2));

        for (String server : List.of("fdloop", "Netty epoll")) {
            assertThat(table).contains("| " + server + " | 1 | ").contains("| " + server + " | 2 | ");
        }
    }

    @Test
    void spawnBenchmarkObservesExitsThroughOnExitAndTheSummaryComparesThemWithWaitFor() throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            SpawnBenchmark.main(new String[] {"-m", "onexit", "-n", "5", "-w", "2", "/bin/true"});
            SpawnBenchmark.main(new String[] {"-m", "jdk", "-n", "5", "-w", "2", "/bin/true"});
        } finally {
            System.setOut(stdout);
        }
        List<String> lines = out.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.get(0)).matches("spawn-onexit n=5 start_p50_us=[\\d.]+ start_p99_us=[\\d.]+ exit_p50_us=[\\d.]+ exit_p99_us=[\\d.]+");
        String summary = SpawnSummary.summarize(lines);
        assertThat(summary).contains("| onExit ÷ waitFor() |").containsPattern("(?m)^\\| exit p50 \\| - \\| - \\| \\d+ .* \\| [\\d.]+ \\([\\d.]+\\.\\.[\\d.]+\\) \\|$");
    }

    @Test
    void executeComparisonMeasuresEveryImplementation() throws Exception {
        String table = new ExecuteComparison(1_000).run(1).markdown();

        for (String impl : List.of("fdloop", "ExecutorService", "Netty DefaultEventLoop", "Netty NioEventLoop")) {
            assertThat(table).contains("| task (first execute to last run) | " + impl + " |");
        }
    }

    @Test
    void signalLatencyRunsOnBothRoutesAndBothLoopThreadsAndIsSummarizedBesideTheCLines() throws Exception {
        String own = SignalLatency.run(org.fdloop.SignalRoute.NATIVE, 20, 50, 1, false);
        String main = SignalLatency.run(org.fdloop.SignalRoute.NATIVE, 20, 50, 1, true);
        String jvm = SignalLatency.run(org.fdloop.SignalRoute.JVM, 20, 0, 1, false);
        assertThat(own).startsWith("signal_latency mode=native loop_thread=own sig=SIGUSR1 samples=20 ").contains(" p50_us=");
        assertThat(main).startsWith("signal_latency mode=native loop_thread=main sig=SIGUSR1 samples=20 ").contains(" p50_us=");
        assertThat(jvm).startsWith("signal_latency mode=jvm loop_thread=own sig=SIGUSR1 samples=20 ").contains(" p99_us=");
        String jvmMain = SignalLatency.run(org.fdloop.SignalRoute.JVM, 20, 0, 1, true);
        assertThat(jvmMain).startsWith("signal_latency mode=jvm loop_thread=main sig=SIGUSR1 samples=20 ");
        java.util.List<String> lines = new java.util.ArrayList<>();
        // two rounds: the ratios are taken within each round, then the median and range over the rounds
        for (int round = 1; round <= 2; round++) {
            double k = round; // the second round's numbers are twice the first's, except fdloop on main's
            lines.addAll(java.util.List.of(
                    "# round=" + round + " cmd=taskset -c 0 signal_latency -n 20",
                    "signal_latency mode=signalfd sig=SIGUSR1 samples=20 gap_ms=2 p50_us=" + 10.0 * k + " p90_us=12.0 p99_us=20.0 max_us=30.0",
                    "# round=" + round + " cmd=taskset -c 0 signal_handler_pipe -n 20",
                    "signal_latency mode=handler-pipe taker=main sig=SIGUSR1 samples=20 gap_ms=2 p50_us=" + 16.0 * k + " p90_us=18.0 p99_us=25.0 max_us=30.0",
                    "# round=" + round + " cmd=taskset -c 0 signal_handler_pipe -d -n 20",
                    "signal_latency mode=handler-pipe taker=loop sig=SIGUSR1 samples=20 gap_ms=2 p50_us=" + 12.5 * k + " p90_us=18.0 p99_us=25.0 max_us=30.0",
                    "# round=" + round + " cmd=taskset -c 0 java ... SignalLatency -m native -t own",
                    own.replaceAll("p50_us=[0-9.]+", "p50_us=" + 20.0 * k),
                    "# round=" + round + " cmd=taskset -c 0 java ... SignalLatency -m native -t main",
                    main.replaceAll("p50_us=[0-9.]+", "p50_us=15.0"),
                    "# round=" + round + " cmd=taskset -c 0 java ... SignalLatency -m jvm -t own",
                    jvm.replaceAll("p50_us=[0-9.]+", "p50_us=" + 150.0 * k),
                    "# round=" + round + " cmd=taskset -c 0 java ... SignalLatency -m jvm -t main",
                    jvmMain.replaceAll("p50_us=[0-9.]+", "p50_us=" + 90.0 * k)));
        }
        String summary = SignalLatencySummary.summarize(lines);
        assertThat(summary).contains("| pinned (taskset -c 0) | fdloop, native handler, loop on its own thread | 30.0 (20.0..40.0) |")
                .contains("| pinned (taskset -c 0) | fdloop, native handler, loop on main | 15.0 (15.0..15.0) |")
                .contains("| pinned (taskset -c 0) | fdloop, JVM handler (sun.misc.Signal), loop on main | 135.0 (90.0..180.0) |")
                .contains("| pinned (taskset -c 0) | C: handler writes a pipe, loop thread takes the signal (-d) | 18.8 (12.5..25.0) |")
                // main ÷ signalfd: 1.5 and 0.75; the others the same in both rounds; JVM main ÷ native main: 6 and 12
                .contains("| pinned (taskset -c 0) | 1.13 (0.75..1.50) | 2.00 (2.00..2.00) | 0.90 (0.60..1.20) | 1.25 (1.25..1.25) "
                        + "| 9.00 (6.00..12.00) | 7.50 (7.50..7.50) |");
    }

    @Test
    void timerLatenessRunsBothWaysAndIsSummarizedBesideItsCPeers() throws Exception {
        long period = 2_000_000L;
        long[] loop = TimerLateness.loopTimer(period, 10, 1000, 1);
        long[] timerFd = TimerLateness.timerFd(period, 10, 1000, 0);
        assertThat(loop).hasSize(10);
        assertThat(java.util.Arrays.stream(loop).min().orElseThrow()).as("never before its deadline").isNotNegative();
        assertThat(timerFd).isNotEmpty();
        assertThat(java.util.Arrays.stream(timerFd).min().orElseThrow()).as("never before its expiry").isNotNegative();
        String ours = TimerLateness.line("fdloop-loop", 2000, 0, loop);
        assertThat(ours).startsWith("timerfd_jitter mode=fdloop-loop period_us=2000 slack_ns=50000 wakeups=10 late_p50_us=");
        String tight = TimerLateness.line("fdloop-loop", 2000, 1, loop);
        String summary = TimerLatenessSummary.summarize(java.util.List.of(
                "timerfd_jitter mode=pwait2 period_us=2000 slack_ns=50000 wakeups=10 late_p50_us=100.0 late_p90_us=120.0 "
                        + "late_p99_us=150.0 late_max_us=200.0 late_mean_us=110.0 overruns=0 missed=0 expiries=10 expected=10",
                ours.replaceAll("late_p50_us=[0-9.]+", "late_p50_us=150.0"),
                "timerfd_jitter mode=pwait2 period_us=2000 slack_ns=1 wakeups=10 late_p50_us=60.0 late_p90_us=70.0 "
                        + "late_p99_us=80.0 late_max_us=90.0 late_mean_us=65.0 overruns=0 missed=0 expiries=10 expected=10",
                tight.replaceAll("late_p50_us=[0-9.]+", "late_p50_us=66.0")));
        assertThat(summary).contains("| 2000 µs | fdloop: scheduleAtFixedRate | 150.0 (150.0..150.0) |")
                .contains("| 2000 µs | fdloop: scheduleAtFixedRate | C: epoll_pwait2 timeout | +50.0 | 1.50 |")
                .contains("| 2000 µs | fdloop: scheduleAtFixedRate, slack 1 ns | C: epoll_pwait2 timeout, slack 1 ns | +6.0 | 1.10 |");
    }
}
