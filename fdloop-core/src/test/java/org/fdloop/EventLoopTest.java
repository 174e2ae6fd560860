package org.fdloop;

import static org.fdloop.testing.Ready.PATIENCE;
import static org.fdloop.testing.Loops.runUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.fdloop.fd.EventFd;
import org.fdloop.fd.OsPipe;
import org.fdloop.testing.Loops;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoFdLeaks.class)
class EventLoopTest {

    @Test
    void readableFdIsDispatchedWithItsReadyMask() throws Exception {
        try (EventLoop loop = EventLoop.open(); OsPipe pipe = OsPipe.open()) {
            List<String> seen = new ArrayList<>();
            loop.onReadable(pipe.readEnd(), (source, events) -> {
                ByteBuffer in = ByteBuffer.allocate(16);
                pipe.readEnd().read(in);
                seen.add(IoSource.describe(events) + ":" + new String(in.array(), 0, in.position()));
            });
            pipe.writeEnd().write(ByteBuffer.wrap("hi".getBytes()));
            runUntil(loop, () -> !seen.isEmpty());
            assertThat(seen).containsExactly("READABLE:hi");
        }
    }

    @Test
    void levelTriggeredSourceIsDispatchedWhileReady() throws Exception {
        try (EventLoop loop = EventLoop.open(); EventFd e = EventFd.open()) {
            AtomicInteger calls = new AtomicInteger();
            loop.onReadable(e, (s, ev) -> calls.incrementAndGet());
            e.write(1);
            loop.runOnce(PATIENCE);
            loop.runOnce(PATIENCE);
            assertThat(calls).as("not read, so still ready").hasValue(2);
        }
    }

    @Test
    void edgeTriggeredSourceIsDispatchedOncePerChange() throws Exception {
        try (EventLoop loop = EventLoop.open(); EventFd e = EventFd.open()) {
            AtomicInteger calls = new AtomicInteger();
            loop.onIo(e, IoSource.READABLE | IoSource.EDGE, (s, ev) -> calls.incrementAndGet());
            e.write(1);
            loop.runOnce(PATIENCE);
            assertThat(loop.runOnce(Duration.ofMillis(50))).as("no new edge").isZero();
            e.write(1);
            loop.runOnce(PATIENCE);
            assertThat(calls).hasValue(2);
        }
    }

    @Test
    void oneShotSourceIsDisabledAfterItsEventUntilEnabled() throws Exception {
        try (EventLoop loop = EventLoop.open(); EventFd e = EventFd.open()) {
            AtomicInteger calls = new AtomicInteger();
            IoSource source = loop.onIo(e, IoSource.READABLE | IoSource.ONESHOT, (s, ev) -> calls.incrementAndGet());
            e.write(1);
            loop.runOnce(PATIENCE);
            assertThat(source.isEnabled()).isFalse();
            assertThat(loop.runOnce(Duration.ofMillis(50))).as("still readable, but disarmed").isZero();
            source.enable();
            loop.runOnce(PATIENCE);
            assertThat(calls).hasValue(2);
        }
    }

    @Test
    void interestCanBeChangedAndHangupIsAlwaysReported() throws Exception {
        try (EventLoop loop = EventLoop.open(); OsPipe pipe = OsPipe.open()) {
            List<String> seen = new ArrayList<>();
            IoSource source = loop.onIo(pipe.writeEnd(), IoSource.WRITABLE, (s, ev) -> {
                seen.add(IoSource.describe(ev));
                s.disable();
            });
            loop.runOnce(PATIENCE);
            assertThat(seen).containsExactly("WRITABLE");
            source.close();
            AtomicInteger hangups = new AtomicInteger();
            loop.onReadable(pipe.readEnd(), (s, ev) -> {
                if ((ev & IoSource.HANGUP) != 0) {
                    hangups.incrementAndGet();
                    s.close();
                }
            });
            pipe.writeEnd().close();
            runUntil(loop, () -> hangups.get() == 1);
        }
    }

