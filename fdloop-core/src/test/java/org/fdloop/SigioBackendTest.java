package org.fdloop;

import static org.fdloop.testing.Loops.runUntil;
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
import org.fdloop.backend.Backend;
import org.fdloop.fd.AsyncOwner;
import org.fdloop.fd.EventFd;
import org.fdloop.fd.OsPipe;
import org.fdloop.fd.OsThread;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalSet;
import org.fdloop.fd.StreamFd;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.SignalQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What is particular to {@link Backend#SIGIO}: which fds it arms, the full signal queue, the
 * thread its signals go to. The loop's behaviours are in {@link BackendConformanceTest}.
 */
@ExtendWith(NoFdLeaks.class)
class SigioBackendTest {
    private static final Signal BACKEND_SIGNAL = Signal.realtime(9);

    private static EventLoop open() throws Exception {
        return EventLoop.builder().backend(Backend.SIGIO).build();
    }

    @Test
    void fdThatCanSignalIsArmedToTheLoopThreadAndAnEventfdIsNot() throws Exception {
        SignalSet before = SignalSet.blockedInCurrentThread();
        try (OsPipe pipe = OsPipe.open(); EventFd e = EventFd.open()) {
            try (EventLoop loop = open()) {
                assertThat(SignalSet.blockedInCurrentThread().contains(BACKEND_SIGNAL)).isTrue();
                IoSource source = loop.onReadable(pipe.readEnd(), (s, ev) -> {});
                loop.onReadable(e, (s, ev) -> e.read());
                assertThat(pipe.readEnd().isAsync()).isTrue();
                assertThat(pipe.readEnd().asyncSignal()).isEqualTo(BACKEND_SIGNAL);
                assertThat(pipe.readEnd().asyncOwner()).isEqualTo(new AsyncOwner(AsyncOwner.Kind.THREAD, OsThread.currentId()));
                assertThat(e.isAsync()).as("an eventfd has no ->fasync: the kernel dropped O_ASYNC, and the loop polls it").isFalse();
                source.close();
                assertThat(pipe.readEnd().isAsync()).as("removed: signal-driven I/O is off again").isFalse();
            }
        }
        assertThat(SignalSet.blockedInCurrentThread()).as("the mask is as it was").isEqualTo(before);
    }

    @Test
    void fullSignalQueueMakesTheLoopLookAtEveryFd() throws Exception {
        int pipes = 40;
        List<OsPipe> open = new ArrayList<>();
        try (EventLoop loop = open()) {
            Set<Integer> dispatched = new TreeSet<>();
            Set<Integer> expected = new TreeSet<>();
            for (int i = 0; i < pipes; i++) {
                OsPipe pipe = OsPipe.open();
                open.add(pipe);
                expected.add(pipe.readEnd().number());
                loop.onReadable(pipe.readEnd(), (s, ev) -> {
                    dispatched.add(s.fd().number());
                    drain((StreamFd) s.fd());
                });
            }
            loop.runOnce(Duration.ZERO); // the look at registration: nothing is ready
            // counted per user (SigQ in /proc/self/status), other processes' signals too: 8 is full before 40 writes
            SignalQueue.withLimit(8, () -> {
                for (OsPipe pipe : open) {
                    pipe.writeEnd().write(ByteBuffer.allocate(1));
                }
            });
            runUntil(loop, () -> dispatched.size() == pipes);
            assertThat(dispatched).isEqualTo(expected);
            assertThat(loop.signalQueueOverflows()).as("the queue overflowed, and the loop read the plain SIGIO").isPositive();
        } finally {
            open.forEach(OsPipe::close);
        }
    }

    @Test
    void loopStartedInItsOwnThreadTakesTheSignalsThere() throws Exception {
        SignalSet before = SignalSet.blockedInCurrentThread();
        EventLoop loop = EventLoop.builder().backend(Backend.SIGIO).threadName("sigio-loop").build();
        Thread thread = null;
        try (OsPipe pipe = OsPipe.open()) {
            List<String> handledIn = new java.util.concurrent.CopyOnWriteArrayList<>();
            CountDownLatch first = new CountDownLatch(1);
            CountDownLatch second = new CountDownLatch(2);
            loop.onReadable(pipe.readEnd(), (s, ev) -> {
                if (drain(pipe.readEnd()) > 0) {
                    handledIn.add(Thread.currentThread().getName() + " " + OsThread.currentId());
                    first.countDown();
                    second.countDown();
                }
            });
            loop.runOnce(Duration.ZERO);
            pipe.writeEnd().write(ByteBuffer.allocate(1)); // signalled to this thread: the new one looks at every fd once
            thread = loop.start();
            assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(handledIn.get(0)).startsWith("sigio-loop ");
            int loopTid = Integer.parseInt(handledIn.get(0).split(" ")[1]);
            assertThat(pipe.readEnd().asyncOwner()).isEqualTo(new AsyncOwner(AsyncOwner.Kind.THREAD, loopTid));
            pipe.writeEnd().write(ByteBuffer.allocate(1)); // signalled to the new thread, and read there
            assertThat(second.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(handledIn).hasSize(2).allSatisfy(h -> assertThat(h).isEqualTo(handledIn.get(0)));
        } finally {
            loop.stop();
            if (thread != null) {
                thread.join();
            }
            loop.close();
        }
        assertThat(SignalSet.blockedInCurrentThread()).isEqualTo(before);
    }

    @Test
    void aThreadOwnsOneSigioLoop() throws Exception {
        try (EventLoop loop = open()) {
            assertThatThrownBy(SigioBackendTest::open).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("owns a SIGIO loop already");
            try (EventLoop other = EventLoop.open()) {
                assertThat(other.backend()).as("another backend is fine").isEqualTo(Backend.EPOLL);
            }
        }
        open().close(); // closed: the thread may open one again
    }

    @Test
    void theBackendsSignalAndItsFdsAreRefusedToSignalSources() throws Exception {
        try (EventLoop loop = open(); OsPipe pipe = OsPipe.open(); OsPipe other = OsPipe.open()) {
            assertThatThrownBy(() -> loop.onThreadSignal(BACKEND_SIGNAL, (s, info) -> {}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the SIGIO backend's");
            assertThatThrownBy(() -> loop.onAsyncIo(pipe.readEnd(), IoSource.READABLE, BACKEND_SIGNAL, (s, band) -> {}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the SIGIO backend's");
            loop.onReadable(pipe.readEnd(), (s, ev) -> {});
            assertThatThrownBy(() -> loop.onAsyncIo(pipe.readEnd(), (s, band) -> {}))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("registered with onIo already");
            loop.onAsyncIo(other.readEnd(), (s, band) -> {});
            assertThatThrownBy(() -> loop.onReadable(other.readEnd(), (s, ev) -> {}))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("signal-driven I/O already");
        }
    }
}
