package org.fdloop.fd;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.fdloop.internal.linux.Constants;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.testing.BlockedSignals;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Virtual threads that wait for an fd park and free their carrier; the blocking views and reads. */
@ExtendWith(NoFdLeaks.class)
class VirtualThreadWaitTest {
    @TempDir
    Path dir;

    /** A task run in a new virtual thread, its outcome (a value or what it threw) as a future. */
    interface Task<T> {
        T run() throws Exception;
    }

    static <T> Started<T> inVirtualThread(Task<T> task) {
        CompletableFuture<T> outcome = new CompletableFuture<>();
        Thread thread = Thread.ofVirtual().start(() -> {
            try {
                outcome.complete(task.run());
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        });
        return new Started<>(thread, outcome);
    }

    record Started<T>(Thread thread, CompletableFuture<T> outcome) {
        /** Waits until the thread is parked (WAITING or TIMED_WAITING); one blocked in a system call stays RUNNABLE. */
        Started<T> awaitParked() throws InterruptedException {
            long deadline = System.nanoTime() + Ready.PATIENCE.toNanos();
            while (true) {
                Thread.State state = thread.getState();
                if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
                    return this;
                }
                if (outcome.isDone() || System.nanoTime() - deadline > 0) {
                    fail("the virtual thread did not park; it is " + state + (outcome.isDone() ? ", done: " + outcome : ""));
                }
                Thread.sleep(1);
            }
        }

        T get() throws Exception {
            return outcome.get(Ready.PATIENCE.toSeconds(), TimeUnit.SECONDS);
        }

        Throwable failure() throws Exception {
            try {
                T value = get();
                return fail("expected the virtual thread to fail, it returned " + value);
            } catch (java.util.concurrent.ExecutionException e) {
                return e.getCause();
            }
        }
    }

    @Test
    void waitingVirtualThreadsFreeTheirCarriers() throws Exception {
        int waiters = Runtime.getRuntime().availableProcessors() + 2; // more than the default scheduler's carriers
        List<OsPipe> pipes = new ArrayList<>();
        List<Started<Boolean>> started = new ArrayList<>();
        try {
            for (int i = 0; i < waiters; i++) {
                OsPipe pipe = OsPipe.open();
                pipes.add(pipe);
                started.add(inVirtualThread(() -> pipe.readEnd().awaitReadable(Duration.ofDays(1))));
            }
            for (Started<Boolean> s : started) {
                s.awaitParked();
            }
            assertThat(inVirtualThread(() -> "ran").get()).as("a virtual thread runs while the others wait").isEqualTo("ran");
        } finally {
            for (OsPipe pipe : pipes) {
                pipe.writeEnd().write(ByteBuffer.wrap(new byte[] {1}));
            }
            for (Started<Boolean> s : started) {
                assertThat(s.get()).isTrue();
            }
            pipes.forEach(OsPipe::close);
        }
    }

    @Test
    void interruptWakesAParkedThreadWithItsStatusSetAndTheFdOpen() throws Exception {
        try (OsPipe pipe = OsPipe.open()) {
            Started<Boolean> waiter = inVirtualThread(() -> {
                try {
                    pipe.readEnd().awaitReadable(Duration.ofDays(1));
                    return false;
                } catch (InterruptedIOException e) {
                    assertThat(e).hasMessageContaining("interrupted while waiting for pipe read end")
                            .hasMessageContaining("readable");
                    return Thread.currentThread().isInterrupted();
                }
            }).awaitParked();
            waiter.thread().interrupt();
            assertThat(waiter.get()).as("the interrupt status is still set").isTrue();
            assertThat(pipe.readEnd().isOpen()).isTrue();
        }
    }

    @Test
    void anInterruptedVirtualThreadDoesNotWaitAtAll() throws Exception {
        try (OsPipe pipe = OsPipe.open()) {
            Throwable thrown = inVirtualThread(() -> {
                Thread.currentThread().interrupt();
                return pipe.readEnd().inputStream().read();
            }).failure();
            assertThat(thrown).isInstanceOf(InterruptedIOException.class);
        }
    }

    @Test
    void aTimedWaitParksAndEndsAtItsTimeoutOrWhenReady() throws Exception {
        try (OsPipe pipe = OsPipe.open()) {
            assertThat(inVirtualThread(() -> pipe.readEnd().awaitReadable(Duration.ofMillis(20))).get())
                    .as("the timeout passed first").isFalse();
            Started<Boolean> waiter = inVirtualThread(() -> pipe.readEnd().awaitReadable(Duration.ofHours(1))).awaitParked();
            assertThat(waiter.thread().getState()).isEqualTo(Thread.State.TIMED_WAITING);
            pipe.writeEnd().write(ByteBuffer.wrap(new byte[] {1}));
            assertThat(waiter.get()).isTrue();
        }
    }