    @Test
    void lowerPriorityRunsFirstAmongReadySources() throws Exception {
        try (EventLoop loop = EventLoop.open(); EventFd a = EventFd.open(); EventFd b = EventFd.open(); EventFd c = EventFd.open()) {
            List<String> order = new ArrayList<>();
            loop.onReadable(a, (s, ev) -> { order.add("a"); a.read(); }).setPriority(5);
            loop.onReadable(b, (s, ev) -> { order.add("b"); b.read(); }).setPriority(-5);
            loop.onReadable(c, (s, ev) -> { order.add("c"); c.read(); });
            a.write(1);
            b.write(1);
            c.write(1);
            runUntil(loop, () -> order.size() == 3);
            assertThat(order).containsExactly("b", "c", "a");
        }
    }

    @Test
    void handlerThatThrowsGoesToTheErrorHandlerAndTheLoopGoesOn() throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        try (EventLoop loop = EventLoop.builder().errorHandler((source, error) -> {
                    errors.add(source.name() + ": " + error.getMessage());
                    throw new IllegalStateException("the error handler fails too");
                }).build();
             EventFd e = EventFd.open()) {
            AtomicInteger calls = new AtomicInteger();
            loop.onReadable(e, (s, ev) -> {
                if (calls.incrementAndGet() == 1) {
                    throw new RuntimeException("boom");
                }
                e.read();
            }).named("flaky");
            e.write(1);
            runUntil(loop, () -> calls.get() == 2);
            assertThat(errors).containsExactly("flaky: boom");
        }
    }

    @Test
    void callsFromAnotherThreadFailClearlyButExecuteWorks() throws Exception {
        try (EventLoop loop = EventLoop.open(); EventFd e = EventFd.open()) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicInteger ran = new AtomicInteger();
            Thread other = Thread.ofPlatform().name("not-the-loop").start(() -> {
                try {
                    loop.onReadable(e, (s, ev) -> {});
                } catch (Throwable t) {
                    failure.set(t);
                }
                loop.execute(ran::incrementAndGet);
            });
            other.join();
            assertThat(failure.get()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("onIo()")
                    .hasMessageContaining("not-the-loop")
                    .hasMessageContaining("execute(Runnable)");
            runUntil(loop, () -> ran.get() == 1);
        }
    }

    @Test
    void oneShotTimerFiresOnceAndNeverEarly() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            List<Long> firedAt = new ArrayList<>();
            long scheduled = System.nanoTime();
            TimerSource timer = loop.schedule(Duration.ofMillis(30), t -> firedAt.add(System.nanoTime()));
            loop.run(); // returns when no source is left: the one-shot timer closed itself
            assertThat(firedAt).hasSize(1);
            assertThat(firedAt.get(0) - scheduled).as("never before its deadline").isGreaterThanOrEqualTo(30_000_000L);
            assertThat(timer.isClosed()).isTrue();
        }
    }

    @Test
    void repeatingTimersRunUntilCancelled() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            AtomicInteger rate = new AtomicInteger();
            AtomicInteger delay = new AtomicInteger();
            loop.scheduleAtFixedRate(Duration.ZERO, Duration.ofMillis(2), t -> {
                if (rate.incrementAndGet() == 5) {
                    t.cancel();
                }
            });
            loop.scheduleWithFixedDelay(Duration.ofMillis(1), Duration.ofMillis(2), t -> {
                if (delay.incrementAndGet() == 3) {
                    t.cancel();
                }
            });
            loop.run();
            assertThat(rate).hasValue(5);
            assertThat(delay).hasValue(3);
        }
    }

    @Test
    void cancelledTimerNeverFires() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            AtomicInteger fired = new AtomicInteger();
            TimerSource doomed = loop.schedule(Duration.ofMillis(20), t -> fired.incrementAndGet());
            loop.schedule(Duration.ofMillis(5), t -> doomed.cancel());
            loop.schedule(Duration.ofMillis(60), t -> {});
            loop.run();
            assertThat(fired).hasValue(0);
        }
    }

    @Test
    void timersWithAccuracyWindowsFireInOneWakeUp() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            List<String> fired = new ArrayList<>();
            loop.schedule(Duration.ofMillis(10), t -> fired.add("early")).setAccuracy(Duration.ofMillis(200));
            loop.schedule(Duration.ofMillis(40), t -> fired.add("late")).setAccuracy(Duration.ofMillis(200));
            int dispatched = loop.runOnce(PATIENCE);
            assertThat(dispatched).as("both in the first wake-up, at the earliest latest time").isEqualTo(2);
            assertThat(fired).containsExactly("early", "late");
        }
    }

    @Test
    void timerScheduledFromAnotherThreadWakesTheLoop() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            CountDownLatch fired = new CountDownLatch(1);
            Thread other = Thread.ofPlatform().start(() -> loop.schedule(Duration.ofMillis(1), t -> fired.countDown()));
            other.join();
            runUntil(loop, () -> fired.getCount() == 0);
        }
    }

    @Test
    void executeWakesASleepingLoopWithOneWritePerBatch() throws Exception {
        try (EventLoop loop = EventLoop.open(); EventFd keepAlive = EventFd.open()) {
            loop.onReadable(keepAlive, (s, ev) -> keepAlive.read());
            AtomicInteger ran = new AtomicInteger();
            CountDownLatch inHandler = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            // while the loop is busy in a handler (awake), 100 tasks need no wake-up write at all
            loop.execute(() -> {
                inHandler.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Thread producer = Thread.ofPlatform().start(() -> {
                try {
                    inHandler.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 100; i++) {
                    loop.execute(ran::incrementAndGet);
                }
                release.countDown();
            });
            runUntil(loop, () -> ran.get() == 100);
            producer.join();
            assertThat(loop.stats().wakeups()).as("tasks added while the loop was awake wrote nothing").isZero();

            // a sleeping loop is woken by exactly one write: the task comes once this thread sleeps in the kernel
            int loopTid = org.fdloop.fd.OsThread.currentId();
            Thread late = Thread.ofPlatform().start(() -> {
                try {
                    Loops.awaitBlockedInWait(loopTid);
                } catch (Exception e) {
                    return; // the loop then times out with ran at 100, which fails the test
                }
                loop.execute(ran::incrementAndGet);
            });
            loop.runOnce(PATIENCE);
            late.join();
            assertThat(ran).hasValue(101);
            assertThat(loop.stats().wakeups()).isEqualTo(1);
        }
    }

    @Test
    void stopFromAnotherThreadEndsRunAndExitHooksRun() throws Exception {
        try (EventLoop loop = EventLoop.open(); EventFd keepAlive = EventFd.open()) {
            loop.onReadable(keepAlive, (s, ev) -> keepAlive.read());
            List<String> hooks = new ArrayList<>();
            loop.atExit(() -> hooks.add("exit"));
            Thread stopper = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
                loop.stop();
            });
            loop.run();
            stopper.join();
            assertThat(hooks).containsExactly("exit");
        }
    }

    @Test
    void deferRunsOnceAndPostRunsAfterIterationsThatDispatched() throws Exception {
        try (EventLoop loop = EventLoop.open(); EventFd e = EventFd.open()) {
            List<String> log = new ArrayList<>();
            loop.defer(() -> log.add("defer"));
            loop.post(() -> log.add("post"));
            loop.onReadable(e, (s, ev) -> {
                log.add("io");
                e.read();
            });
            e.write(1);
            loop.runOnce(PATIENCE); // defer, io, post (defer counts as dispatch-free housekeeping here)
            loop.runOnce(Duration.ofMillis(20)); // nothing happens: no post
            assertThat(log).containsExactly("defer", "io", "post");
        }
    }

    @Test
    void startRunsTheLoopInItsOwnNamedThread() throws Exception {
        EventLoop loop = EventLoop.builder().threadName("my-loop").build();
        try (EventFd keepAlive = EventFd.open()) {
            loop.onReadable(keepAlive, (s, ev) -> keepAlive.read());
            AtomicReference<String> threadName = new AtomicReference<>();
            CountDownLatch ran = new CountDownLatch(1);
            Thread thread = loop.start();
            loop.execute(() -> {
                threadName.set(Thread.currentThread().getName());
                ran.countDown();
            });
            assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(threadName.get()).isEqualTo("my-loop");
            assertThatThrownBy(loop::close).isInstanceOf(IllegalStateException.class).hasMessageContaining("stop()");
            loop.stop();
            thread.join();
            loop.close();
        }
    }

    @Test
    void closingTheLoopReleasesEveryFdItCreated() throws Exception {
        Map<Integer, String> before = NoFdLeaks.openFds();
        EventFd user = EventFd.open();
        EventLoop loop = EventLoop.open();
        loop.onReadable(user, (s, ev) -> {});
        loop.schedule(Duration.ofHours(1), t -> {});
        loop.defer(() -> {});
        assertThat(NoFdLeaks.openFds()).as("the loop holds an epoll fd and an eventfd").hasSize(before.size() + 3);
        loop.close();
        assertThat(user.isOpen()).as("a user's fd is not the loop's to close").isTrue();
        user.close();
        assertThat(NoFdLeaks.openFds()).isEqualTo(before);
    }

    @Test
    void fdClosedByTheUserWhileRegisteredIsReleasedByTheLoop() throws Exception {
        Map<Integer, String> before = NoFdLeaks.openFds();
        try (EventLoop loop = EventLoop.open()) {
            Map<Integer, String> withLoop = NoFdLeaks.openFds();
            EventFd e = EventFd.open();
            int number = e.number();
            IoSource source = loop.onReadable(e, (s, ev) -> {});
            e.write(1);
            e.close();
            assertThat(NoFdLeaks.openFds()).as("still pinned by the registration").containsKey(number);
            loop.runOnce(PATIENCE);
            assertThat(source.isClosed()).isTrue();
            assertThat(NoFdLeaks.openFds()).isEqualTo(withLoop);
        }
        assertThat(NoFdLeaks.openFds()).isEqualTo(before);
    }

    @Test
    void statsCountWhatTheLoopDid() throws Exception {
        try (EventLoop loop = EventLoop.builder().timing(true).build(); EventFd e = EventFd.open()) {
            loop.onReadable(e, (s, ev) -> e.read()).named("counter");
            for (int i = 0; i < 3; i++) {
                e.write(1);
                loop.runOnce(PATIENCE);
            }
            LoopStats stats = loop.stats();
            assertThat(stats.iterations()).isEqualTo(3);
            assertThat(stats.eventsDispatched()).isEqualTo(3);
            assertThat(java.util.Arrays.stream(stats.handlerHistogram()).sum()).isEqualTo(3);
            assertThat(stats.slowestHandlerSource()).isEqualTo("counter");
            assertThat(stats.handlerNanos()).isPositive();
        }
    }

    @Test
    void badArgumentsAreRefusedAtTheDoor() throws Exception {
        try (EventLoop loop = EventLoop.open(); EventFd e = EventFd.open()) {
            assertThatThrownBy(() -> loop.onIo(e, IoSource.EDGE, (s, ev) -> {}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs READABLE");
            assertThatThrownBy(() -> loop.onIo(e, IoSource.READABLE | IoSource.EDGE | IoSource.ONESHOT, (s, ev) -> {}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("choose one");
            assertThatThrownBy(() -> loop.onIo(e, 0x100000, (s, ev) -> {}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown event bits");
            assertThatThrownBy(() -> loop.schedule(Duration.ofMillis(-1), t -> {}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zero or more");
            assertThatThrownBy(() -> loop.scheduleAtFixedRate(Duration.ZERO, Duration.ZERO, t -> {}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than zero");
            EventFd closed = EventFd.open();
            closed.close();
            assertThatThrownBy(() -> loop.onReadable(closed, (s, ev) -> {}))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            assertThatThrownBy(() -> loop.runOnce(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void runInsideAHandlerIsRefused() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            loop.execute(() -> {
                try {
                    loop.runOnce(Duration.ZERO);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            loop.runOnce(PATIENCE);
            assertThat(failure.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("running already");
        }
    }
}
