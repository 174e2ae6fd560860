package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fdloop.testing.Loops.runIdle;
import static org.fdloop.testing.Loops.runUntil;
import static org.fdloop.testing.Reads.drain;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.fdloop.fd.AsyncOwner;
import org.fdloop.fd.OsThread;
import org.fdloop.fd.OsPipe;
import org.fdloop.fd.Signal;
import org.fdloop.internal.linux.NativeSignalHandler;
import org.fdloop.testing.ChildProcess;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signal-driven I/O with the owners of seed 003 besides a thread: F_SETOWN to the process,
 * F_SETOWN_EX to the process group (in a child JVM of its own session, so that no other process
 * gets the signal), and plain SIGIO (F_SETSIG 0). A process owner's signal lands on any thread,
 * where fdloop's native handler takes it with si_fd and si_band; an owner whose signal would end
 * the JVM is refused.
 */
@ExtendWith(NoFdLeaks.class)
class AsyncIoOwnerTest {
    private static final Signal RT = Signal.realtime(7);

    @TempDir
    Path dir;

    private static void write(OsPipe pipe, int bytes) throws Exception {
        assertThat(pipe.writeEnd().write(ByteBuffer.allocate(bytes))).isEqualTo(bytes);
    }

    @Test
    void aProcessOwnersSignalIsTakenByTheNativeHandlerWithTheFdAndBand() throws Exception {
        try (EventLoop loop = EventLoop.open(); OsPipe pipe = OsPipe.open()) {
            List<String> seen = new ArrayList<>();
            AsyncIoSource source = loop.onAsyncIo(pipe.readEnd(), IoSource.READABLE, RT, AsyncOwner.Kind.PROCESS, (s, band) ->
                    seen.add(s.fd().number() + " " + AsyncIoSource.describeBand(band) + " " + drain(pipe.readEnd())));
            assertThat(pipe.readEnd().asyncOwner()).isEqualTo(AsyncOwner.ofThisProcess());
            assertThat(pipe.readEnd().asyncSignal()).isEqualTo(RT);
            assertThat(source.owner()).isEqualTo(AsyncOwner.Kind.PROCESS);
            assertThat(NativeSignalHandler.isInstalled(RT.number())).isTrue();
            assertThat(NativeSignalHandler.isInstalled(Signal.IO.number())).as("for the kernel's queue-full SIGIO").isTrue();
            assertThat(runIdle(loop)).as("nothing written yet").isZero();

            write(pipe, 3);
            runUntil(loop, () -> !seen.isEmpty());
            assertThat(seen).containsExactly(pipe.readEnd().number() + " POLLIN|POLLRDNORM 3");
            source.close();
            assertThat(pipe.readEnd().isAsync()).isFalse();
            assertThat(NativeSignalHandler.currentAction(Signal.IO.number())[0])
                    .as("one may still be pending, and SIG_DFL would end the JVM: the handler stays, writing nowhere")
                    .isEqualTo(NativeSignalHandler.address());
            assertThat(NativeSignalHandler.currentAction(RT.number())[0]).isEqualTo(NativeSignalHandler.address());
        }
    }

    @Test
    void plainSigioToTheProcessIsAnsweredByPollingTheFd() throws Exception {
        try (EventLoop loop = EventLoop.open(); OsPipe pipe = OsPipe.open()) {
            List<String> seen = new ArrayList<>();
            loop.onAsyncIo(pipe.readEnd(), IoSource.READABLE, Signal.IO, AsyncOwner.Kind.PROCESS, (s, band) ->
                    seen.add(AsyncIoSource.describeBand(band) + " " + drain(pipe.readEnd())));
            assertThat(pipe.readEnd().asyncSignal()).as("F_SETSIG 0").isNull();
            assertThat(runIdle(loop)).isZero();
            write(pipe, 2);
            runUntil(loop, () -> !seen.isEmpty());
            assertThat(seen).containsExactly("POLLIN|POLLRDNORM 2");
            assertThat(loop.signalQueueOverflows()).as("a plain SIGIO is no overflow").isZero();
        }
    }