    @Test
    void closingTheFdWakesTheParkedThreadWithAClearError() throws Exception {
        try (OsPipe pipe = OsPipe.open()) {
            int number = pipe.readEnd().number();
            Started<Integer> reader = inVirtualThread(() -> pipe.readEnd().inputStream().read()).awaitParked();
            pipe.readEnd().close();
            Throwable thrown = reader.failure();
            assertThat(thrown).isInstanceOf(ClosedWhileWaitingException.class)
                    .isInstanceOf(java.nio.channels.AsynchronousCloseException.class)
                    .hasMessage("pipe read end " + number + " was closed by another thread while this thread waited for it"
                            + " to become readable");
            assertThat(Files.exists(Path.of("/proc/self/fd/" + number))).as("the number is released").isFalse();
        }
    }

    @Test
    void closeTakesTheFdOutOfThePollerBeforeTheNumberIsReleased() throws Exception {
        try (OsPipe pipe = OsPipe.open()) {
            // a second descriptor of the same pipe (as a child process would hold) keeps the file alive,
            // so the kernel would keep its epoll registration under the old number if fdloop did not remove it
            int dup = Errno.check(FileCalls.fcntl(pipe.readEnd().number(), Constants.F_DUPFD_CLOEXEC, 0), "dup");
            try {
                int number = pipe.readEnd().number();
                Started<Integer> reader = inVirtualThread(() -> pipe.readEnd().inputStream().read()).awaitParked();
                assertThat(epollTargets()).as("registered while it waits").contains(number);
                pipe.readEnd().close();
                assertThat(reader.failure()).isInstanceOf(ClosedWhileWaitingException.class);
                assertThat(epollTargets()).as("no epoll instance of the process holds fd %d any more", number)
                        .doesNotContain(number);
            } finally {
                IoCalls.close(dup);
            }
        }
    }

