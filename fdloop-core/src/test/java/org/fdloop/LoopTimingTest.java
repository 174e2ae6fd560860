package org.fdloop;

import static org.fdloop.testing.Ready.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import org.fdloop.fd.EventFd;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The loop's clock readings: timing off (the default) and on (EventLoop.Builder.timing(true)). */
@ExtendWith(NoFdLeaks.class)
class LoopTimingTest {

    @Test
    void byDefaultStatsCountHandlersAndTasksButTimeNothing() throws Exception {
        try (EventLoop loop = EventLoop.open(); EventFd e = EventFd.open()) {
            loop.onReadable(e, (s, ev) -> e.read()).named("counter");
            loop.execute(() -> { });
            for (int i = 0; i < 3; i++) {
                e.write(1);
                loop.runOnce(PATIENCE);
            }
            LoopStats stats = loop.stats();
            assertThat(stats.iterations()).isEqualTo(3);
            assertThat(stats.eventsDispatched()).as("three handler calls and one task").isEqualTo(4);
            assertThat(stats.handlerNanos()).isZero();
            assertThat(stats.waitNanos()).isZero();
            assertThat(Arrays.stream(stats.handlerHistogram()).sum()).isZero();
            assertThat(stats.slowestHandlerSource()).isNull();
        }
    }

    @Test
    void withTimingEachHandlerAndTaskIsTimedOnce() throws Exception {
        try (EventLoop loop = EventLoop.builder().timing(true).build(); EventFd e = EventFd.open()) {
            loop.onReadable(e, (s, ev) -> e.read()).named("counter");
            loop.execute(() -> { });
            e.write(1);
            loop.runOnce(PATIENCE);
            LoopStats stats = loop.stats();
            assertThat(stats.eventsDispatched()).isEqualTo(2);
            assertThat(Arrays.stream(stats.handlerHistogram()).sum()).isEqualTo(2);
            assertThat(stats.handlerNanos()).isPositive();
        }
    }

    @ParameterizedTest(name = "timing {0}")
    @ValueSource(booleans = {true, false})
    void fixedDelayCountsFromTheEndOfTheHandler(boolean timing) throws Exception {
        try (EventLoop loop = EventLoop.builder().timing(timing).build()) {
            long[] handlerEnd = new long[1];
            TimerSource timer = loop.scheduleWithFixedDelay(Duration.ZERO, Duration.ofMillis(1), t -> {
                long busyUntil = System.nanoTime() + 200_000; // a handler that takes a while
                while (System.nanoTime() < busyUntil) {
                    Thread.onSpinWait();
                }
                handlerEnd[0] = System.nanoTime();
            });
            loop.runOnce(PATIENCE);
            assertThat(handlerEnd[0]).as("the timer fired").isNotZero();
            assertThat(timer.deadlineNanos() - handlerEnd[0]).as("next deadline minus the end of the run")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(1).toNanos());
            timer.cancel();
        }
    }

    @ParameterizedTest(name = "timing {0}")
    @ValueSource(booleans = {true, false})
    void timerNeverFiresBeforeItsDeadline(boolean timing) throws Exception {
        try (EventLoop loop = EventLoop.builder().timing(timing).build()) {
            long[] firedAt = new long[1];
            TimerSource timer = loop.schedule(Duration.ofMillis(3), t -> firedAt[0] = System.nanoTime());
            long deadline = timer.deadlineNanos();
            loop.run(); // returns when the one-shot timer is done
            assertThat(firedAt[0]).as("the timer fired").isNotZero();
            assertThat(firedAt[0] - deadline).isNotNegative();
        }
    }
}
