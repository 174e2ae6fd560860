package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.time.Instant;
import org.fdloop.internal.linux.Constants;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.EventCalls;
import org.fdloop.internal.linux.ThreadScratch;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoFdLeaks.class)
class TimerFdTest {

    @Test
    void oneShotRelativeTimerFiresExactlyOnce() throws Exception {
        try (TimerFd t = TimerFd.open(TimerFd.Clock.MONOTONIC)) {
            t.arm(Duration.ofMillis(1));
            assertThat(Ready.awaitReadable(t)).isTrue();
            assertThat(t.readExpirations()).isEqualTo(1);
            assertThat(t.readExpirations()).as("the read reset the count; a one-shot timer does not fire again").isZero();
            assertThat(t.isArmed()).as("a one-shot timer disarms itself when it fires").isFalse();
            assertThat(Ready.readableNow(t)).isFalse();
        }
    }

    @Test
    void unreadIntervalTimerCountsEveryExpiration() throws Exception {
        try (TimerFd t = TimerFd.open(TimerFd.Clock.MONOTONIC)) {
            t.arm(Duration.ofMillis(1), Duration.ofMillis(1));
            Thread.sleep(50); // a 1 ms interval timer left unread for 50 ms
            assertThat(t.readExpirations()).as("expirations since the last read").isGreaterThan(1);
            assertThat(t.isArmed()).as("an interval timer stays armed").isTrue();
        }
    }

    @Test
    void absoluteWallClockDeadlineFires() throws Exception {
        try (TimerFd t = TimerFd.open(TimerFd.Clock.REALTIME)) {
            t.armAt(Instant.now().plus(Duration.ofHours(1)));
            assertThat(t.isArmed()).as("armed until its deadline").isTrue();   // a near deadline may pass before this look
            t.armAt(Instant.now().plusMillis(20));
            assertThat(Ready.awaitReadable(t)).isTrue();
            assertThat(t.readExpirations()).isEqualTo(1);
        }
    }

    @Test
    void wallClockDeadlineInThePastFiresAtOnce() throws Exception {
        try (TimerFd t = TimerFd.open(TimerFd.Clock.REALTIME)) {
            t.armAt(Instant.EPOCH);
            assertThat(Ready.awaitReadable(t)).as("the epoch itself is a deadline, not 'disarm'").isTrue();
            assertThat(t.readExpirations()).isEqualTo(1);
        }
    }

    @Test
    void absoluteDeadlineOnMonotonicClockFires() throws Exception {
        try (TimerFd t = TimerFd.open(TimerFd.Clock.MONOTONIC)) {
            t.armAtClockNanos(t.clockNanos() + Duration.ofHours(1).toNanos(), Duration.ZERO);
            assertThat(t.isArmed()).as("armed for an hour from now").isTrue();
            t.armAtClockNanos(t.clockNanos() + Duration.ofMillis(20).toNanos(), Duration.ZERO);
            assertThat(Ready.awaitReadable(t)).isTrue();
            assertThat(t.readExpirations()).isEqualTo(1);
        }
    }

    @Test
    void absoluteDeadlineOnBoottimeClockFires() throws Exception {
        try (TimerFd t = TimerFd.open(TimerFd.Clock.BOOTTIME)) {
            assertThat(t.clock()).isEqualTo(TimerFd.Clock.BOOTTIME);
            t.armAtClockNanos(t.clockNanos() + Duration.ofHours(1).toNanos(), Duration.ZERO);
            assertThat(t.isArmed()).as("armed for an hour from now").isTrue();
            t.armAtClockNanos(t.clockNanos() + Duration.ofMillis(20).toNanos(), Duration.ZERO);
            assertThat(Ready.awaitReadable(t)).isTrue();
            assertThat(t.readExpirations()).isEqualTo(1);
        }
    }

    @Test
    void clockNanosReadsTheTimersOwnClock() throws Exception {
        try (TimerFd realtime = TimerFd.open(TimerFd.Clock.REALTIME)) {
            long before = Instant.now().toEpochMilli();
            long clockMillis = realtime.clockNanos() / 1_000_000;
            long after = Instant.now().toEpochMilli();
            assertThat(clockMillis).isBetween(before, after);
        }
    }

    @Test
    void disarmStopsTheTimer() throws Exception {
        try (TimerFd t = TimerFd.open(TimerFd.Clock.MONOTONIC)) {
            t.arm(Duration.ofMillis(1), Duration.ofMillis(1));
            assertThat(Ready.awaitReadable(t)).isTrue();
            t.disarm();
            assertThat(t.isArmed()).isFalse();
            assertThat(t.remaining()).isEqualTo(Duration.ZERO);
            assertThat(t.interval()).isEqualTo(Duration.ZERO);
            assertThat(Ready.readableNow(t)).as("disarming clears the pending expirations").isFalse();
            assertThat(t.readExpirations()).isZero();
        }
    }

    @Test
    void remainingAndIntervalReadBackWhatWasArmed() throws Exception {
        try (TimerFd t = TimerFd.open(TimerFd.Clock.MONOTONIC)) {
            assertThat(t.isArmed()).as("a new timer is disarmed").isFalse();
            assertThat(t.remaining()).isEqualTo(Duration.ZERO);
            t.arm(Duration.ofHours(1), Duration.ofMillis(1500));
            assertThat(t.isArmed()).isTrue();
            assertThat(t.remaining()).isPositive().isLessThanOrEqualTo(Duration.ofHours(1))
                    .isGreaterThan(Duration.ofMinutes(59));
            assertThat(t.interval()).isEqualTo(Duration.ofMillis(1500));
        }
    }

