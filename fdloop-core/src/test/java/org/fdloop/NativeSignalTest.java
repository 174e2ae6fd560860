package org.fdloop;

import static org.fdloop.testing.Ready.PATIENCE;
import static org.fdloop.testing.Loops.runUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.fdloop.backend.Backend;
import org.fdloop.fd.OsThread;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalInfo;
import org.fdloop.internal.linux.Constants;
import org.fdloop.internal.linux.NativeSignalHandler;
import org.fdloop.testing.ChildProcess;
import org.fdloop.testing.Loops;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link EventLoop#onSignal} on the {@link SignalRoute#NATIVE} route: signals sent by another
 * process ({@link SignalSender}) arrive with their siginfo, a storm adds up exactly, a full pipe
 * is reported as lost signals, and the previous action comes back.
 */
@ExtendWith(NoFdLeaks.class)
class NativeSignalTest {
    private static final long PID = ProcessHandle.current().pid();
    private static final Signal RT = Signal.realtime(5);

    @TempDir
    Path dir;

    /** Counts what a SignalInfoHandler gets. */
    private static final class Recorder implements SignalInfoHandler {
        final List<SignalInfo> infos = new ArrayList<>();
        final List<Long> overflows = new ArrayList<>();
        long lost;

        @Override
        public void received(SignalSource source, SignalInfo info) {
            infos.add(info);
        }

        @Override
        public void overflowed(SignalSource source, long count) {
            overflows.add(count);
            lost += count;
        }

        long total() {
            return infos.size() + lost;
        }
    }

