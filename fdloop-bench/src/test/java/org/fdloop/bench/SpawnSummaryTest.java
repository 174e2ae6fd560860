package org.fdloop.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The spawn table of docs/BENCHMARKS.md §8: medians over rounds, and ratios taken within each round. */
class SpawnSummaryTest {

    private static String line(String program, int startP50, int startP99, int exitP50, int exitP99) {
        return program + " n=1000 start_p50_us=" + startP50 + " start_p99_us=" + startP99 + " exit_p50_us=" + exitP50
                + " exit_p99_us=" + exitP99;
    }

    @Test
    void mediansOverRoundsAndRatiosWithinRounds() {
        String table = SpawnSummary.summarize(List.of(
                "# round=1 loadavg=0.5",
                line("spawn_pidfd", 100, 200, 400, 800),
                line("spawn-fdloop", 150, 300, 600, 1000),
                line("spawn-jdk", 300, 600, 900, 1500),
                "# round=2",
                line("spawn_pidfd", 200, 400, 500, 900),
                line("spawn-fdloop", 200, 300, 500, 900),
                line("spawn-jdk", 200, 900, 1000, 1800),
                "# round=3",
                line("spawn_pidfd", 100, 100, 400, 600),
                line("spawn-fdloop", 300, 500, 800, 1200),
                line("spawn-jdk", 600, 500, 800, 1200)));
        assertThat(table.lines()).containsExactly(
                "| µs, median over rounds (min..max) | C posix_spawn + pidfd | fdloop spawn | ProcessBuilder.start() "
                        + "| fdloop ÷ C | ProcessBuilder ÷ fdloop |",
                "|---|---:|---:|---:|---:|---:|",
                // fdloop ÷ C per round: 1.5, 1.0, 3.0 -> 1.50; jdk ÷ fdloop: 2.0, 1.0, 2.0 -> 2.00
                "| start p50 | 100 (100..200) | 200 (150..300) | 300 (200..600) | 1.50 (1.00..3.00) | 2.00 (1.00..2.00) |",
                "| start p99 | 200 (100..400) | 300 (300..500) | 600 (500..900) | 1.50 (0.75..5.00) | 2.00 (1.00..3.00) |",
                "| exit p50 | 400 (400..500) | 600 (500..800) | 900 (800..1000) | 1.50 (1.00..2.00) | 1.50 (1.00..2.00) |",
                "| exit p99 | 800 (600..900) | 1000 (900..1200) | 1500 (1200..1800) | 1.25 (1.00..2.00) | 1.50 (1.00..2.00) |");
    }

    @Test
    void aProgramWithNoRunShowsADash() {
        String table = SpawnSummary.summarize(List.of(line("spawn_pidfd", 100, 200, 400, 800)));
        assertThat(table.lines().skip(2).findFirst().orElseThrow()).isEqualTo("| start p50 | 100 (100..100) | - | - | - | - |");
    }

    @Test
    void aLineWithoutAFigureIsRefusedByName() {
        assertThatThrownBy(() -> SpawnSummary.summarize(List.of("spawn-fdloop n=1000 start_p50_us=150")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("spawn-fdloop n=1000 start_p50_us=150: no start_p99_us= (a run that failed or was cut short?"
                        + " remove the line or rerun)");
    }
}
