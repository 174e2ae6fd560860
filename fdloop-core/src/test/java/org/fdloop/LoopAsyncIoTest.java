package org.fdloop;

import static org.fdloop.testing.Ready.PATIENCE;
import static org.fdloop.testing.Loops.runUntil;
import static org.fdloop.testing.Loops.runIdle;
import static org.fdloop.testing.Reads.drain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.fdloop.fd.AsyncOwner;
import org.fdloop.fd.OsPipe;
import org.fdloop.fd.OsThread;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalSet;
import org.fdloop.fd.StreamFd;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.SignalQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link EventLoop#onAsyncIo}: signal-driven I/O read from the loop's signalfd. */
@ExtendWith(NoFdLeaks.class)
class LoopAsyncIoTest {
    private static final int POLLIN_POLLRDNORM = 0x41;

    private static void write(OsPipe pipe, int bytes) throws Exception {
        assertThat(pipe.writeEnd().write(ByteBuffer.allocate(bytes))).isEqualTo(bytes);
    }

    @Test
    void writeToAPipeDispatchesItsFdWithTheBand() throws Exception {
        try (EventLoop loop = EventLoop.open(); OsPipe pipe = OsPipe.open()) {
            List<String> seen = new ArrayList<>();
            AsyncIoSource source = loop.onAsyncIo(pipe.readEnd(), (s, band) ->
                    seen.add(s.fd().number() + " " + AsyncIoSource.describeBand(band) + " " + drain(pipe.readEnd())));
            assertThat(pipe.readEnd().asyncOwner()).isEqualTo(new AsyncOwner(AsyncOwner.Kind.THREAD, OsThread.currentId()));
            assertThat(pipe.readEnd().asyncSignal()).isEqualTo(AsyncIoSource.DEFAULT_SIGNAL);
            assertThat(source.signal()).isEqualTo(AsyncIoSource.DEFAULT_SIGNAL);
            assertThat(runIdle(loop)).as("nothing written yet").isZero();

            write(pipe, 3);
            runUntil(loop, () -> !seen.isEmpty());
            assertThat(seen).containsExactly(pipe.readEnd().number() + " POLLIN|POLLRDNORM 3");
            assertThat(loop.signalQueueOverflows()).isZero();
        }
    }

    @Test
    void severalSignalsForOneFdInOneBatchAreOneCall() throws Exception {
        try (EventLoop loop = EventLoop.open(); OsPipe pipe = OsPipe.open()) {
            List<Integer> reads = new ArrayList<>();
            loop.onAsyncIo(pipe.readEnd(), (s, band) -> reads.add(drain(pipe.readEnd())));
            write(pipe, 1);
            write(pipe, 1);
            write(pipe, 1); // three signals queued
            loop.runOnce(PATIENCE);
            assertThat(reads).containsExactly(3);
            assertThat(runIdle(loop)).isZero();
        }
    }

    @Test
    void dataWaitingBeforeTheRegistrationIsReported() throws Exception {
        try (EventLoop loop = EventLoop.open(); OsPipe pipe = OsPipe.open()) {
            write(pipe, 5); // no signal: O_ASYNC was not set yet
            List<String> reads = new ArrayList<>();
            loop.onAsyncIo(pipe.readEnd(), (s, band) -> reads.add(AsyncIoSource.describeBand(band) + " " + drain(pipe.readEnd())));
            runUntil(loop, () -> !reads.isEmpty());
            assertThat(reads).as("found by poll, with the band a signal would carry").containsExactly("POLLIN|POLLRDNORM 5");
        }
    }

    @Test
    void writableInterestReportsRoomToWrite() throws Exception {
        try (EventLoop loop = EventLoop.open(); OsPipe pipe = OsPipe.open()) {
            while (pipe.writeEnd().write(ByteBuffer.allocate(4096)) > 0) {
                // fill it
            }
            List<String> seen = new ArrayList<>();
            loop.onAsyncIo(pipe.writeEnd(), IoSource.WRITABLE, Signal.realtime(11),
                    (s, band) -> seen.add(AsyncIoSource.describeBand(band)));
            assertThat(runIdle(loop)).as("full: no room").isZero();
            drain(pipe.readEnd());
            runUntil(loop, () -> !seen.isEmpty());
            assertThat(seen.get(0)).contains("POLLOUT");
        }
    }