    /** The fds registered in every epoll instance of this process (the "tfd:" lines of /proc/self/fdinfo). */
    private static List<Integer> epollTargets() throws IOException {
        List<Integer> targets = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue;
                }
                if (!target.equals("anon_inode:[eventpoll]")) {
                    continue;
                }
                try (BufferedReader info = Files.newBufferedReader(Path.of("/proc/self/fdinfo/" + fd.getFileName()))) {
                    for (String line = info.readLine(); line != null; line = info.readLine()) {
                        if (line.startsWith("tfd:")) {
                            targets.add(Integer.parseInt(line.substring(4).trim().split("\\s+")[0]));
                        }
                    }
                }
            }
        }
        return targets;
    }

    @Test
    void aBufferedReaderReadsAPtyLineByLine() throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            pty.setEcho(false);
            Started<List<String>> reader = inVirtualThread(() -> {
                BufferedReader lines = new BufferedReader(new InputStreamReader(slave.inputStream(), US_ASCII));
                List<String> read = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    read.add(lines.readLine());
                }
                return read;
            }).awaitParked();
            OutputStream out = pty.outputStream();
            out.write("first\n".getBytes(US_ASCII));
            out.write("second\nthird\n".getBytes(US_ASCII));
            assertThat(reader.get()).containsExactly("first", "second", "third");
        }
    }

    @Test
    void aBufferedReaderReadsAFifoLineByLineToItsEnd() throws Exception {
        Path path = dir.resolve("fifo");
        Fifo.create(path);
        try (Fifo fifo = Fifo.openForReading(path)) {
            Started<List<String>> reader;
            try (Fifo writer = Fifo.openForWriting(path)) { // before the reader reads: with no writer it sees the end
                reader = inVirtualThread(() -> {
                    try (BufferedReader lines = new BufferedReader(new InputStreamReader(fifo.inputStream(), US_ASCII))) {
                        return lines.lines().toList();
                    }
                }).awaitParked();
                writer.outputStream().write("one\ntwo\n".getBytes(US_ASCII));
                writer.outputStream().write("three\n".getBytes(US_ASCII));
            }
            assertThat(reader.get()).as("to the end of the stream").containsExactly("one", "two", "three");
            assertThat(fifo.isOpen()).as("closing the reader closed the fd").isFalse();
        }
    }

    @Test
    void anOutputStreamWaitsWhileThePipeIsFullAndLosesNothing() throws Exception {
        try (OsPipe pipe = OsPipe.open()) {
            byte[] data = new byte[1 << 20]; // 16 times a pipe's default capacity
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 31 + (i >> 8));
            }
            Started<Boolean> writer = inVirtualThread(() -> {
                pipe.writeEnd().outputStream().write(data);
                pipe.writeEnd().close();
                return true;
            }).awaitParked();
            byte[] read = Channels.newInputStream(pipe.readEnd().channel()).readAllBytes();
            assertThat(writer.get()).isTrue();
            assertThat(read).isEqualTo(data);
        }
    }

    @Test
    void aChannelReadsWhatComesAndWritesAll() throws Exception {
        try (OsPipe there = OsPipe.open(); OsPipe back = OsPipe.open()) {
            Started<Integer> echo = inVirtualThread(() -> {
                ByteChannel in = there.readEnd().channel();
                ByteChannel out = back.writeEnd().channel();
                ByteBuffer buffer = ByteBuffer.allocate(64);
                int total = 0;
                for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                    total += n;
                    assertThat(out.write(buffer.flip())).isEqualTo(n);
                    buffer.clear();
                }
                return total;
            }).awaitParked();
            there.writeEnd().write(ByteBuffer.wrap("echo me".getBytes(US_ASCII)));
            ByteBuffer reply = ByteBuffer.allocate(64);
            assertThat(back.readEnd().channel().read(reply)).isEqualTo(7);
            assertThat(new String(reply.array(), 0, 7, US_ASCII)).isEqualTo("echo me");
            there.writeEnd().close();
            assertThat(echo.get()).isEqualTo(7);
        }
    }

    @Test
    void aSocketIsReadAndWrittenAtOnceByTwoParkedThreads() throws Exception {
        try (ListeningSocket server = ListeningSocket.listenOn(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             StreamSocket client = StreamSocket.connectTo(server.localAddress())) {
            Started<StreamSocket> acceptor = inVirtualThread(() -> {
                server.awaitReadable(Duration.ofDays(1));
                return server.accept();
            });
            try (StreamSocket accepted = acceptor.get()) {
                assertThat(inVirtualThread(() -> client.awaitWritable(Duration.ofDays(1)) && client.finishConnect()).get()).isTrue();
                // one thread parked reading and one parked writing (the peer does not read yet): the same fd in both pollers
                Started<String> reader = inVirtualThread(() -> new String(accepted.inputStream().readNBytes(5), US_ASCII)).awaitParked();
                byte[] big = new byte[8 << 20];
                Started<Boolean> writer = inVirtualThread(() -> {
                    accepted.outputStream().write(big);
                    return true;
                }).awaitParked();
                client.outputStream().write("hello".getBytes(US_ASCII));
                assertThat(reader.get()).isEqualTo("hello");
                assertThat(client.inputStream().readNBytes(big.length)).hasSize(big.length);
                assertThat(writer.get()).isTrue();
            }
        }
    }

    @Test
    void eventFdTakeParksUntilTheCounterIsNotZero() throws Exception {
        try (EventFd counter = EventFd.open()) {
            Started<Long> taker = inVirtualThread(counter::take).awaitParked();
            counter.write(5);
            assertThat(taker.get()).isEqualTo(5);
        }
    }

    @Test
    void manyVirtualThreadsTakeFromOneSemaphore() throws Exception {
        try (EventFd semaphore = EventFd.openSemaphore(0)) {
            List<Started<Long>> takers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                takers.add(inVirtualThread(semaphore::take));
            }
            for (Started<Long> t : takers) {
                t.awaitParked();
            }
            semaphore.write(4);
            for (Started<Long> t : takers) {
                assertThat(t.get()).isEqualTo(1);
            }
        }
    }

    @Test
    void timerFdTakeParksUntilTheTimerExpires() throws Exception {
        try (TimerFd timer = TimerFd.open(TimerFd.Clock.MONOTONIC)) {
            Started<Long> taker = inVirtualThread(timer::takeExpirations).awaitParked();
            timer.arm(Duration.ofMillis(1));
            assertThat(taker.get()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void inotifyTakeParksUntilAnEventComes() throws Exception {
        try (Inotify inotify = Inotify.open()) {
            inotify.addWatch(dir, EnumSet.of(Inotify.Event.CREATE));
            Started<List<InotifyEvent>> taker = inVirtualThread(inotify::take).awaitParked();
            Files.writeString(dir.resolve("new"), "x");
            assertThat(taker.get()).extracting(e -> e.name()).contains("new");
        }
    }

    @Test
    void signalFdTakeWaitsForASignal() throws Exception {
        // a virtual thread sees only signals sent to the process, which a JVM cannot keep blocked in every
        // thread: the platform thread's take() is tested here, the parking is the same for every fd
        SignalSet usr1 = SignalSet.of(Signal.USR1);
        try (BlockedSignals blocked = BlockedSignals.block(usr1); SignalFd signals = SignalFd.open(usr1)) {
            int self = OsThread.currentId();
            Thread.ofPlatform().start(() -> {
                try {
                    Signal.USR1.sendToThread(self);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(signals.take().signal()).isEqualTo(Signal.USR1);
        }
    }

    @Test
    void aPlatformThreadStillBlocksInPoll() throws Exception {
        try (OsPipe pipe = OsPipe.open()) {
            InputStream in = pipe.readEnd().inputStream();
            Thread.ofPlatform().start(() -> {
                try {
                    pipe.writeEnd().write(ByteBuffer.wrap(new byte[] {42}));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(in.read()).isEqualTo(42);
        }
    }
}
