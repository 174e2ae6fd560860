package org.fdloop;

import static org.fdloop.testing.Ready.PATIENCE;
import static org.fdloop.testing.Loops.runUntil;
import static org.fdloop.testing.Reads.drain;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.fdloop.fd.DatagramFd;
import org.fdloop.fd.DeviceFile;
import org.fdloop.fd.Fifo;
import org.fdloop.fd.Inotify;
import org.fdloop.fd.OsPipe;
import org.fdloop.fd.OsThread;
import org.fdloop.fd.Pty;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalFd;
import org.fdloop.fd.SignalInfo;
import org.fdloop.fd.SignalSet;
import org.fdloop.fd.StreamFd;
import org.fdloop.testing.BlockedSignals;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.SignalQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signal-driven I/O when the realtime signal queue is full (RLIMIT_SIGPENDING), beyond
 * {@link LoopAsyncIoTest#fullSignalQueueMakesTheLoopPollEveryAsyncFd}: every fd type, only the ready
 * ones, signals again once there is room; and seed 003's drain rule, that a handler must read
 * (or receive) until EAGAIN because fewer signals arrive than writes (or datagrams) were made.
 *
 * <p>The limit is this process's, but it counts the signals queued for the whole user (root: every
 * process of root), so a low limit is full at once whatever other processes hold. Each test
 * lowers it only around its burst and puts it back in finally.
 */
@ExtendWith(NoFdLeaks.class)
class SignalQueueOverflowTest {

