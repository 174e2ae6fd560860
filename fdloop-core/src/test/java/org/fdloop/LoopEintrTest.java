package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.fdloop.fd.OsPipe;
import org.fdloop.fd.OsThread;
import org.fdloop.fd.Signal;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The loop's guarantee under signals: a signal that interrupts a system call of the loop
 * thread (EINTR) never reaches a handler, and never makes a timer fire early or be lost.
 */
@ExtendWith(NoFdLeaks.class)
class LoopEintrTest {
    private static final int SIGNALS = 3000;
    private static final int BYTE_EVERY = 500;
    private static final int TIMERS_AT_ONCE = 20;

    /** What became of one timer. */
    private static final class Firing {
        final long deadline;
        long firedAt;
        int count;

        Firing(long deadline) {
            this.deadline = deadline;
        }
    }

    @Test
    void signalStormAtTheLoopThreadNeitherLosesNorHastensTimers() throws Exception {
        // A Java handler makes SIGWINCH interrupt the loop thread's epoll_pwait2 with EINTR
        // (epoll never restarts, SA_RESTART or not); SIGWINCH's default action would ignore it.
        AtomicInteger jvmHandled = new AtomicInteger();
        sun.misc.Signal winch = new sun.misc.Signal("WINCH");
        sun.misc.SignalHandler previous = sun.misc.Signal.handle(winch, s -> jvmHandled.incrementAndGet());
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        AtomicBoolean stormOver = new AtomicBoolean();
        AtomicBoolean abort = new AtomicBoolean();
        Thread storm = null;
        try (EventLoop loop = EventLoop.builder().errorHandler((source, error) -> errors.add(error)).build();
             OsPipe pipe = OsPipe.open()) {
            int loopTid = OsThread.currentId();
            // Timers stay pending as long as the storm lasts: each one that fires while it goes on
            // schedules the next, 1 to 5 ms ahead.
            Map<TimerSource, Firing> timers = new IdentityHashMap<>();
            TimerHandler[] fire = new TimerHandler[1];
            fire[0] = timer -> {
                Firing f = timers.get(timer);
                f.firedAt = System.nanoTime();
                f.count++;
                if (!stormOver.get()) {
                    TimerSource next = loop.schedule(Duration.ofMillis(1 + timers.size() % 5), fire[0]);
                    timers.put(next, new Firing(next.deadlineNanos()));
                }
            };
            for (int i = 0; i < TIMERS_AT_ONCE; i++) {
                TimerSource timer = loop.schedule(Duration.ofMillis(1 + i), fire[0]);
                timers.put(timer, new Firing(timer.deadlineNanos()));
            }
            // I/O beside the timers: every byte written now and then is read, once
            List<Integer> reads = new ArrayList<>();
            loop.onReadable(pipe.readEnd(), (s, events) -> reads.add(pipe.readEnd().read(ByteBuffer.allocate(16))));

            storm = Thread.ofPlatform().name("signal-storm").start(() -> {
                try {
                    for (int sent = 1; sent <= SIGNALS && !abort.get(); sent++) {
                        Signal.WINCH.sendToThread(loopTid);
                        if (sent % BYTE_EVERY == 0) {
                            pipe.writeEnd().write(ByteBuffer.wrap(new byte[] {1}));
                        }
                        LockSupport.parkNanos(20_000);
                    }
                } catch (Exception e) {
                    errors.add(e);
                } finally {
                    stormOver.set(true);
                }
            });
            long patience = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!(stormOver.get() && timers.values().stream().allMatch(f -> f.count > 0))
                    && System.nanoTime() - patience < 0) {
                loop.runOnce(Duration.ofSeconds(10));
            }
            storm.join();
            loop.runOnce(Duration.ZERO); // the last byte, if it came after the last timer

            assertThat(errors).as("nothing reached the error handler").isEmpty();
            assertThat(timers.size()).as("timers were pending throughout the storm").isGreaterThan(TIMERS_AT_ONCE);
            int i = 0;
            for (Firing f : timers.values()) {
                assertThat(f.count).as("timer %d of %d fired once", i, timers.size()).isEqualTo(1);
                assertThat(f.firedAt).as("timer %d fired at or after its deadline", i).isGreaterThanOrEqualTo(f.deadline);
                i++;
            }
            assertThat(reads.stream().mapToInt(Integer::intValue).sum()).as("every byte read, once")
                    .isEqualTo(SIGNALS / BYTE_EVERY);
            assertThat(jvmHandled.get()).as("the signals reached the loop thread").isPositive();
        } finally {
            abort.set(true);
            if (storm != null) {
                storm.join();
            }
            sun.misc.Signal.handle(winch, previous);
        }
    }
}