    @Test
    void fullSignalQueueMakesTheLoopPollEveryAsyncFd() throws Exception {
        int pipes = 40;
        List<OsPipe> open = new ArrayList<>();
        try (EventLoop loop = EventLoop.open()) {
            Set<Integer> dispatched = new TreeSet<>();
            Set<Integer> expected = new TreeSet<>();
            for (int i = 0; i < pipes; i++) {
                OsPipe pipe = OsPipe.open();
                open.add(pipe);
                expected.add(pipe.readEnd().number());
                loop.onAsyncIo(pipe.readEnd(), (s, band) -> {
                    dispatched.add(s.fd().number());
                    drain((StreamFd) s.fd());
                });
            }
            assertThat(runIdle(loop)).isZero();
            // The limit is this process's, but it counts every signal queued for the user (the SigQ
            // line of /proc/self/status), other processes' too: 8 is full before 40 writes, whatever they do.
            SignalQueue.withLimit(8, () -> {
                for (OsPipe pipe : open) {
                    write(pipe, 1); // each queues a signal until the queue is full, then the kernel sends SIGIO
                }
            });
            runUntil(loop, () -> dispatched.size() == pipes);
            assertThat(dispatched).isEqualTo(expected);
            assertThat(loop.signalQueueOverflows()).as("the queue overflowed").isPositive();
        } finally {
            open.forEach(OsPipe::close);
        }
    }