    @Test
    void plainSigioToTheLoopThreadIsAnsweredByPollingTheFd() throws Exception {
        try (EventLoop loop = EventLoop.open(); OsPipe pipe = OsPipe.open()) {
            List<String> seen = new ArrayList<>();
            loop.onAsyncIo(pipe.readEnd(), IoSource.READABLE, Signal.IO, AsyncOwner.Kind.THREAD, (s, band) ->
                    seen.add(AsyncIoSource.describeBand(band) + " " + drain(pipe.readEnd())));
            assertThat(pipe.readEnd().asyncSignal()).as("F_SETSIG 0").isNull();
            assertThat(pipe.readEnd().asyncOwner()).isEqualTo(new AsyncOwner(AsyncOwner.Kind.THREAD, OsThread.currentId()));
            assertThat(runIdle(loop)).isZero();
            write(pipe, 4);
            runUntil(loop, () -> !seen.isEmpty());
            assertThat(seen).containsExactly("POLLIN|POLLRDNORM 4");
            assertThat(loop.signalQueueOverflows()).as("a plain SIGIO the fd asked for is no overflow").isZero();
        }
    }

    @Test
    void aProcessOwnerWithoutAHandlerIsRefusedBecauseItWouldEndTheJvm() throws Exception {
        try (OsPipe pipe = OsPipe.open()) {
            // a signal no other test takes: a loop's process-owned signals stay handled for good
            Signal unhandled = Signal.realtime(8);
            assertThatThrownBy(() -> pipe.readEnd().enableAsync(unhandled, AsyncOwner.ofThisProcess()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no handler is installed for " + unhandled.name())
                    .hasMessageContaining("would end the JVM on the first event")
                    .hasMessageContaining("EventLoop.onAsyncIo");
            assertThatThrownBy(() -> pipe.readEnd().enableAsync(unhandled, AsyncOwner.ofThisProcessGroup()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("no handler is installed for");
            assertThat(pipe.readEnd().isAsync()).as("left as it was").isFalse();
            write(pipe, 1); // and nothing is sent: this JVM is still here
        }
    }

    @Test
    void aProcessOwnerIsRefusedOnTheJvmRouteAndBesideAThreadOwner() throws Exception {
        try (EventLoop jvm = EventLoop.builder().signalRoute(SignalRoute.JVM).build(); OsPipe pipe = OsPipe.open()) {
            assertThatThrownBy(() -> jvm.onAsyncIo(pipe.readEnd(), IoSource.READABLE, RT, AsyncOwner.Kind.PROCESS, (s, b) -> {}))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("SignalRoute.NATIVE");
            assertThat(pipe.readEnd().isAsync()).isFalse();
        }
        try (EventLoop threadOwned = EventLoop.open(); EventLoop processOwned = EventLoop.open();
                OsPipe a = OsPipe.open(); OsPipe b = OsPipe.open()) {
            threadOwned.onAsyncIo(a.readEnd(), (s, band) -> {});
            assertThatThrownBy(() -> processOwned.onAsyncIo(b.readEnd(), IoSource.READABLE, RT, AsyncOwner.Kind.PROCESS,
                    (s, band) -> {}))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("SIGIO is taken in this process by a "
                            + "loop thread's signalfd");
            assertThat(b.readEnd().isAsync()).isFalse();
        }
    }

    @Test
    void aProcessGroupOwnersSignalIsTakenWithTheFdAndBandInAJvmOfItsOwnSession() throws Exception {
        List<String> command = new ArrayList<>(List.of("setsid", "--wait"));
        command.addAll(ChildProcess.java(List.of(), SignalProbe.class, "asyncio", "PROCESS_GROUP"));
        ChildProcess.Result result = ChildProcess.run(command, dir, Duration.ofSeconds(30));
        assertThat(result.output()).as("the group is the child's own: setsid made it")
                .contains("owner PROCESS_GROUP, its own group: true")
                .contains("ready POLLIN|POLLRDNORM 5 bytes");
        assertThat(result.exitCode()).isZero();
    }
}
