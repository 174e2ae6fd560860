package org.fdloop;

import static org.fdloop.testing.Ready.PATIENCE;
import static org.fdloop.testing.Loops.runUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.fdloop.fd.OsThread;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalInfo;
import org.fdloop.fd.SignalSet;
import org.fdloop.internal.linux.ProcessCalls;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link EventLoop#onSignal} on both routes (the native handler, the JVM bridge) and
 * {@link EventLoop#onThreadSignal} (the loop's signalfd). NativeSignalTest has what only the
 * native route does.
 */
@ExtendWith(NoFdLeaks.class)
class LoopSignalTest {
    private static final Signal RT = Signal.realtime(3);
    private static final long PID = ProcessHandle.current().pid();

    private static void await(BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!done.getAsBoolean() && System.nanoTime() - deadline < 0) {
            Thread.sleep(1);
        }
        assertThat(done.getAsBoolean()).as("the awaited event happened within " + PATIENCE).isTrue();
    }

    private static EventLoop open(SignalRoute route) throws Exception {
        return EventLoop.builder().signalRoute(route).build();
    }

    /** Waits until the handler of {@code route} took {@code n} deliveries of {@code source}'s signal in all. */
    private static void awaitHandled(EventLoop loop, SignalSource source, long n) throws InterruptedException {
        await(() -> source.route() == SignalRoute.JVM ? source.bridgedCount.get() == n
                : loop.signals().nativeSent(source.signal()) == n);
    }

    // ---- process-directed signals ----------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(SignalRoute.class)
    void signalSentToTheProcessIsDispatchedOnTheLoopThread(SignalRoute route) throws Exception {
        try (EventLoop loop = open(route)) {
            List<String> seen = new ArrayList<>();
            SignalSource source = loop.onSignal(Signal.USR1,
                    (s, signal, count) -> seen.add(Thread.currentThread().getName() + " " + signal.name() + " x" + count));
            assertThat(source.signal()).isEqualTo(Signal.USR1);
            assertThat(source.isThreadDirected()).isFalse();
            assertThat(source.route()).isEqualTo(route);
            Signal.USR1.sendToProcess(PID);
            runUntil(loop, () -> !seen.isEmpty());
            assertThat(seen).containsExactly(Thread.currentThread().getName() + " SIGUSR1 x1");
        }
    }

    @ParameterizedTest
    @EnumSource(SignalRoute.class)
    void closingTheLoopClosesTheSourcesOfEverySignal(SignalRoute route) throws Exception {
        SignalSource usr1;
        SignalSource hup;
        try (EventLoop loop = open(route)) {
            usr1 = loop.onSignal(Signal.USR1, (s, signal, count) -> { });
            hup = loop.onSignal(Signal.HUP, (s, signal, count) -> { });
        }
        assertThat(usr1.isClosed()).isTrue();
        assertThat(hup.isClosed()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(SignalRoute.class)
    void aSourceDisabledByAnEarlierHandlerOfItsBatchRunsAgainOnceEnabled(SignalRoute route) throws Exception {
        try (EventLoop loop = open(route)) {
            List<String> seen = new ArrayList<>();
            SignalSource[] second = new SignalSource[1];
            SignalSource first = loop.onSignal(Signal.USR1, (s, signal, count) -> {
                seen.add("a");
                if (seen.size() == 1) {
                    second[0].disable(); // in the same batch as second's own report of this signal
                }
            });
            first.setPriority(-1);
            second[0] = loop.onSignal(Signal.USR1, (s, signal, count) -> seen.add("b"));
            Signal.USR1.sendToProcess(PID);
            runUntil(loop, () -> seen.size() == 1);
            assertThat(loop.runOnce(Duration.ZERO)).as("the disabled source's report was dropped").isZero();
            second[0].enable();
            Signal.USR1.sendToProcess(PID);
            runUntil(loop, () -> seen.size() == 3);
            assertThat(seen).containsExactly("a", "a", "b");
        }
    }

    @ParameterizedTest
    @EnumSource(SignalRoute.class)
    void deliveriesBeforeTheLoopLooksAreOneCallWithTheirCount(SignalRoute route) throws Exception {
        try (EventLoop loop = open(route)) {
            List<Integer> counts = new ArrayList<>();
            SignalSource source = loop.onSignal(Signal.USR1, (s, signal, count) -> counts.add(count));
            for (int i = 1; i <= 3; i++) {
                Signal.USR1.sendToProcess(PID);
                awaitHandled(loop, source, i); // the handler ran: the next send is a new delivery
            }
            loop.runOnce(PATIENCE);
            assertThat(counts).containsExactly(3);
        }
    }

    @ParameterizedTest
    @EnumSource(SignalRoute.class)
    void everyLoopWithASourceForTheSignalGetsIt(SignalRoute route) throws Exception {
        try (EventLoop first = open(route); EventLoop second = open(route)) {
            AtomicInteger a = new AtomicInteger();
            AtomicInteger b = new AtomicInteger();
            first.onSignal(Signal.WINCH, (s, signal, count) -> a.addAndGet(count));
            second.onSignal(Signal.WINCH, (s, signal, count) -> b.addAndGet(count));
            Signal.WINCH.sendToProcess(PID);
            runUntil(first, () -> a.get() == 1);
            runUntil(second, () -> b.get() == 1);
        }
    }

    @ParameterizedTest
    @EnumSource(SignalRoute.class)
    void closingTheLastSourcePutsThePreviousHandlerBack(SignalRoute route) throws Exception {
        AtomicInteger previousRan = new AtomicInteger();
        sun.misc.Signal winch = new sun.misc.Signal("WINCH");
        sun.misc.SignalHandler original = sun.misc.Signal.handle(winch, s -> previousRan.incrementAndGet());
        try (EventLoop loop = open(route)) {
            AtomicInteger first = new AtomicInteger();
            AtomicInteger second = new AtomicInteger();
            SignalSource one = loop.onSignal(Signal.WINCH, (s, signal, count) -> first.addAndGet(count));
            SignalSource two = loop.onSignal(Signal.WINCH, (s, signal, count) -> second.addAndGet(count));
            Signal.WINCH.sendToProcess(PID);
            runUntil(loop, () -> first.get() == 1 && second.get() == 1);

            one.close();
            Signal.WINCH.sendToProcess(PID);
            runUntil(loop, () -> second.get() == 2);
            assertThat(first).as("closed").hasValue(1);
            assertThat(previousRan).as("one source is left: the loop still has the signal").hasValue(0);

            two.close();
            Signal.WINCH.sendToProcess(PID);
            await(() -> previousRan.get() == 1);
            assertThat(second).hasValue(2);
        } finally {
            sun.misc.Signal.handle(winch, original);
        }
    }

    @ParameterizedTest
    @EnumSource(SignalRoute.class)
    void disabledSourceDropsWhatCameMeanwhile(SignalRoute route) throws Exception {
        try (EventLoop loop = open(route)) {
            List<Integer> counts = new ArrayList<>();
            SignalSource source = loop.onSignal(Signal.USR1, (s, signal, count) -> counts.add(count));
            source.disable();
            Signal.USR1.sendToProcess(PID);
            awaitHandled(loop, source, 1);
            loop.runOnce(PATIENCE);
            source.enable();
            Signal.USR1.sendToProcess(PID);
            runUntil(loop, () -> !counts.isEmpty());
            assertThat(counts).containsExactly(1);
        }
    }

    @Test
    void signalsTheJvmOrLibcOwnAreRefusedOnTheJvmRouteSayingWhy() throws Exception {
        try (EventLoop loop = open(SignalRoute.JVM)) {
            SignalHandler none = (s, signal, count) -> {};
            SignalInfoHandler noInfo = (s, info) -> {};
            assertThatThrownBy(() -> loop.onSignal(Signal.SEGV, none)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("onSignal(SIGSEGV)").hasMessageContaining("HotSpot");
            assertThatThrownBy(() -> loop.onSignal(Signal.QUIT, none)).hasMessageContaining("thread dump");
            assertThatThrownBy(() -> loop.onSignal(Signal.USR2, none)).hasMessageContaining("suspends");
            assertThatThrownBy(() -> loop.onSignal(Signal.PIPE, none)).hasMessageContaining("HotSpot");
            assertThatThrownBy(() -> loop.onSignal(Signal.KILL, none)).hasMessageContaining("cannot be caught");
            assertThatThrownBy(() -> loop.onSignal(Signal.of(32), none)).hasMessageContaining("glibc");
            assertThatThrownBy(() -> loop.onSignal(Signal.of(Signal.MAX_NUMBER - 2), none)).hasMessageContaining("JDK");
            assertThatThrownBy(() -> loop.onSignal(Signal.CHLD, none)).hasMessageContaining("onExit");
            assertThatThrownBy(() -> loop.onSignal(Signal.IO, none)).hasMessageContaining("onAsyncIo");
            assertThatThrownBy(() -> loop.onSignal(RT, none)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("onThreadSignal");
            assertThatThrownBy(() -> loop.onSignal(Signal.of(16), none)).hasMessageContaining("SIGUSR1");
            assertThatThrownBy(() -> loop.onThreadSignal(Signal.BUS, noInfo)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("onThreadSignal(SIGBUS)");
            assertThatThrownBy(() -> loop.onThreadSignal(Signal.of(33), noInfo)).hasMessageContaining("glibc");
            assertThatThrownBy(() -> loop.onSignal(null, none)).isInstanceOf(NullPointerException.class).hasMessageContaining("signal");
            assertThatThrownBy(() -> loop.onThreadSignal(RT, null)).isInstanceOf(NullPointerException.class).hasMessageContaining("handler");
            assertThat(SignalSet.handledByProcess().contains(Signal.USR1)).as("nothing was installed").isFalse();
        }
    }

    // ---- thread-directed signals, through the loop's signalfd ----------------------------------------

    @Test
    void signalQueuedToTheLoopThreadCarriesItsSiginfo() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            List<SignalInfo> seen = new ArrayList<>();
            SignalSource source = loop.onThreadSignal(RT, (s, info) -> seen.add(info));
            assertThat(source.isThreadDirected()).isTrue();
            RT.queueToCurrentThread(42);
            runUntil(loop, () -> !seen.isEmpty());
            SignalInfo info = seen.get(0);
            assertThat(info.signal()).isEqualTo(RT);
            assertThat(info.codeName()).isEqualTo("SI_QUEUE");
            assertThat(info.value()).isEqualTo(42);
            assertThat(info.pid()).isEqualTo(PID);
        }
    }

    @Test
    void realtimeSignalsQueueOneCallEachInOrder() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            List<Integer> values = new ArrayList<>();
            loop.onThreadSignal(RT, (s, info) -> values.add(info.value()));
            for (int i = 0; i < 5; i++) {
                RT.queueToCurrentThread(i);
            }
            runUntil(loop, () -> values.size() == 5);
            assertThat(values).containsExactly(0, 1, 2, 3, 4);
        }
    }

    @Test
    void tgkillFromAnotherThreadReachesTheLoopThread() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            List<String> seen = new ArrayList<>();
            loop.onThreadSignal(Signal.USR1, (s, info) -> seen.add(info.signal().name() + " " + info.codeName()));
            int tid = OsThread.currentId();
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    Signal.USR1.sendToThread(tid);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            sender.join();
            runUntil(loop, () -> !seen.isEmpty());
            assertThat(seen).containsExactly("SIGUSR1 SI_TKILL");
        }
    }

    @Test
    void sigioSentToTheLoopThreadReachesAThreadSignalSource() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            List<String> seen = new ArrayList<>();
            loop.onThreadSignal(Signal.IO, (s, info) -> seen.add(info.signal().name() + " " + info.codeName()));
            Signal.IO.sendToThread(OsThread.currentId());
            runUntil(loop, () -> !seen.isEmpty());
            assertThat(seen).containsExactly("SIGIO SI_TKILL");
        }
    }

    @Test
    void closingTheLoopTakesPendingSignalsAndUnblocksThem() throws Exception {
        SignalSet before = SignalSet.blockedInCurrentThread();
        assertThat(before.contains(RT)).isFalse();
        EventLoop loop = EventLoop.open();
        loop.onThreadSignal(RT, (s, info) -> {});
        loop.onThreadSignal(Signal.USR1, (s, info) -> {});
        assertThat(SignalSet.blockedInCurrentThread().contains(RT)).as("blocked while registered").isTrue();
        RT.queueToCurrentThread(1);
        Signal.USR1.sendToThread(OsThread.currentId());
        loop.close(); // unblocking them while pending would end the JVM
        assertThat(SignalSet.blockedInCurrentThread()).isEqualTo(before);
    }

    @Test
    void loopStartedLaterTakesThreadSignalsInItsOwnThread() throws Exception {
        SignalSet before = SignalSet.blockedInCurrentThread();
        EventLoop loop = EventLoop.builder().threadName("signal-loop").build();
        Thread thread = null;
        try {
            AtomicReference<String> handledIn = new AtomicReference<>();
            CountDownLatch handled = new CountDownLatch(1);
            loop.onThreadSignal(RT, (s, info) -> {
                handledIn.set(Thread.currentThread().getName() + " " + info.value());
                handled.countDown();
            });
            thread = loop.start();
            AtomicInteger loopTid = new AtomicInteger();
            CountDownLatch asked = new CountDownLatch(1);
            loop.execute(() -> {
                loopTid.set(OsThread.currentId());
                asked.countDown();
            });
            assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(SignalSet.blockedInThread(loopTid.get()).contains(RT)).as("the new thread inherited the mask").isTrue();
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    org.fdloop.internal.linux.ProcessCalls.tgkill(OsThread.processId(), loopTid.get(), RT.number());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            sender.join();
            assertThat(handled.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(handledIn.get()).isEqualTo("signal-loop 0");
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
    void virtualThreadCannotRegisterThreadSignals() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread.ofVirtual().start(() -> {
            try (EventLoop loop = EventLoop.open()) {
                loop.onThreadSignal(RT, (s, info) -> {});
            } catch (Throwable t) {
                failure.set(t);
            }
        }).join();
        assertThat(failure.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("platform thread");
    }
}
