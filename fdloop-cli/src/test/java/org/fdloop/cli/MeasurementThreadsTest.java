package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@code fdloop bench} never waits forever for a measurement: a stall or a stop request ends it. */
class MeasurementThreadsTest {

    /** A thread that waits until told to stop, as a loop does that lost its wake-up. */
    private static Thread stuck(CountDownLatch told) {
        return Thread.ofPlatform().daemon(true).start(() -> {
            try {
                told.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Test
    void aStalledMeasurementIsStoppedAndSaysWhy() throws Exception {
        CountDownLatch told = new CountDownLatch(1);
        Thread t = stuck(told);
        String cut = MeasurementThreads.await(List.of(t), () -> 7, () -> false, Duration.ofMillis(300), Duration.ofSeconds(30),
                told::countDown);
        assertThat(cut).startsWith("no progress for 0 s (stuck at 7): a wake-up was lost");
        assertThat(t.isAlive()).isFalse();
    }

    @Test
    void aStopRequestEndsAMeasurementThatMakesNoProgress() throws Exception {
        CountDownLatch told = new CountDownLatch(1);
        Thread t = stuck(told);
        AtomicInteger stops = new AtomicInteger();
        String cut = MeasurementThreads.await(List.of(t), () -> 0, () -> true, Duration.ofDays(1), Duration.ofSeconds(30), () -> {
            stops.incrementAndGet();
            told.countDown();
        });
        assertThat(cut).isNull();
        assertThat(stops).hasValue(1);
        assertThat(t.isAlive()).isFalse();
    }

    @Test
    void aThreadThatIgnoresItsStopIsReportedNotAwaitedForever() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        Thread t = stuck(never);
        try {
            String cut = MeasurementThreads.await(List.of(t), () -> 0, () -> true, Duration.ofDays(1), Duration.ofMillis(200), () -> {});
            assertThat(cut).isEqualTo(t.getName() + " did not end within 0 s of being told to stop; left running");
        } finally {
            never.countDown();
        }
    }

    @Test
    void aMeasurementThatMovesIsLeftAlone() throws Exception {
        AtomicLong progress = new AtomicLong();
        AtomicBoolean stopped = new AtomicBoolean();
        Thread t = Thread.ofPlatform().daemon(true).start(() -> {
            for (int i = 0; i < 20; i++) {
                progress.incrementAndGet();
                try {
                    Thread.sleep(MeasurementThreads.TICK.toMillis() / 2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        String cut = MeasurementThreads.await(List.of(t), progress::get, () -> false, Duration.ofDays(1), Duration.ofSeconds(30),
                () -> stopped.set(true));
        assertThat(cut).isNull();
        assertThat(stopped).isFalse();
        assertThat(progress).hasValue(20);
    }
}
