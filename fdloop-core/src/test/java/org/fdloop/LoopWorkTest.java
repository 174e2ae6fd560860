package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fdloop.testing.Loops.runIdle;
import static org.fdloop.testing.Loops.runUntil;
import static org.fdloop.testing.Ready.PATIENCE;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.fdloop.backend.Backend;
import org.fdloop.fd.EventFd;
import org.fdloop.fd.LinuxException;
import org.fdloop.fd.ListeningSocket;
import org.fdloop.fd.Pipe;
import org.fdloop.fd.StreamSocket;
import org.fdloop.internal.linux.Constants;
import org.fdloop.internal.linux.LibC;
import org.fdloop.testing.Allocations;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Issue 12 §2: work handed to the loop is never lost, and nothing spins. */
@ExtendWith(NoFdLeaks.class)
class LoopWorkTest {

    private static EventLoop open(Backend backend) throws Exception {
        return EventLoop.builder().backend(backend).build();
    }

    // ---- 1. start() runs until stop() or close(); unref() --------------------------------------------

    @ParameterizedTest
    @EnumSource(Backend.class)
    void startedLoopWithoutSourcesRunsTasksUntilClosed(Backend backend) throws Exception {
        EventLoop loop = open(backend);
        Thread thread = loop.start();
        thread.join(200); // a loop without sources used to end at once; waiting proves nothing else
        assertThat(thread.isAlive()).as("the loop's thread waits for work, with no source").isTrue();
        CountDownLatch ran = new CountDownLatch(1);
        loop.execute(ran::countDown);
        assertThat(ran.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("the task ran").isTrue();
        loop.close(); // from this thread: stops the loop and waits for its thread
        assertThat(thread.isAlive()).isFalse();
        assertThat(loop.isClosed()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void unreferencedSourceDoesNotKeepRunGoing(Backend backend) throws Exception {
        try (EventLoop loop = open(backend)) {
            AtomicInteger ticks = new AtomicInteger();
            TimerSource stats = loop.scheduleAtFixedRate(Duration.ZERO, Duration.ofMillis(1), t -> ticks.incrementAndGet());
            stats.unref();
            assertThat(stats.hasRef()).isFalse();
            AtomicInteger done = new AtomicInteger();
            loop.schedule(Duration.ofMillis(20), t -> done.incrementAndGet());
            loop.run(); // returns when the one-shot timer fired: the repeating one does not hold it
            assertThat(done).hasValue(1);
            assertThat(ticks.get()).as("the unreferenced timer ran meanwhile").isPositive();
            assertThat(stats.isClosed()).as("and it is still there").isFalse();
            stats.ref();
            assertThat(stats.hasRef()).isTrue();
            loop.schedule(Duration.ZERO, t -> t.loop().stop());
            loop.run(); // held by the referenced timer again: only stop() ends it
            assertThat(stats.isClosed()).isFalse();
        }
    }

    // ---- 2. execute() and schedule*() after the end throw ----------------------------------------------

    @Test
    void executeAndScheduleAfterCloseAreRejected() throws Exception {
        EventLoop loop = EventLoop.open();
        AtomicInteger ran = new AtomicInteger();
        loop.execute(ran::incrementAndGet);
        loop.close();
        assertThat(ran).as("a task accepted before close() runs in it").hasValue(1);
        assertThatThrownBy(() -> loop.execute(ran::incrementAndGet))
                .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("execute(): the loop is closed");
        assertThatThrownBy(() -> loop.schedule(Duration.ZERO, t -> {}))
                .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("closed");
        AtomicReference<Throwable> fromOther = new AtomicReference<>();
        Thread other = Thread.ofPlatform().start(() -> {
            try {
                loop.scheduleAtFixedRate(Duration.ZERO, Duration.ofSeconds(1), t -> {});
            } catch (Throwable t) {
                fromOther.set(t);
            }
        });
        other.join();
        assertThat(fromOther.get()).isInstanceOf(RejectedExecutionException.class);
        assertThat(ran).hasValue(1);
    }

    @Test
    void executeAfterTheStartedThreadEndedIsRejectedAndAcceptedTasksRan() throws Exception {
        EventLoop loop = EventLoop.open();
        try {
            Thread thread = loop.start();
            AtomicInteger ran = new AtomicInteger();
            loop.execute(loop::stop);
            for (int i = 0; i < 1000; i++) {
                try {
                    loop.execute(ran::incrementAndGet);
                } catch (RejectedExecutionException e) {
                    ran.incrementAndGet(); // refused, so not run: counted here so that the sum holds
                }
            }
            thread.join();
            assertThat(ran).as("every task was run or refused").hasValue(1000);
            assertThatThrownBy(() -> loop.execute(() -> {}))
                    .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("has ended");
        } finally {
            loop.close();
        }
    }

    // ---- 3. a throwing handler is disabled and reported once ----------------------------------------

    @ParameterizedTest
    @EnumSource(Backend.class)
    void throwingHandlerIsDisabledAndReportedOnce(Backend backend) throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        try (EventLoop loop = EventLoop.builder().backend(backend)
                .errorHandler((source, error) -> errors.add(source.name() + ": " + error.getMessage())).build();
             EventFd e = EventFd.open()) {
            AtomicInteger calls = new AtomicInteger();
            IoSource failing = loop.onReadable(e, (s, ev) -> {
                calls.incrementAndGet();
                throw new IllegalStateException("broken");
            });
            failing.named("failing");
            e.write(1); // never read: level-triggered, it stays ready
            runUntil(loop, () -> calls.get() > 0);
            runIdle(loop);
            assertThat(calls).as("called once, not again in every iteration").hasValue(1);
            assertThat(errors).containsExactly("failing: broken");
            assertThat(failing.isEnabled()).isFalse();
        }
    }

    @Test
    void defaultErrorHandlerPrintsOneLinePerFailingSource() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream before = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (EventLoop loop = EventLoop.open(); EventFd e = EventFd.open()) {
            loop.onReadable(e, (s, ev) -> {
                throw new IllegalStateException("broken");
            }).named("failing");
            e.write(1);
            for (int i = 0; i < 5; i++) {
                loop.runOnce(Duration.ofMillis(10));
            }
        } finally {
            System.setErr(before);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        assertThat(printed.lines().toList()).hasSize(1);
        assertThat(printed).startsWith("fdloop: failing failed and is disabled (enable() runs it again): "
                + "java.lang.IllegalStateException: broken, at org.fdloop.LoopWorkTest");
    }

    // ---- 4. a VirtualMachineError leaves the loop consistent ------------------------------------------

    @ParameterizedTest
    @EnumSource(Backend.class)
    void virtualMachineErrorFromAHandlerLeavesTheLoopUsable(Backend backend) throws Exception {
        try (EventLoop loop = open(backend); EventFd first = EventFd.open(); EventFd second = EventFd.open()) {
            AtomicInteger firstCalls = new AtomicInteger();
            List<Long> secondRead = new CopyOnWriteArrayList<>();
            loop.onReadable(first, (s, ev) -> {
                if (firstCalls.incrementAndGet() == 1) {
                    throw new StackOverflowError("deep");
                }
                first.read();
            }).setPriority(-1); // runs first in the batch
            loop.onReadable(second, (s, ev) -> secondRead.add(second.read()));
            AtomicInteger ticks = new AtomicInteger();
            loop.scheduleAtFixedRate(Duration.ZERO, Duration.ofMillis(1), t -> {
                if (ticks.incrementAndGet() == 1) {
                    throw new OutOfMemoryError("pretend");
                }
            });
            first.write(1);
            second.write(1);
            List<String> thrown = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 100 && thrown.size() < 2; i++) { // each error ends an iteration
                try {
                    loop.runOnce(PATIENCE);
                } catch (VirtualMachineError e) {
                    thrown.add(e.getMessage());
                }
            }
            assertThat(thrown).containsExactlyInAnyOrder("deep", "pretend");
            runUntil(loop, () -> secondRead.size() == 1 && firstCalls.get() >= 2 && ticks.get() >= 3);
            assertThat(secondRead).containsExactly(1L);
            second.write(2);
            runUntil(loop, () -> secondRead.size() == 2);
            assertThat(secondRead).containsExactly(1L, 2L);
        }
    }

    // ---- 6. setEvents re-arms a fired one-shot source --------------------------------------------------

    @ParameterizedTest
    @EnumSource(Backend.class)
    void setEventsRearmsAFiredOneShotSource(Backend backend) throws Exception {
        try (EventLoop loop = open(backend); EventFd e = EventFd.open()) {
            AtomicInteger calls = new AtomicInteger();
            IoSource source = loop.onIo(e, IoSource.READABLE | IoSource.ONESHOT, (s, ev) -> calls.incrementAndGet());
            e.write(1);
            runUntil(loop, () -> calls.get() == 1);
            assertThat(source.isEnabled()).as("fired").isFalse();
            runIdle(loop);
            assertThat(calls).hasValue(1);
            source.setEvents(IoSource.READABLE | IoSource.ONESHOT);
            assertThat(source.isEnabled()).as("re-armed by setEvents").isTrue();
            runUntil(loop, () -> calls.get() == 2);
        }
    }

    // ---- 5. closing an Fd that a source holds releases it by the next iteration --------------------

    @ParameterizedTest
    @EnumSource(Backend.class)
    void closingARegisteredFdReleasesItByTheNextIteration(Backend backend) throws Exception {
        try (EventLoop loop = open(backend); Pipe pipe = Pipe.open()) {
            IoSource source = loop.onReadable(pipe.readEnd(), (s, ev) -> {}); // never ready: nothing is written
            Thread closer = Thread.ofPlatform().start(() -> pipe.readEnd().close());
            closer.join();
            // the write end sees the read end gone (POLLERR) only once the descriptor is released
            runUntil(loop, () -> {
                try {
                    return (Ready.poll(pipe.writeEnd(), Constants.POLLOUT, Duration.ZERO) & Constants.POLLERR) != 0;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(source.isClosed()).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void peerSeesTheEndOfAConnectionClosedByAHandler(Backend backend) throws Exception {
        try (EventLoop loop = open(backend);
             ListeningSocket server = ListeningSocket.listenOn(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             StreamSocket client = StreamSocket.connectTo(server.localAddress())) {
            assertThat(Ready.poll(server, Constants.POLLIN, PATIENCE)).isNotZero();
            StreamSocket accepted = server.accept();
            loop.onReadable(accepted, (s, ev) -> {}); // the client sends nothing
            loop.schedule(Duration.ZERO, t -> accepted.close()); // a handler closes the connection
            runUntil(loop, () -> {
                try {
                    return client.read(ByteBuffer.allocate(8)) == -1; // end of stream: the FIN came
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
    }

    // ---- 7. THREADS reports every ready level-triggered fd in every iteration -------------------

    @ParameterizedTest
    @EnumSource(Backend.class)
    void everyReadyLevelTriggeredFdIsReportedInEveryIteration(Backend backend) throws Exception {
        try (EventLoop loop = open(backend); EventFd a = EventFd.open(); EventFd b = EventFd.open()) {
            int[] calls = new int[2];
            loop.onReadable(a, (s, ev) -> calls[0]++); // never read: both stay ready
            loop.onReadable(b, (s, ev) -> calls[1]++);
            a.write(1);
            b.write(1);
            runUntil(loop, () -> calls[0] > 0 && calls[1] > 0); // the workers' first reports may come apart
            for (int i = 0; i < 40; i++) {
                calls[0] = 0;
                calls[1] = 0;
                int dispatched = loop.runOnce(PATIENCE);
                assertThat(calls).as("iteration " + i + " (" + dispatched + " dispatched)").containsExactly(1, 1);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void anFdReadyAgainAfterItsHandlerDrainedItIsDispatchedAgain(Backend backend) throws Exception {
        EventLoop loop = open(backend);
        try (EventFd e = EventFd.open()) {
            AtomicInteger calls = new AtomicInteger();
            loop.onReadable(e, (s, ev) -> {
                e.read();
                calls.incrementAndGet();
            });
            loop.start();
            for (int i = 1; i <= 200; i++) { // a ping-pong: THREADS once parked the fd's worker while the loop slept
                e.write(1);
                long deadline = System.nanoTime() + PATIENCE.toNanos();
                while (calls.get() < i && System.nanoTime() - deadline < 0) {
                    Thread.onSpinWait();
                }
                assertThat(calls).as("write " + i).hasValue(i);
            }
        } finally {
            loop.close();
        }
    }

    // ---- 9. a listening socket at EMFILE does not spin ---------------------------------------------

    @ParameterizedTest
    @EnumSource(Backend.class)
    void listeningSocketOutOfDescriptorsDropsWaitingConnectionsAndSaysSoOnce(Backend backend) throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        try (EventLoop loop = EventLoop.builder().backend(backend)
                .errorHandler((source, error) -> errors.add(error.getMessage())).build();
             ListeningSocket server = ListeningSocket.listenOn(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             StreamSocket first = StreamSocket.connectTo(server.localAddress());
             StreamSocket second = StreamSocket.connectTo(server.localAddress())) {
            List<StreamSocket> accepted = new ArrayList<>();
            AtomicInteger calls = new AtomicInteger();
            IoSource listener = loop.onReadable(server, (s, ev) -> {
                calls.incrementAndGet();
                for (StreamSocket c; (c = server.accept()) != null; ) {
                    accepted.add(c);
                }
            });
            assertThat(Ready.poll(server, Constants.POLLIN, PATIENCE)).as("both connections wait").isNotZero();
            ByteBuffer buffer = ByteBuffer.allocate(8);
            // what runs out of descriptors must not need one to load its classes: load them now
            assertThat(org.fdloop.internal.linux.Errno.exception("accept4", Constants.EMFILE).errnoName()).isEqualTo("EMFILE");
            assertThatThrownBy(() -> ListeningSocket.listenOn(server.localAddress())).isInstanceOf(LinuxException.class);
            long[] limit = LibC.getrlimit(Constants.RLIMIT_NOFILE);
            List<EventFd> filling = new ArrayList<>();
            int firstEnd;
            try {
                // no descriptor left: the limit just above the highest open one, and every hole below it filled
                LibC.setrlimit(Constants.RLIMIT_NOFILE, highestOpenFd() + 1, limit[1]);
                try {
                    while (true) {
                        filling.add(EventFd.open());
                    }
                } catch (LinuxException e) {
                    assertThat(e.errnoName()).isEqualTo("EMFILE");
                }
                for (int i = 0; i < 5; i++) {
                    loop.runOnce(Duration.ofMillis(20));
                }
                firstEnd = first.read(buffer);
            } finally {
                LibC.setrlimit(Constants.RLIMIT_NOFILE, limit[0], limit[1]);
                filling.forEach(EventFd::close);
            }
            assertThat(firstEnd).as("the waiting connection was closed, not left in the queue").isEqualTo(-1);
            assertThat(second.read(buffer)).isEqualTo(-1);
            assertThat(calls).as("called once: nothing left to accept after the drop").hasValue(1);
            assertThat(accepted).isEmpty();
            assertThat(listener.isEnabled()).as("the listener stays enabled").isTrue();
            try (StreamSocket third = StreamSocket.connectTo(server.localAddress())) {
                runUntil(loop, () -> accepted.size() == 1); // descriptors are free again: it accepts
            }
            accepted.forEach(StreamSocket::close);
            assertThat(errors).hasSize(1);
            assertThat(errors.get(0)).contains("is out of file descriptors").contains("EMFILE").contains("says so once");
        }
    }

    private static int highestOpenFd() throws Exception {
        int highest = 0;
        try (var entries = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path entry : entries) {
                highest = Math.max(highest, Integer.parseInt(entry.getFileName().toString()));
            }
        }
        return highest;
    }

    // ---- 8. after close(), closing a source or cancelling a timer does nothing ------------------------

    @Test
    void closingSourcesAfterTheLoopClosedDoesNothing() throws Exception {
        EventLoop loop = EventLoop.open();
        EventFd e = EventFd.open();
        IoSource io = loop.onReadable(e, (s, ev) -> {});
        TimerSource timer = loop.schedule(Duration.ofDays(1), t -> {});
        TimerSource other = loop.scheduleAtFixedRate(Duration.ofDays(1), Duration.ofDays(1), t -> {});
        HookSource hook = loop.post(() -> {});
        loop.close();
        io.close();
        timer.cancel();
        timer.close();
        hook.close();
        AtomicReference<Throwable> fromOther = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().start(() -> {
            try {
                other.cancel();
                other.close();
            } catch (Throwable t) {
                fromOther.set(t);
            }
        });
        thread.join();
        assertThat(fromOther.get()).isNull();
        assertThat(io.isClosed() && timer.isClosed() && other.isClosed() && hook.isClosed()).isTrue();
        e.close();
    }

    // ---- 10. restart(Duration) ----------------------------------------------------------------------------

    @Test
    void restartPushesAnIdleTimeoutBackWithoutANewTimer() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            AtomicInteger fired = new AtomicInteger();
            TimerSource idle = loop.schedule(Duration.ofDays(1), t -> fired.incrementAndGet());
            long before = System.nanoTime();
            idle.restart(Duration.ofDays(2));
            assertThat(idle.deadlineNanos() - before).isGreaterThanOrEqualTo(Duration.ofDays(2).toNanos());
            Duration three = Duration.ofDays(3);
            for (int i = 0; i < 20_000; i++) { // warm
                idle.restart(three);
            }
            long allocated = Allocations.ofCurrentThread();
            for (int i = 0; i < 100_000; i++) {
                idle.restart(three);
            }
            assertThat(Allocations.ofCurrentThread() - allocated).as("bytes for 100,000 restarts").isLessThan(1024);
            idle.disable();
            idle.restart(Duration.ZERO); // enables it, due now
            assertThat(idle.isEnabled()).isTrue();
            runUntil(loop, () -> fired.get() == 1);
            assertThat(idle.isClosed()).as("a one-shot timer closes when it fires").isTrue();
            assertThatThrownBy(() -> idle.restart(Duration.ZERO)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("schedule a new one");
        }
    }

    @Test
    void timerRestartedFromItsOwnHandlerFiresAgain() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            AtomicInteger fired = new AtomicInteger();
            loop.schedule(Duration.ZERO, t -> {
                if (fired.incrementAndGet() < 3) {
                    t.restart(Duration.ZERO);
                }
            });
            loop.run();
            assertThat(fired).hasValue(3);
        }
    }
}