    @Test
    void cancelOnSetReportsThatTheWallClockWasSet() throws Exception {
        try (TimerFd t = TimerFd.open(TimerFd.Clock.REALTIME)) {
            t.armAt(Instant.now().plus(Duration.ofDays(1)), Duration.ZERO, true);
            assertThat(Ready.readableNow(t)).isFalse();
            try {
                // set the wall clock to its own current value: it steps back by the microseconds between the calls
                MemorySegment now = ThreadScratch.get().record;
                Errno.check(EventCalls.clockGettime(Constants.CLOCK_REALTIME, now), "clock_gettime(CLOCK_REALTIME)");
                Errno.check(EventCalls.clockSettime(Constants.CLOCK_REALTIME, now), "clock_settime(CLOCK_REALTIME)");
            } catch (LinuxException e) {
                Assumptions.assumeTrue(e.errno() != Constants.EPERM, "needs CAP_SYS_TIME: " + e.getMessage());
                throw e;
            }
            assertThat(Ready.awaitReadable(t)).isTrue();
            assertThat(t.readExpirations()).isEqualTo(TimerFd.CLOCK_WAS_SET);
            assertThat(t.readExpirations()).as("the cancellation is reported once").isZero();
            assertThat(t.isArmed()).as("the timer itself stays armed for its deadline").isTrue();
        }
    }

    @Test
    void nullArgumentsAreRefused() throws Exception {
        assertThatThrownBy(() -> TimerFd.open(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("clock");
        try (TimerFd t = TimerFd.open(TimerFd.Clock.REALTIME)) {
            assertThatThrownBy(() -> t.arm(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("initial");
            assertThatThrownBy(() -> t.arm(Duration.ofSeconds(1), null)).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("interval");
            assertThatThrownBy(() -> t.armAt(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("deadline");
            assertThatThrownBy(() -> t.armAt(Instant.now(), null, false)).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("interval");
            assertThatThrownBy(() -> t.armAtClockNanos(1, null)).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("interval");
        }
    }

    @Test
    void zeroInitialDelayIsRefusedPointingToDisarm() throws Exception {
        try (TimerFd t = TimerFd.open(TimerFd.Clock.MONOTONIC)) {
            assertThatThrownBy(() -> t.arm(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("zero").hasMessageContaining("disarm()");
            assertThatThrownBy(() -> t.arm(Duration.ZERO, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("disarm()");
        }
    }

    @Test
    void negativeDurationsAreRefused() throws Exception {
        try (TimerFd t = TimerFd.open(TimerFd.Clock.MONOTONIC)) {
            assertThatThrownBy(() -> t.arm(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("initial delay cannot be negative").hasMessageContaining("PT-0.001S");
            assertThatThrownBy(() -> t.arm(Duration.ofMillis(1), Duration.ofMillis(-1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("interval cannot be negative").hasMessageContaining("Duration.ZERO");
            assertThatThrownBy(() -> t.armAtClockNanos(-1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("CLOCK_MONOTONIC never reads below 0");
            assertThat(t.isArmed()).as("no refused call armed the timer").isFalse();
        }
    }

    @Test
    void wallClockDeadlineNeedsARealtimeTimer() throws Exception {
        for (TimerFd.Clock clock : new TimerFd.Clock[] {TimerFd.Clock.MONOTONIC, TimerFd.Clock.BOOTTIME}) {
            try (TimerFd t = TimerFd.open(clock)) {
                assertThatThrownBy(() -> t.armAt(Instant.now())).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("REALTIME").hasMessageContaining(clock.kernelName())
                        .hasMessageContaining("armAtClockNanos");
                assertThatThrownBy(() -> t.armAt(Instant.now(), Duration.ZERO, true)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("cancelOnSet").hasMessageContaining("REALTIME");
            }
        }
    }

    @Test
    void deadlineBeforeTheEpochIsRefused() throws Exception {
        try (TimerFd t = TimerFd.open(TimerFd.Clock.REALTIME)) {
            assertThatThrownBy(() -> t.armAt(Instant.parse("1969-12-31T23:59:59Z")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("1969-12-31T23:59:59Z").hasMessageContaining("before");
        }
    }

    @Test
    void createdNonBlockingAndCloseOnExec() throws Exception {
        try (TimerFd t = TimerFd.open(TimerFd.Clock.MONOTONIC)) {
            assertThat(t.isNonBlocking()).isTrue();
            assertThat(t.isCloseOnExec()).isTrue();
            assertThat(t.kind()).isEqualTo("timerfd (CLOCK_MONOTONIC)");
        }
    }

    @Test
    void useAfterCloseIsAClearError() throws Exception {
        TimerFd t = TimerFd.open(TimerFd.Clock.MONOTONIC);
        int number = t.number();
        t.close();
        assertThatThrownBy(() -> t.arm(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("fd " + number).hasMessageContaining("closed");
        assertThatThrownBy(t::readExpirations).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(t::disarm).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(t::remaining).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(t::clockNanos).isInstanceOf(IllegalStateException.class);
        assertThat(t.clock()).as("what it was stays known").isEqualTo(TimerFd.Clock.MONOTONIC);
    }
}
