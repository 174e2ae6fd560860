package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fdloop.internal.linux.ProcessCalls;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link EventLoop.Builder#timerSlack}: the loop thread's timer slack while it waits, read back
 * with prctl(PR_GET_TIMERSLACK) from inside handlers, and the thread's own slack given back.
 */
@ExtendWith(NoFdLeaks.class)
class LoopTimerSlackTest {

    @Test
    void theSlackIsSetForTheWaitsAndGivenBackAtClose() throws Exception {
        long own = ProcessCalls.timerSlack();
        List<Long> seen = new ArrayList<>();
        try (EventLoop loop = EventLoop.builder().timerSlack(Duration.ofNanos(1)).build()) {
            loop.schedule(Duration.ofMillis(2), t -> seen.add(ProcessCalls.timerSlack()));
            loop.run();
            assertThat(seen).as("the slack in the handler of a timer the loop waited for").containsExactly(1L);
            assertThat(ProcessCalls.timerSlack()).as("between run() calls it stays set").isEqualTo(1);
        }
        assertThat(ProcessCalls.timerSlack()).as("close() gives the thread its own slack back").isEqualTo(own);
    }

    @Test
    void withoutTheOptionTheThreadKeepsItsOwnSlack() throws Exception {
        long own = ProcessCalls.timerSlack();
        List<Long> seen = new ArrayList<>();
        try (EventLoop loop = EventLoop.open()) {
            loop.schedule(Duration.ofMillis(2), t -> seen.add(ProcessCalls.timerSlack()));
            loop.run();
        }
        assertThat(seen).containsExactly(own);
    }

    @Test
    void aStartedLoopSetsItsOwnThreadsSlackNotTheCallers() throws Exception {
        long own = ProcessCalls.timerSlack();
        List<Long> seen = new ArrayList<>();
        EventLoop loop = EventLoop.builder().timerSlack(Duration.ofNanos(7_000)).build();
        try {
            loop.schedule(Duration.ofMillis(2), t -> seen.add(ProcessCalls.timerSlack()));
            Thread thread = loop.start();
            thread.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(thread.isAlive()).as("the loop ended when its one timer had fired").isFalse();
        } finally {
            loop.close();
        }
        assertThat(seen).containsExactly(7_000L);
        assertThat(ProcessCalls.timerSlack()).as("the caller's thread never waited").isEqualTo(own);
    }

    @Test
    void aSlackOutsideOneNanosecondToOneSecondIsRefused() {
        for (Duration bad : List.of(Duration.ZERO, Duration.ofNanos(-1), Duration.ofMillis(1001))) {
            assertThatThrownBy(() -> EventLoop.builder().timerSlack(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("from 1 ns to 1 s, not " + bad);
        }
        assertThatThrownBy(() -> EventLoop.builder().timerSlack(null)).isInstanceOf(NullPointerException.class);
    }
}
