package org.fdloop;

import static org.fdloop.testing.Ready.PATIENCE;
import static org.fdloop.testing.Loops.runUntil;
import static org.fdloop.testing.Loops.runIdle;
import static org.fdloop.testing.Reads.drain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.fdloop.backend.Backend;
import org.fdloop.backend.Pollers;
import org.fdloop.fd.EventFd;
import org.fdloop.fd.Fd;
import org.fdloop.fd.OsThread;
import org.fdloop.fd.Pipe;
import org.fdloop.fd.Signal;
import org.fdloop.fd.StreamFd;
import org.fdloop.internal.linux.Constants;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.testing.Loops;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The loop's behaviours, on every backend: each test runs once per {@link Backend}. Where a
 * backend cannot offer something, the test asserts the refusal.
 */
@ExtendWith(NoFdLeaks.class)
class BackendConformanceTest {
    private static final long PID = ProcessHandle.current().pid();

    @TempDir
    Path dir;

    private static EventLoop open(Backend backend) throws Exception {
        return EventLoop.builder().backend(backend).build();
    }

    // ---- I/O readiness -------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Backend.class)
    void loopWaitsWithTheBackendItWasBuiltWith(Backend backend) throws Exception {
        try (EventLoop loop = open(backend)) {
            assertThat(loop.backend()).isEqualTo(backend);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void readableFdIsDispatchedWithItsReadyMask(Backend backend) throws Exception {
        try (EventLoop loop = open(backend); Pipe pipe = Pipe.open()) {
            List<String> seen = new ArrayList<>();
            loop.onReadable(pipe.readEnd(), (source, events) -> {
                ByteBuffer in = ByteBuffer.allocate(16);
                pipe.readEnd().read(in);
                seen.add(IoSource.describe(events) + ":" + new String(in.array(), 0, in.position()));
            });
            assertThat(runIdle(loop)).as("nothing written yet").isZero();
            pipe.writeEnd().write(ByteBuffer.wrap("hi".getBytes()));
            runUntil(loop, () -> !seen.isEmpty());
            assertThat(seen).containsExactly("READABLE:hi");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void levelTriggeredSourceIsDispatchedOncePerIterationWhileReady(Backend backend) throws Exception {
        try (EventLoop loop = open(backend); Pipe pipe = Pipe.open()) {
            AtomicInteger calls = new AtomicInteger();
            loop.onReadable(pipe.readEnd(), (s, ev) -> {
                if (calls.incrementAndGet() == 3) {
                    drain(pipe.readEnd()); // the third call reads: from then on nothing is ready
                }
            });
            pipe.writeEnd().write(ByteBuffer.allocate(1)); // a pipe: under SIGIO one signal, then no more
            runUntil(loop, () -> calls.get() == 1);
            assertThat(loop.runOnce(PATIENCE)).as("not read, so still ready").isEqualTo(1);
            assertThat(loop.runOnce(PATIENCE)).isEqualTo(1);
            assertThat(runIdle(loop)).as("read").isZero();
            assertThat(calls).hasValue(3);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void writableFdIsDispatchedWhenThereIsRoom(Backend backend) throws Exception {
        try (EventLoop loop = open(backend); Pipe pipe = Pipe.open()) {
            while (pipe.writeEnd().write(ByteBuffer.allocate(4096)) > 0) {
                // fill it
            }
            List<String> seen = new ArrayList<>();
            loop.onIo(pipe.writeEnd(), IoSource.WRITABLE, (s, ev) -> {
                seen.add(IoSource.describe(ev));
                s.close();
            });
            assertThat(runIdle(loop)).as("full: no room").isZero();
            drain(pipe.readEnd());
            runUntil(loop, () -> !seen.isEmpty());
            assertThat(seen).containsExactly("WRITABLE");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void hangupIsReportedAndReadsEndOfStream(Backend backend) throws Exception {
        try (EventLoop loop = open(backend); Pipe pipe = Pipe.open()) {
            List<String> seen = new ArrayList<>();
            loop.onReadable(pipe.readEnd(), (s, ev) -> {
                seen.add(IoSource.describe(ev) + " " + pipe.readEnd().read(ByteBuffer.allocate(16)));
                s.close();
            });
            assertThat(runIdle(loop)).isZero();
            pipe.writeEnd().close();
            runUntil(loop, () -> !seen.isEmpty());
            // select(2) has no hang-up set: the read set says it, and read(2) says end of stream
            assertThat(seen).containsExactly(backend == Backend.SELECT ? "READABLE -1" : "HANGUP -1");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void oneShotSourceIsDisarmedAfterItsEventUntilEnabled(Backend backend) throws Exception {
        try (EventLoop loop = open(backend); EventFd e = EventFd.open()) {
            AtomicInteger calls = new AtomicInteger();
            IoSource source = loop.onIo(e, IoSource.READABLE | IoSource.ONESHOT, (s, ev) -> calls.incrementAndGet());
            e.write(1);
            runUntil(loop, () -> calls.get() == 1);
            assertThat(source.isEnabled()).isFalse();
            assertThat(runIdle(loop)).as("still readable, but disarmed").isZero();
            source.enable();
            runUntil(loop, () -> calls.get() == 2);
            assertThat(runIdle(loop)).as("disarmed again").isZero();
            assertThat(calls).hasValue(2);
            assertThat(iterationsUntilATimerFires(loop)).as("the disarmed fd, readable all along, never woke the loop")
                    .isLessThanOrEqualTo(2);
        }
    }

    /**
     * Runs the loop until a 30 ms timer fires; returns how many iterations that took: 1 when
     * nothing else wakes the loop (2 allows for one interrupted wait), many when a backend keeps
     * reporting an fd the loop does not dispatch.
     */
    private static long iterationsUntilATimerFires(EventLoop loop) throws Exception {
        AtomicInteger fired = new AtomicInteger();
        loop.schedule(Duration.ofMillis(30), t -> fired.incrementAndGet());
        long before = loop.stats().iterations();
        runUntil(loop, () -> fired.get() == 1);
        return loop.stats().iterations() - before;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void changedInterestTakesEffect(Backend backend) throws Exception {
        try (EventLoop loop = open(backend); EventFd e = EventFd.open()) {
            List<String> seen = new ArrayList<>();
            IoSource source = loop.onIo(e, IoSource.READABLE, (s, ev) -> {
                seen.add(IoSource.describe(ev));
                if ((ev & IoSource.READABLE) != 0) {
                    e.read();
                }
            });
            assertThat(runIdle(loop)).as("a zero counter is not readable").isZero();
            source.setEvents(IoSource.WRITABLE); // an eventfd below its maximum is writable
            runUntil(loop, () -> !seen.isEmpty());
            source.setEvents(IoSource.READABLE);
            assertThat(runIdle(loop)).isZero();
            e.write(1);
            runUntil(loop, () -> seen.size() == 2);
            assertThat(seen).containsExactly("WRITABLE", "READABLE");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void edgeTriggeredIsEpollsAloneAndRefusedClearlyByTheOthers(Backend backend) throws Exception {
        try (EventLoop loop = open(backend); EventFd e = EventFd.open()) {
            AtomicInteger calls = new AtomicInteger();
            if (backend == Backend.EPOLL) {
                loop.onIo(e, IoSource.READABLE | IoSource.EDGE, (s, ev) -> calls.incrementAndGet());
                e.write(1);
                runUntil(loop, () -> calls.get() == 1);
                assertThat(runIdle(loop)).as("no new edge").isZero();
                return;
            }
            assertThatThrownBy(() -> loop.onIo(e, IoSource.READABLE | IoSource.EDGE, (s, ev) -> {}))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("the " + backend + " backend has no edge-triggered mode")
                    .hasMessageContaining("Backend.EPOLL");
            IoSource level = loop.onReadable(e, (s, ev) -> calls.incrementAndGet());
            assertThatThrownBy(() -> level.setEvents(IoSource.READABLE | IoSource.EDGE))
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThat(level.events()).as("the refused change changed nothing").isEqualTo(IoSource.READABLE);
            e.write(1);
            runUntil(loop, () -> calls.get() == 1);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void fdsThatStayReadyAreServedInTurnWhenMoreAreReadyThanABatchHolds(Backend backend) throws Exception {
        List<Pipe> pipes = new ArrayList<>();
        try (EventLoop loop = EventLoop.builder().backend(backend).maxEventsPerPoll(4).build()) {
            Set<Integer> expected = new TreeSet<>();
            Set<Integer> dispatched = new TreeSet<>();
            for (int i = 0; i < 8; i++) {
                Pipe pipe = Pipe.open();
                pipes.add(pipe);
                expected.add(pipe.readEnd().number());
                pipe.writeEnd().write(ByteBuffer.allocate(1)); // never read: ready in every wait
                loop.onReadable(pipe.readEnd(), (s, ev) -> dispatched.add(s.fd().number()));
            }
            runUntil(loop, () -> dispatched.size() == 8); // a scan that always starts at the same fd never gets here
            assertThat(dispatched).isEqualTo(expected);
        } finally {
            pipes.forEach(Pipe::close);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void manyReadyFdsAreEachDispatchedAcrossSmallBatches(Backend backend) throws Exception {
        List<Pipe> pipes = new ArrayList<>();
        try (EventLoop loop = EventLoop.builder().backend(backend).maxEventsPerPoll(4).build()) {
            Set<Integer> expected = new TreeSet<>();
            Set<Integer> dispatched = new TreeSet<>();
            for (int i = 0; i < 30; i++) {
                Pipe pipe = Pipe.open();
                pipes.add(pipe);
                expected.add(pipe.readEnd().number());
                loop.onReadable(pipe.readEnd(), (s, ev) -> {
                    assertThat(drain((StreamFd) s.fd())).isEqualTo(1);
                    dispatched.add(s.fd().number());
                    s.close(); // closing in the handler reorders the backend's table
                });
            }
            for (Pipe pipe : pipes) {
                pipe.writeEnd().write(ByteBuffer.allocate(1));
            }
            runUntil(loop, () -> dispatched.size() == 30);
            assertThat(dispatched).isEqualTo(expected);
        } finally {
            pipes.forEach(Pipe::close);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void sourceClosedInACallbackGetsNoEventEvenWhenItsFdNumberIsReusedInTheBatch(Backend backend) throws Exception {
        try (EventLoop loop = open(backend); EventFd first = EventFd.open(); EventFd third = EventFd.open()) {
            EventFd second = EventFd.open();
            int secondNumber = second.number();
            List<String> calls = new ArrayList<>();
            AtomicReference<EventFd> reused = new AtomicReference<>();
            IoSource[] secondSource = new IoSource[1];
            IoSource[] thirdSource = new IoSource[1];
            IoSource firstSource = loop.onReadable(first, (s, ev) -> {
                calls.add("first");
                first.read();
                thirdSource[0].close();
                secondSource[0].close();
                second.close();
                EventFd again = EventFd.open();
                reused.set(again);
                again.write(1);
                loop.onReadable(again, (s2, ev2) -> {
                    calls.add("reused");
                    again.read();
                });
            });
            firstSource.setPriority(-1);
            secondSource[0] = loop.onReadable(second, (s, ev) -> calls.add("second"));
            thirdSource[0] = loop.onReadable(third, (s, ev) -> calls.add("third"));
            first.write(1);
            second.write(1);
            third.write(1);
            Pollers.awaitQueuedReports(loop.poller(), 3, PATIENCE); // THREADS: all three in the next batch
            runUntil(loop, () -> !calls.isEmpty());
            assertThat(reused.get().number()).as("the kernel gave the closed number to the new eventfd").isEqualTo(secondNumber);
            assertThat(calls).containsExactly("first");
            runUntil(loop, () -> calls.size() == 2);
            assertThat(calls).containsExactly("first", "reused");
            reused.get().close();
        }
    }

    // ---- timers and execute --------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Backend.class)
    void timersFireInDeadlineOrderAndNeverEarly(Backend backend) throws Exception {
        try (EventLoop loop = open(backend)) {
            List<String> fired = new ArrayList<>();
            List<Long> lateness = new ArrayList<>();
            long start = System.nanoTime();
            for (int millis : new int[] {30, 10, 20, 1}) {
                long deadline = start + millis * 1_000_000L;
                loop.scheduleAt(deadline, t -> {
                    fired.add(millis + " ms");
                    lateness.add(System.nanoTime() - deadline);
                });
            }
            loop.run(); // returns when the last one-shot timer closed itself
            assertThat(fired).containsExactly("1 ms", "10 ms", "20 ms", "30 ms");
            assertThat(lateness).as("never before the deadline").allSatisfy(late -> assertThat(late).isNotNegative());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void executeFromAnotherThreadWakesTheSleepingLoopWithOneWrite(Backend backend) throws Exception {
        try (EventLoop loop = open(backend); EventFd keepAlive = EventFd.open()) {
            loop.onReadable(keepAlive, (s, ev) -> keepAlive.read());
            AtomicInteger ran = new AtomicInteger();
            int loopTid = OsThread.currentId();
            Thread late = Thread.ofPlatform().start(() -> {
                try {
                    Loops.awaitBlockedInWait(loopTid);
                } catch (Exception e) {
                    return; // the loop then times out with ran at 0, which fails the test
                }
                loop.execute(ran::incrementAndGet);
            });
            loop.runOnce(PATIENCE);
            late.join();
            assertThat(ran).hasValue(1);
            assertThat(loop.stats().wakeups()).isEqualTo(1);
        }
    }

    // ---- signals, child exit, files ---------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Backend.class)
    void signalQueuedToTheLoopThreadReachesItsThreadSignalSource(Backend backend) throws Exception {
        Signal rt = Signal.realtime(3);
        try (EventLoop loop = open(backend)) {
            List<String> seen = new ArrayList<>();
            loop.onThreadSignal(rt, (s, info) -> seen.add(info.codeName() + " " + info.value()));
            rt.queueToCurrentThread(7);
            rt.queueToCurrentThread(8);
            runUntil(loop, () -> seen.size() == 2);
            assertThat(seen).containsExactly("SI_QUEUE 7", "SI_QUEUE 8");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void signalSentToTheProcessReachesItsSignalSource(Backend backend) throws Exception {
        try (EventLoop loop = open(backend)) {
            List<String> seen = new ArrayList<>();
            loop.onSignal(Signal.USR1, (s, signal, count) -> seen.add(signal.name() + " x" + count));
            Signal.USR1.sendToProcess(PID);
            runUntil(loop, () -> !seen.isEmpty());
            assertThat(seen).containsExactly("SIGUSR1 x1");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void signalDrivenIoOfAnFdIsDispatchedWithItsBand(Backend backend) throws Exception {
        try (EventLoop loop = open(backend); Pipe pipe = Pipe.open()) {
            List<String> seen = new ArrayList<>();
            loop.onAsyncIo(pipe.readEnd(), (s, band) -> seen.add(AsyncIoSource.describeBand(band) + " " + drain(pipe.readEnd())));
            assertThat(runIdle(loop)).isZero();
            pipe.writeEnd().write(ByteBuffer.allocate(3));
            runUntil(loop, () -> !seen.isEmpty());
            assertThat(seen).containsExactly("POLLIN|POLLRDNORM 3");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void childExitIsReportedWithItsStatus(Backend backend) throws Exception {
        Process child = LoopExitTest.start("sleep", "30");
        try (EventLoop loop = open(backend)) {
            List<Integer> statuses = new ArrayList<>();
            loop.onExit(child, (s, process, status) -> statuses.add(status));
            assertThat(runIdle(loop)).as("still running").isZero();
            child.destroy();
            runUntil(loop, () -> !statuses.isEmpty());
            assertThat(statuses).containsExactly(143);
        } finally {
            LoopExitTest.stop(child);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void fileWatchReportsWhatHappensInTheDirectory(Backend backend) throws Exception {
        try (EventLoop loop = open(backend)) {
            List<String> seen = new ArrayList<>();
            loop.watch(dir, EnumSet.of(FileEvent.Kind.CREATE, FileEvent.Kind.CLOSE_WRITE), false, (s, e) -> seen.add(e.toString()));
            Path file = dir.resolve("a.txt");
            Files.writeString(file, "x");
            runUntil(loop, () -> seen.size() == 2);
            assertThat(seen).containsExactly("CREATE " + file, "CLOSE_WRITE " + file);
        }
    }

    // ---- closing ---------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Backend.class)
    void closingTheLoopReleasesEveryFdItCreated(Backend backend) throws Exception {
        Map<Integer, String> before = NoFdLeaks.openFds();
        Process child = LoopExitTest.start("sleep", "30");
        try (Pipe pipe = Pipe.open(); Pipe asyncPipe = Pipe.open(); EventFd user = EventFd.open()) {
            EventLoop loop = open(backend);
            loop.onReadable(pipe.readEnd(), (s, ev) -> {});
            loop.onIo(user, IoSource.WRITABLE | IoSource.ONESHOT, (s, ev) -> {});
            loop.onThreadSignal(Signal.realtime(3), (s, info) -> {});
            loop.onSignal(Signal.USR1, (s, signal, count) -> {});
            loop.onAsyncIo(asyncPipe.readEnd(), (s, band) -> {});
            loop.onExit(child, (s, process, status) -> {});
            loop.watch(dir, EnumSet.of(FileEvent.Kind.CREATE), true, (s, e) -> {});
            loop.schedule(Duration.ofHours(1), t -> {});
            loop.runOnce(Duration.ZERO);
            loop.close();
            assertThat(pipe.readEnd().isOpen() && user.isOpen()).as("a user's fds are not the loop's to close").isTrue();
        } finally {
            LoopExitTest.stop(child);
        }
        assertThat(NoFdLeaks.openFds()).isEqualTo(before);
    }

    // ---- limits of one backend ---------------------------------------------------------------------

    @Test
    void selectRefusesAnFdAtOrAboveFdSetSizeNamingTheBackendsWithoutTheLimit() throws Exception {
        try (EventLoop loop = open(Backend.SELECT); Pipe pipe = Pipe.open()) {
            int high = Errno.check(FileCalls.fcntl(pipe.readEnd().number(), Constants.F_DUPFD_CLOEXEC, 1500), "fcntl(F_DUPFD_CLOEXEC, 1500)");
            try (Fd copy = new Fd(high, "pipe read end (copy)") {}) {
                assertThat(high).isGreaterThanOrEqualTo(1500);
                assertThatThrownBy(() -> loop.onReadable(copy, (s, ev) -> {}))
                        .isInstanceOf(UnsupportedOperationException.class)
                        .hasMessageContaining("fd " + high + " is at or above FD_SETSIZE (1024)")
                        .hasMessageContaining("Backend.EPOLL, POLL, SIGIO or THREADS");
                assertThat(copy.isOpen()).isTrue();
                pipe.writeEnd().write(ByteBuffer.allocate(1));
                AtomicInteger calls = new AtomicInteger();
                loop.onReadable(pipe.readEnd(), (s, ev) -> calls.incrementAndGet()); // the loop goes on below the limit
                runUntil(loop, () -> calls.get() == 1);
            }
        }
    }

    @Test
    void selectRefusesReadHangupSayingWhatToUseInstead() throws Exception {
        try (EventLoop loop = open(Backend.SELECT); Pipe pipe = Pipe.open()) {
            assertThatThrownBy(() -> loop.onIo(pipe.readEnd(), IoSource.READ_HANGUP, (s, ev) -> {}))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("READ_HANGUP").hasMessageContaining("Backend.EPOLL or POLL");
        }
    }
}