    /** Runs the loop until an iteration of 200 ms dispatches nothing. */
    private static void runUntilQuiet(EventLoop loop) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (loop.runOnce(Duration.ofMillis(200)) > 0) {
            // more came: a loop that kept dispatching drained fds would never get quiet
            assertThat(System.nanoTime() - deadline).as("the loop went quiet within " + PATIENCE).isNegative();
        }
    }

    private static void writeByte(StreamFd fd) throws Exception {
        assertThat(fd.write(ByteBuffer.wrap(new byte[] {'x'}))).isEqualTo(1);
    }


    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void overflowDispatchesEveryReadyFdOfEveryTypeAndNoIdleOne(@TempDir Path dir) throws Exception {
        List<AutoCloseable> open = new ArrayList<>();
        try (EventLoop loop = EventLoop.open(); Inotify inotify = Inotify.open()) {
            Map<String, Runnable> makeReady = new LinkedHashMap<>();
            Map<String, Integer> dispatched = new TreeMap<>(); // handler calls that found data
            Set<String> called = new TreeSet<>(); // every handler call, data or not
            Path watched = Files.createDirectory(dir.resolve("watched"));
            for (int i = 0; i < 8; i++) {
                String name = "pipe " + i;
                OsPipe pipe = OsPipe.open();
                open.add(pipe);
                register(loop, pipe.readEnd(), name, dispatched, called);
                makeReady.put(name, () -> run(() -> writeByte(pipe.writeEnd())));
            }
            for (int i = 0; i < 4; i++) {
                String name = "fifo " + i;
                Path path = dir.resolve("fifo" + i);
                Fifo.create(path);
                Fifo reader = Fifo.openForReading(path);
                open.add(reader);
                Fifo writer = Fifo.openForWriting(path);
                open.add(writer);
                register(loop, reader, name, dispatched, called);
                makeReady.put(name, () -> run(() -> writeByte(writer)));
            }
            for (int i = 0; i < 4; i++) {
                String name = "pty " + i;
                Pty pty = Pty.open();
                open.add(pty);
                pty.setMode(Pty.Mode.RAW);
                DeviceFile slave = pty.openSlave();
                open.add(slave);
                register(loop, slave, name, dispatched, called);
                makeReady.put(name, () -> run(() -> writeByte(pty)));
            }
            inotify.addWatch(watched, EnumSet.of(Inotify.Event.CREATE));
            loop.onAsyncIo(inotify, (source, band) -> {
                dispatched.merge("inotify", 1, Integer::sum);
                inotify.read();
            });
            makeReady.put("inotify", () -> run(() -> Files.createFile(watched.resolve("new"))));
            runUntilQuiet(loop); // the look at registration finds nothing
            assertThat(dispatched).isEmpty();

            // every other source becomes ready while the queue holds 2 signals: more ready fds than room
            List<String> ready = new ArrayList<>();
            List<String> idle = new ArrayList<>();
            int k = 0;
            for (String name : makeReady.keySet()) {
                if (!name.equals("inotify")) {
                    (k++ % 2 == 0 ? ready : idle).add(name);
                }
            }
            ready.add("inotify");
            SignalQueue.withLimit(2, () -> {
                for (String name : ready) {
                    makeReady.get(name).run();
                }
            });
            runUntil(loop, () -> dispatched.keySet().containsAll(ready));
            runUntilQuiet(loop);
            assertThat(dispatched.keySet()).containsExactlyInAnyOrderElementsOf(ready);
            assertThat(called).as("the poll after the overflow dispatches the ready fds, not the idle ones")
                    .doesNotContainAnyElementsOf(idle);
            assertThat(loop.signalQueueOverflows()).as("the queue overflowed").isPositive();

            // with room again, the idle ones signal as usual, each by its own signal
            long overflows = loop.signalQueueOverflows();
            dispatched.clear();
            for (String name : idle) {
                makeReady.get(name).run();
            }
            runUntil(loop, () -> dispatched.keySet().containsAll(idle));
            runUntilQuiet(loop);
            assertThat(dispatched.keySet()).containsExactlyInAnyOrderElementsOf(idle);
            assertThat(loop.signalQueueOverflows()).as("no overflow with room in the queue").isEqualTo(overflows);
        } finally {
            for (AutoCloseable c : open.reversed()) {
                c.close();
            }
        }
    }

    private static void register(EventLoop loop, StreamFd fd, String name, Map<String, Integer> dispatched,
            Set<String> called) throws Exception {
        loop.onAsyncIo(fd, (source, band) -> {
            called.add(name);
            if (drain((StreamFd) source.fd()) > 0) {
                dispatched.merge(name, 1, Integer::sum);
            }
        });
    }

    private static void run(ThrowingRunnable action) {
        try {
            action.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void burstIntoAFullQueueSendsFewerSignalsThanWritesYetDrainingReadsAll() throws Exception {
        int writes = 100;
        Signal rt = Signal.realtime(4);
        try (BlockedSignals _ = BlockedSignals.block(SignalSet.of(rt, Signal.IO));
                SignalFd signals = SignalFd.open(SignalSet.of(rt, Signal.IO));
                OsPipe pipe = OsPipe.open()) {
            pipe.readEnd().enableAsync(rt, OsThread.currentId());
            SignalQueue.withLimit(4, () -> {
                for (int i = 0; i < writes; i++) {
                    writeByte(pipe.writeEnd()); // one realtime signal each while the queue has room
                }
            });
            int forTheFd = 0;
            int overflowSigio = 0;
            for (SignalInfo info; (info = signals.read()) != null; ) {
                if (info.signal().equals(rt) && info.fd() == pipe.readEnd().number()) {
                    forTheFd++;
                } else if (info.signal().equals(Signal.IO) && info.codeName().equals("SI_KERNEL")) {
                    overflowSigio++;
                }
            }
            assertThat(forTheFd).as("realtime signals for %d writes", writes).isLessThan(writes);
            assertThat(overflowSigio).as("the kernel's plain SIGIO for the full queue").isEqualTo(1);
            assertThat(drain(pipe.readEnd())).as("reading until EAGAIN gets every byte").isEqualTo(writes);
        }
    }

    @Test
    void loopHandlerThatReadsUntilEagainGetsAllOfAnOverflowedBurst() throws Exception {
        int writes = 100;
        try (EventLoop loop = EventLoop.open(); OsPipe pipe = OsPipe.open()) {
            int[] read = {0};
            loop.onAsyncIo(pipe.readEnd(), (source, band) -> read[0] += drain(pipe.readEnd()));
            runUntilQuiet(loop);
            SignalQueue.withLimit(4, () -> {
                for (int i = 0; i < writes; i++) {
                    writeByte(pipe.writeEnd());
                }
            });
            runUntil(loop, () -> read[0] == writes);
            runUntilQuiet(loop);
            assertThat(read[0]).as("every byte of the burst").isEqualTo(writes);
            assertThat(loop.signalQueueOverflows()).as("the queue overflowed").isPositive();
        }
    }

    @Test
    void burstOfDatagramsIntoAFullQueueSendsFewerSignalsYetReceivingUntilEmptyGetsAll() throws Exception {
        int datagrams = 100;
        Signal rt = Signal.realtime(4);
        try (BlockedSignals _ = BlockedSignals.block(SignalSet.of(rt, Signal.IO));
                SignalFd signals = SignalFd.open(SignalSet.of(rt, Signal.IO));
                DatagramFd receiver = DatagramFd.bindTo(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                DatagramFd sender = DatagramFd.open(StandardProtocolFamily.INET)) {
            receiver.enableAsync(rt, OsThread.currentId());
            SocketAddress to = receiver.localAddress();
            SignalQueue.withLimit(4, () -> {
                for (int i = 0; i < datagrams; i++) {
                    assertThat(sender.send(ByteBuffer.wrap(new byte[] {(byte) i}), to)).isEqualTo(1);
                }
            });
            int forTheSocket = 0;
            for (SignalInfo info; (info = signals.read()) != null; ) {
                if (info.signal().equals(rt) && info.fd() == receiver.number()) {
                    forTheSocket++;
                }
            }
            assertThat(forTheSocket).as("realtime signals for %d datagrams", datagrams).isLessThan(datagrams);
            List<Integer> received = new ArrayList<>();
            ByteBuffer buffer = ByteBuffer.allocate(16);
            while (receiver.receive(buffer.clear()) != null) { // recvfrom until EAGAIN, as the seed's drain rule says
                received.add(buffer.get(0) & 0xff);
            }
            assertThat(received).as("every datagram, in order").hasSize(datagrams).isSorted();
        }
    }

    @Test
    void loopHandlerThatReceivesUntilEmptyGetsEveryDatagramOfAnOverflowedBurst() throws Exception {
        int datagrams = 100;
        try (EventLoop loop = EventLoop.open();
                DatagramFd receiver = DatagramFd.bindTo(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                DatagramFd sender = DatagramFd.open(StandardProtocolFamily.INET)) {
            List<Integer> received = new ArrayList<>();
            ByteBuffer buffer = ByteBuffer.allocate(16);
            loop.onAsyncIo(receiver, (source, band) -> {
                while (receiver.receive(buffer.clear()) != null) {
                    received.add(buffer.get(0) & 0xff);
                }
            });
            runUntilQuiet(loop);
            SocketAddress to = receiver.localAddress();
            SignalQueue.withLimit(4, () -> {
                for (int i = 0; i < datagrams; i++) {
                    sender.send(ByteBuffer.wrap(new byte[] {(byte) i}), to);
                }
            });
            runUntil(loop, () -> received.size() == datagrams);
            runUntilQuiet(loop);
            assertThat(received).hasSize(datagrams).isSorted();
            assertThat(loop.signalQueueOverflows()).as("the queue overflowed").isPositive();
        }
    }
}