    @Test
    void signalQueuedForAClosedFdIsNotDispatchedToTheFileThatGetsItsNumber() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            OsPipe old = OsPipe.open();
            int number = old.readEnd().number();
            AsyncIoSource oldSource = loop.onAsyncIo(old.readEnd(), (s, band) -> {});
            loop.runOnce(Duration.ZERO); // the look at registration
            write(old, 1); // queues a signal naming the number
            oldSource.close();
            old.close();
            try (OsPipe reused = OsPipe.open()) {
                assertThat(reused.readEnd().number()).as("the kernel gave the number to the new pipe").isEqualTo(number);
                List<Integer> reads = new ArrayList<>();
                loop.onAsyncIo(reused.readEnd(), (s, band) -> reads.add(drain(reused.readEnd())));
                assertThat(runIdle(loop)).as("the old pipe's signal is not the new pipe's readiness").isZero();
                assertThat(reads).isEmpty();
                write(reused, 2);
                runUntil(loop, () -> !reads.isEmpty());
                assertThat(reads).containsExactly(2);
            }
        }
    }

    @Test
    void closingTheSourceClearsAsyncModeAndTheLoopReleasesThePin() throws Exception {
        try (EventLoop loop = EventLoop.open(); OsPipe pipe = OsPipe.open()) {
            AsyncIoSource source = loop.onAsyncIo(pipe.readEnd(), (s, band) -> {});
            assertThat(pipe.readEnd().isAsync()).isTrue();
            source.close();
            assertThat(pipe.readEnd().isAsync()).isFalse();
            loop.onAsyncIo(pipe.readEnd(), (s, band) -> {}).close(); // registering it again works
        }
    }

    @Test
    void enablingADisabledSourceReportsWhatCameMeanwhile() throws Exception {
        try (EventLoop loop = EventLoop.open(); OsPipe pipe = OsPipe.open()) {
            List<Integer> reads = new ArrayList<>();
            AsyncIoSource source = loop.onAsyncIo(pipe.readEnd(), (s, band) -> reads.add(drain(pipe.readEnd())));
            source.disable();
            write(pipe, 4);
            assertThat(runIdle(loop)).isZero();
            source.enable();
            runUntil(loop, () -> !reads.isEmpty());
            assertThat(reads).containsExactly(4);
        }
    }

    @Test
    void asyncFdsFollowTheLoopToTheThreadStartCreates() throws Exception {
        SignalSet before = SignalSet.blockedInCurrentThread();
        EventLoop loop = EventLoop.builder().threadName("async-loop").build();
        Thread thread = null;
        try (OsPipe pipe = OsPipe.open()) {
            AtomicReference<String> handledIn = new AtomicReference<>();
            CountDownLatch handled = new CountDownLatch(1);
            loop.onAsyncIo(pipe.readEnd(), (s, band) -> {
                if (drain(pipe.readEnd()) > 0) {
                    handledIn.set(Thread.currentThread().getName());
                    handled.countDown();
                }
            });
            assertThat(runIdle(loop)).as("the look at registration found nothing").isZero();
            write(pipe, 1); // signalled to this thread: the loop's new thread looks at the fd once when it starts
            thread = loop.start();
            assertThat(handled.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(handledIn.get()).isEqualTo("async-loop");
            CountDownLatch asked = new CountDownLatch(1);
            AtomicReference<AsyncOwner> owner = new AtomicReference<>();
            loop.execute(() -> {
                try {
                    owner.set(new AsyncOwner(AsyncOwner.Kind.THREAD, OsThread.currentId()));
                } finally {
                    asked.countDown();
                }
            });
            assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(pipe.readEnd().asyncOwner()).isEqualTo(owner.get());
        } finally {
            loop.stop();
            if (thread != null) {
                thread.join();
            }
            loop.close();
        }
        assertThat(SignalSet.blockedInCurrentThread()).as("the owner thread's mask is as it was").isEqualTo(before);
    }

    @Test
    void fdInAnotherLoopsSignalDrivenIoIsRefused() throws Exception {
        try (EventLoop loop = EventLoop.open(); OsPipe pipe = OsPipe.open()) {
            CountDownLatch registered = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread other = Thread.ofPlatform().name("other-loop").start(() -> {
                try (EventLoop otherLoop = EventLoop.open()) {
                    otherLoop.onAsyncIo(pipe.readEnd(), (s, band) -> {});
                    registered.countDown();
                    done.await();
                } catch (Throwable t) {
                    failure.set(t);
                    registered.countDown();
                }
            });
            try {
                assertThat(registered.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(failure.get()).isNull();
                assertThatThrownBy(() -> loop.onAsyncIo(pipe.readEnd(), (s, band) -> {}))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("signal-driven I/O already").hasMessageContaining("THREAD");
            } finally {
                done.countDown();
                other.join();
            }
            assertThat(pipe.readEnd().isAsync()).as("the other loop closed: its registration is gone").isFalse();
            loop.onAsyncIo(pipe.readEnd(), (s, band) -> {}); // and now this loop may have it
        }
    }

    @Test
    void badRegistrationsAreRefusedAtTheDoor() throws Exception {
        try (EventLoop loop = EventLoop.open(); OsPipe pipe = OsPipe.open()) {
            AsyncIoHandler none = (s, band) -> {};
            assertThatThrownBy(() -> loop.onAsyncIo(pipe.readEnd(), IoSource.READABLE, Signal.USR1, none))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("realtime signal");
            assertThatThrownBy(() -> loop.onAsyncIo(pipe.readEnd(), IoSource.READABLE | IoSource.EDGE, AsyncIoSource.DEFAULT_SIGNAL, none))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("EDGE and ONESHOT do not apply");
            assertThatThrownBy(() -> loop.onAsyncIo(pipe.readEnd(), IoSource.READABLE, Signal.of(Signal.MAX_NUMBER - 2), none))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("JDK");
            loop.onAsyncIo(pipe.readEnd(), none);
            assertThatThrownBy(() -> loop.onAsyncIo(pipe.readEnd(), none))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already");
            OsPipe closed = OsPipe.open();
            closed.close();
            assertThatThrownBy(() -> loop.onAsyncIo(closed.readEnd(), none))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
    }
}