    private static int realUid() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.split("\\s+")[1]);
            }
        }
        throw new IllegalStateException("no Uid: line in /proc/self/status");
    }

    /** Starts a JVM running {@link SignalSender} with {@code args}; its output goes to a file. */
    private Process sender(String... args) throws Exception {
        return ChildProcess.start(ChildProcess.java(List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1"), SignalSender.class, args),
                dir.resolve("sender-" + System.nanoTime() + ".txt"));
    }

    // ---- siginfo from another process ------------------------------------------------------------

    @Test
    void killFromAnotherProcessArrivesWithTheSendersPidAndUid() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            Recorder recorder = new Recorder();
            SignalSource source = loop.onSignal(Signal.USR1, recorder);
            assertThat(source.route()).isEqualTo(SignalRoute.NATIVE);
            Process sender = sender("kill", Long.toString(PID), "USR1");
            try {
                runUntil(loop, PATIENCE, () -> !recorder.infos.isEmpty());
                assertThat(sender.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(sender.exitValue()).isZero();
            } finally {
                ChildProcess.stop(sender);
            }
            SignalInfo info = recorder.infos.getFirst();
            assertThat(info.signal()).isEqualTo(Signal.USR1);
            assertThat(info.codeName()).isEqualTo("SI_USER");
            assertThat(info.pid()).as("the sender's pid").isEqualTo(sender.pid()).isNotEqualTo(PID);
            assertThat(info.uid()).isEqualTo(realUid());
            assertThat(recorder.infos).hasSize(1);
            assertThat(recorder.overflows).isEmpty();
        }
    }

    @Test
    void sigqueueFromAnotherProcessArrivesWithItsValue() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            Recorder recorder = new Recorder();
            loop.onSignal(RT, recorder);
            Process sender = sender("queue", Long.toString(PID), RT.name(), "3");
            try {
                runUntil(loop, PATIENCE, () -> recorder.infos.size() == 3);
                assertThat(sender.waitFor(60, TimeUnit.SECONDS)).isTrue();
            } finally {
                ChildProcess.stop(sender);
            }
            assertThat(recorder.infos).extracting(SignalInfo::signo).containsOnly(RT.number());
            assertThat(recorder.infos).extracting(SignalInfo::codeName).containsOnly("SI_QUEUE");
            assertThat(recorder.infos).extracting(SignalInfo::pid).containsOnly((int) sender.pid());
            assertThat(recorder.infos).extracting(SignalInfo::uid).containsOnly(realUid());
            assertThat(recorder.infos).extracting(SignalInfo::value).containsExactlyInAnyOrder(0, 1, 2);
        }
    }

    @Test
    void countHandlerGetsEachDeliveryCounted() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            List<Integer> counts = new ArrayList<>();
            SignalSource source = loop.onSignal(RT, (s, signal, count) -> counts.add(count));
            for (int i = 0; i < 5; i++) {
                assertThat(RT.queueToProcess(PID, i)).isTrue();
            }
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (loop.signals().nativeSent(RT) < 5 && System.nanoTime() - deadline < 0) {
                Thread.sleep(1);
            }
            assertThat(loop.signals().nativeSent(RT)).as("the handler wrote all 5 before the loop looked").isEqualTo(5);
            runUntil(loop, PATIENCE, () -> counts.stream().mapToInt(Integer::intValue).sum() == 5);
            assertThat(counts).containsExactly(5);
            assertThat(source.isThreadDirected()).isFalse();
        }
    }

    // ---- the storm and the full pipe ------------------------------------------------------------

    @Test
    void recordsThatDoNotFitInTheFullPipeAreReportedLostWithTheirNumber() throws Exception {
        try (EventLoop loop = EventLoop.builder().signalPipeBytes(4096).build()) {  // 32 records
            Recorder recorder = new Recorder();
            loop.onSignal(RT, recorder);
            Process sender = sender("queue", Long.toString(PID), RT.name(), "100");
            try {
                assertThat(sender.waitFor(60, TimeUnit.SECONDS)).isTrue();
                long deadline = System.nanoTime() + PATIENCE.toNanos();
                while ((loop.signals().nativeSent(RT) < 100 || NativeSignalHandler.active() != 0)
                        && System.nanoTime() - deadline < 0) {
                    Thread.sleep(1); // every handler has run before the loop reads anything
                }
                assertThat(loop.signals().nativeSent(RT)).isEqualTo(100);
                assertThat(NativeSignalHandler.active()).as("no handler still running").isZero();
            } finally {
                ChildProcess.stop(sender);
            }
            runUntil(loop, PATIENCE, () -> recorder.total() == 100);
            assertThat(recorder.infos).as("what the pipe held").hasSize(32);
            assertThat(recorder.overflows).as("one overflow event with the number lost").containsExactly(68L);
            assertThat(recorder.infos).extracting(SignalInfo::value).doesNotHaveDuplicates()
                    .allSatisfy(v -> assertThat(v).isBetween(0, 99));
        }
    }

    @Test
    void stormOfRealtimeSignalsFromAnotherProcessAddsUpExactlyWhileTheJvmIsBusy() throws Exception {
        int sent = 20_000;
        WeakReference<Object> canary = new WeakReference<>(new Object()); // cleared by the first collection
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> busy = new ArrayList<>();
        // a 64 KiB pipe (512 records), so that the loop, busy too, may fall behind and lose some
        try (EventLoop loop = EventLoop.builder().signalPipeBytes(64 * 1024).build()) {
            Recorder recorder = new Recorder();
            loop.onSignal(RT, recorder);
            for (int t = 0; t < 2; t++) {
                busy.add(Thread.ofPlatform().name("busy-" + t).start(() -> keepTheJvmBusy(stop)));
            }
            Process sender = sender("queue", Long.toString(PID), RT.name(), Integer.toString(sent));
            try {
                runUntil(loop, Duration.ofSeconds(120), () -> recorder.total() >= sent);
                assertThat(sender.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(sender.exitValue()).isZero();
                loop.runOnce(Duration.ofMillis(200)); // nothing more may come
            } finally {
                stop.set(true);
                for (Thread t : busy) {
                    t.join();
                }
                ChildProcess.stop(sender);
            }
            System.out.println("storm: " + recorder.infos.size() + " delivered, " + recorder.lost + " lost in "
                    + recorder.overflows.size() + " overflow events");
            assertThat(recorder.total()).as("delivered + lost").isEqualTo(sent);
            assertThat(recorder.infos).extracting(SignalInfo::value).doesNotHaveDuplicates();
            assertThat(recorder.infos).extracting(SignalInfo::codeName).containsOnly("SI_QUEUE");
            assertThat(recorder.infos).extracting(SignalInfo::pid).containsOnly((int) sender.pid());
        }
        assertThat(canary.get()).as("the garbage collector ran during the storm").isNull();
    }

    /** Allocates (so the GC runs), runs fresh code (so the JIT compiles) and starts threads. */
    private static void keepTheJvmBusy(AtomicBoolean stop) {
        long round = 0;
        while (!stop.get()) {
            byte[][] garbage = new byte[64][];
            for (int i = 0; i < garbage.length; i++) {
                garbage[i] = new byte[16 * 1024];
            }
            long r = round++;
            int sum = IntStream.range(0, 2000).map(i -> (int) (i * r) ^ garbage.length).filter(i -> i % 3 != 0).sum();
            Set<String> words = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                words.add(Integer.toString(i + sum, 7 + (int) (r % 20)));
            }
            Thread child = Thread.ofPlatform().start(() -> words.removeIf(w -> w.length() > 3));
            try {
                child.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ---- the previous action, refusals, routes -----------------------------------------------------

    @Test
    void closingTheLastSourcePutsThePreviousActionBackAsSigactionShows() throws Exception {
        for (Signal signal : List.of(Signal.USR1, Signal.TERM, RT)) {
            long[] before = NativeSignalHandler.currentAction(signal.number());
            try (EventLoop loop = EventLoop.open()) {
                SignalSource one = loop.onSignal(signal, (s, sig, count) -> {});
                SignalSource two = loop.onSignal(signal, new Recorder());
                long[] during = NativeSignalHandler.currentAction(signal.number());
                assertThat(during[0]).as(signal + " handler").isEqualTo(NativeSignalHandler.address());
                assertThat(during[1] & (Constants.SA_SIGINFO | Constants.SA_RESTART | Constants.SA_ONSTACK))
                        .as("SA_SIGINFO|SA_RESTART, not SA_ONSTACK").isEqualTo(Constants.SA_SIGINFO | Constants.SA_RESTART);
                one.close();
                assertThat(NativeSignalHandler.currentAction(signal.number())[0]).as("one source is left").isEqualTo(during[0]);
                two.close();
                assertThat(NativeSignalHandler.currentAction(signal.number())).as(signal + " after close").isEqualTo(before);
            }
        }
    }

    @Test
    void handlerCodeIsMappedReadAndExecuteButNeverWritable() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            loop.onSignal(Signal.USR1, (s, sig, count) -> {});
            long address = NativeSignalHandler.address();
            String mapping = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .filter(line -> {
                        String[] range = line.split(" ")[0].split("-");
                        return Long.parseUnsignedLong(range[0], 16) <= address && address < Long.parseUnsignedLong(range[1], 16);
                    })
                    .findFirst().orElseThrow();
            assertThat(mapping.split(" ")[1]).as(mapping).isEqualTo("r-xp");
        }
    }

    @Test
    void signalsTheJvmOrLibcOwnAreRefusedOnTheNativeRouteSayingWhy() throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            assertThat(loop.signalRoute()).isEqualTo(SignalRoute.NATIVE);
            Recorder none = new Recorder();
            for (Signal fault : List.of(Signal.SEGV, Signal.BUS, Signal.FPE, Signal.ILL)) {
                assertThatThrownBy(() -> loop.onSignal(fault, none)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("onSignal(" + fault.name() + ")").hasMessageContaining("HotSpot");
            }
            assertThatThrownBy(() -> loop.onSignal(Signal.QUIT, none)).hasMessageContaining("thread dump");
            assertThatThrownBy(() -> loop.onSignal(Signal.USR2, none)).hasMessageContaining("suspends");
            assertThatThrownBy(() -> loop.onSignal(Signal.PIPE, none)).hasMessageContaining("HotSpot");
            assertThatThrownBy(() -> loop.onSignal(Signal.XFSZ, none)).hasMessageContaining("HotSpot");
            assertThatThrownBy(() -> loop.onSignal(Signal.of(32), none)).hasMessageContaining("glibc");
            assertThatThrownBy(() -> loop.onSignal(Signal.of(33), none)).hasMessageContaining("glibc");
            assertThatThrownBy(() -> loop.onSignal(Signal.of(Signal.MAX_NUMBER - 2), none)).hasMessageContaining("JDK");
            assertThatThrownBy(() -> loop.onSignal(Signal.CHLD, none)).hasMessageContaining("onExit");
            assertThatThrownBy(() -> loop.onSignal(Signal.IO, none)).hasMessageContaining("onAsyncIo");
            assertThatThrownBy(() -> loop.onSignal(Signal.of(16), none)).hasMessageContaining("realtime signals");
            for (Signal refused : List.of(Signal.SEGV, Signal.USR2, Signal.of(32), Signal.of(Signal.MAX_NUMBER - 2))) {
                assertThat(NativeSignalHandler.isInstalled(refused.number())).as(refused + " untouched").isFalse();
            }
        }
    }

    @Test
    void theJvmRouteCanBeChosenAndCarriesNoSiginfo() throws Exception {
        try (EventLoop loop = EventLoop.builder().signalRoute(SignalRoute.JVM).build()) {
            assertThat(loop.signalRoute()).isEqualTo(SignalRoute.JVM);
            List<Integer> counts = new ArrayList<>();
            SignalSource source = loop.onSignal(Signal.USR1, (s, signal, count) -> counts.add(count));
            assertThat(source.route()).isEqualTo(SignalRoute.JVM);
            assertThat(NativeSignalHandler.isInstalled(Signal.USR1.number())).isFalse();
            assertThatThrownBy(() -> loop.onSignal(Signal.USR1, new Recorder())).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no siginfo");
            try (EventLoop nativeLoop = EventLoop.open()) {
                assertThatThrownBy(() -> nativeLoop.onSignal(Signal.USR1, new Recorder()))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("SignalRoute.JVM");
            }
            Signal.USR1.sendToProcess(PID);
            runUntil(loop, PATIENCE, () -> !counts.isEmpty());
            assertThat(counts).containsExactly(1);
        }
    }

    /**
     * A signal whose handler runs on the loop's own thread ends the loop's wait (EINTR) with its
     * record already in the pipe: that same iteration hands it over, not the next one.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void aSignalThatEndsTheLoopsWaitIsHandledInThatIteration(Backend backend) throws Exception {
        try (EventLoop loop = EventLoop.builder().backend(backend).build()) {
            Recorder recorder = new Recorder();
            loop.onSignal(RT, recorder);
            int loopTid = OsThread.currentId();
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    Loops.awaitBlockedInWait(loopTid);
                    RT.sendToThread(loopTid); // so that the handler runs on the loop's thread, in its wait
                } catch (Exception e) {
                    throw new IllegalStateException(e); // the loop then dispatches nothing, which fails the test
                }
            });
            int dispatched = loop.runOnce(PATIENCE);
            sender.join();
            assertThat(dispatched).isEqualTo(1);
            assertThat(recorder.infos).hasSize(1);
            assertThat(recorder.infos.getFirst().signal()).isEqualTo(RT);
        }
    }

    @Test
    void everyLoopThatTakesTheSignalGetsItsOwnRecord() throws Exception {
        try (EventLoop first = EventLoop.open(); EventLoop second = EventLoop.open()) {
            Recorder a = new Recorder();
            Recorder b = new Recorder();
            first.onSignal(RT, a);
            second.onSignal(RT, b);
            assertThat(RT.queueToProcess(PID, 7)).isTrue();
            runUntil(first, PATIENCE, () -> a.infos.size() == 1);
            runUntil(second, PATIENCE, () -> b.infos.size() == 1);
            assertThat(a.infos.getFirst().value()).isEqualTo(7);
            assertThat(b.infos.getFirst()).isEqualTo(a.infos.getFirst());
        }
    }
}
