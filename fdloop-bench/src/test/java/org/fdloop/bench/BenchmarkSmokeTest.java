package org.fdloop.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
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

    @Test
    void eventFdBenchmarksRunAndReport() throws Exception {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(EventFdBenchmark.class.getSimpleName())
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200))
                .shouldFailOnError(true)
                .build()).run();

        assertThat(results).hasSize(2);
        for (RunResult r : results) {
            assertThat(r.getPrimaryResult().getScore()).as(r.getParams().getBenchmark()).isPositive();
        }
    }
}
