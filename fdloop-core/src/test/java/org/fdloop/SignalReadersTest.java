package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fdloop.testing.Loops.runUntil;
import static org.fdloop.testing.Ready.PATIENCE;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.fdloop.backend.Backend;
import org.fdloop.fd.OsPipe;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalInfo;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One signal, one kind of reader per process ({@link org.fdloop.internal.SignalRules#claim}): a
 * signalfd reads the process-directed signals of its mask too, so a loop that took a signal with
 * fdloop's native handler lost, uncounted, those that another loop's signalfd (onThreadSignal,
 * onAsyncIo, the SIGIO backend) read first. The second kind is refused, in either order, on
 * every backend; loops that read different signals add up exactly.
 */
@ExtendWith(NoFdLeaks.class)
class SignalReadersTest {
    private static final long PID = ProcessHandle.current().pid();
    private static final Signal RT = Signal.realtime(5);

    private static EventLoop open(Backend backend) throws Exception {
        return EventLoop.builder().backend(backend).build();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aThreadSignalIsRefusedWhereAnotherLoopTakesItOnTheNativeRouteAndTheOtherWayRound(Backend backend) throws Exception {
        try (EventLoop handler = EventLoop.open(); EventLoop reader = open(backend)) {
            SignalSource taken = handler.onSignal(RT, (s, signal, count) -> {});
            assertThatThrownBy(() -> reader.onThreadSignal(RT, (s, info) -> {}))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("onThreadSignal(SIGRTMIN+5): SIGRTMIN+5 is taken in this process by fdloop's "
                            + "native signal handler")
                    .hasMessageContaining("Use another signal for one of them, or close the other first");
            taken.close();
            reader.onThreadSignal(RT, (s, info) -> {});
            assertThatThrownBy(() -> handler.onSignal(RT, (s, signal, count) -> {}))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("onSignal(SIGRTMIN+5): SIGRTMIN+5 is taken in this process by a loop thread's "
                            + "signalfd")
                    .hasMessageContaining("until its loop closes");
        }
        try (EventLoop handler = EventLoop.open()) {
            handler.onSignal(RT, (s, signal, count) -> {}).close(); // the signalfd's loop closed: free again
        }
    }

    @Test
    void theSigioBackendsSignalAndOnSignalAreRefusedEachWhereTheOtherIs() throws Exception {
        Signal backendSignal = Signal.realtime(9);
        try (EventLoop handler = EventLoop.open()) {
            handler.onSignal(backendSignal, (s, signal, count) -> {});
            assertThatThrownBy(() -> open(Backend.SIGIO)).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("the SIGIO backend's readiness signal: SIGRTMIN+9 is taken in this process by "
                            + "fdloop's native signal handler");
        }
        try (EventLoop sigio = open(Backend.SIGIO); EventLoop handler = EventLoop.open()) {
            assertThatThrownBy(() -> handler.onSignal(backendSignal, (s, signal, count) -> {}))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("SIGIO backend");
        }
    }

    @Test
    void anAsyncIoSignalIsRefusedWhereAnotherLoopTakesItOnTheNativeRoute() throws Exception {
        try (EventLoop handler = EventLoop.open(); EventLoop reader = EventLoop.open(); OsPipe pipe = OsPipe.open()) {
            handler.onSignal(RT, (s, signal, count) -> {});
            assertThatThrownBy(() -> reader.onAsyncIo(pipe.readEnd(), IoSource.READABLE, RT, (s, band) -> {}))
                    .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("onAsyncIo(")
                    .hasMessageContaining("SIGRTMIN+5 is taken in this process by fdloop's native signal handler");
            assertThat(pipe.readEnd().isAsync()).as("left as it was").isFalse();
        }
    }

    @Test
    void aThreadSignalIsRefusedWhereALoopTakesItOnTheJvmRoute() throws Exception {
        try (EventLoop handler = EventLoop.builder().signalRoute(SignalRoute.JVM).build(); EventLoop reader = EventLoop.open()) {
            handler.onSignal(Signal.USR1, (s, signal, count) -> {});
            assertThatThrownBy(() -> reader.onThreadSignal(Signal.USR1, (s, info) -> {}))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("taken in this process by the JVM's signal handler");
        }
    }

    @Test
    void theNativeAndTheJvmRouteAreRefusedEachWhereTheOtherIs() throws Exception {
        try (EventLoop jvm = EventLoop.builder().signalRoute(SignalRoute.JVM).build(); EventLoop nativeLoop = EventLoop.open()) {
            SignalSource first = jvm.onSignal(Signal.USR1, (s, signal, count) -> {});
            assertThatThrownBy(() -> nativeLoop.onSignal(Signal.USR1, (s, signal, count) -> {}))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("SignalRoute.JVM");
            first.close();
            nativeLoop.onSignal(Signal.USR1, (s, signal, count) -> {});
            assertThatThrownBy(() -> jvm.onSignal(Signal.USR1, (s, signal, count) -> {}))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("native signal handler");
        }
    }

    /**
     * A storm of one signal to the process while another loop, on its own thread and backend,
     * reads another signal from its signalfd: every one sent is delivered or reported lost.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void aLoopReadingAnotherSignalTakesNothingFromTheNativeLoop(Backend backend) throws Exception {
        int sent = 2_000;
        Signal other = Signal.realtime(6);
        try (EventLoop handler = EventLoop.builder().signalPipeBytes(64 * 1024).build(); EventLoop reader = open(backend)) {
            AtomicLong delivered = new AtomicLong();
            AtomicLong lost = new AtomicLong();
            handler.onSignal(RT, new SignalInfoHandler() {
                @Override
                public void received(SignalSource source, SignalInfo info) {
                    delivered.incrementAndGet();
                }

                @Override
                public void overflowed(SignalSource source, long count) {
                    lost.addAndGet(count);
                }
            });
            AtomicLong readerTook = new AtomicLong();
            reader.onThreadSignal(other, (s, info) -> readerTook.incrementAndGet());
            reader.schedule(Duration.ofMinutes(10), t -> {}); // keeps it running until stopped
            Thread readerThread = reader.start();
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < sent; i++) {
                        while (!RT.queueToProcess(PID, i)) {
                            Thread.onSpinWait(); // the realtime queue is full: the handlers empty it in microseconds
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                runUntil(handler, Duration.ofSeconds(120), () -> delivered.get() + lost.get() >= sent);
                sender.join(PATIENCE.toMillis());
                handler.runOnce(Duration.ofMillis(100)); // nothing more may come
            } finally {
                reader.stop();
                readerThread.join(PATIENCE.toMillis());
            }
            assertThat(delivered.get() + lost.get()).as("delivered %d + lost %d", delivered.get(), lost.get()).isEqualTo(sent);
            assertThat(readerTook.get()).isZero();
        }
    }
}
