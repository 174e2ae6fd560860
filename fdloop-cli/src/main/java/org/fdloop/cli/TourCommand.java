package org.fdloop.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.fdloop.fd.DeviceFile;
import org.fdloop.fd.EventFd;
import org.fdloop.fd.Fd;
import org.fdloop.fd.Fifo;
import org.fdloop.fd.Inotify;
import org.fdloop.fd.InotifyEvent;
import org.fdloop.fd.OsThread;
import org.fdloop.fd.PidFd;
import org.fdloop.fd.Pipe;
import org.fdloop.fd.Pty;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalFd;
import org.fdloop.fd.SignalInfo;
import org.fdloop.fd.SignalSet;
import org.fdloop.fd.StreamFd;
import org.fdloop.fd.TimerFd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code fdloop tour}: every fd event source created, made ready, and read, with what it read.
 *
 * <p>Each stop runs on its own: one that fails prints why and the tour goes on (exit code 1).
 */
@Command(name = "tour", mixinStandardHelpOptions = true,
        description = {"Show every Linux event source working as a file descriptor:",
            "each is created, made ready, and read, and the tour prints what it read."})
final class TourCommand implements Callable<Integer> {
    private static final Duration PATIENCE = Duration.ofSeconds(5);

    @Spec
    CommandSpec spec;

    private PrintWriter out;

    @FunctionalInterface
    private interface Stop {
        void run(Path scratch) throws Exception;
    }

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        out.printf("fdloop tour: Linux event sources as file descriptors (pid %d, thread %d)%n%n",
                OsThread.processId(), OsThread.currentId());
        List<Stop> stops = List.of(this::eventfd, this::timerfd, this::signalfd, this::signalDrivenIo, this::inotify,
                this::pipe, this::fifo, this::pty, this::deviceFile, this::pidfd);
        Path scratch = Files.createTempDirectory("fdloop-tour-");
        int failed = 0;
        try {
            for (Stop stop : stops) {
                try {
                    stop.run(scratch);
                } catch (Exception e) {
                    failed++;
                    out.printf("  FAILED: %s%n", e.getMessage());
                }
                out.flush();
            }
        } finally {
            deleteTree(scratch);
        }
        out.println();
        out.println(failed == 0
                ? "Every source was created, made ready and read. One EventLoop waits on all of them at once: see the README."
                : failed + " of " + stops.size() + " sources failed (see FAILED above).");
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    private void line(String kind, Fd fd, String text) {
        out.printf("%-11s %-6s %s%n", kind, "fd " + fd.number(), text);
    }

    private static void awaitReadable(Fd fd, String what) throws IOException {
        if (!fd.awaitReadable(PATIENCE)) {
            throw new IOException(what + " did not become readable within " + PATIENCE.toSeconds() + " s");
        }
    }

    private void eventfd(Path scratch) throws Exception {
        try (EventFd counter = EventFd.open(); EventFd semaphore = EventFd.openSemaphore(0)) {
            counter.write(3);
            counter.write(4);
            awaitReadable(counter, "the eventfd");
            long sum = counter.read();
            line("eventfd", counter, "write 3, write 4 -> readable -> read " + sum + " (a counter, not a queue); read again -> "
                    + counter.read() + " (nothing ready)");
            semaphore.write(2);
            line("eventfd", semaphore, "semaphore mode: write 2 -> read " + semaphore.read() + ", read " + semaphore.read()
                    + ", read " + semaphore.read());
        }
    }

    private void timerfd(Path scratch) throws Exception {
        try (TimerFd timer = TimerFd.open(TimerFd.Clock.MONOTONIC)) {
            timer.arm(Duration.ofMillis(5), Duration.ofMillis(5));
            awaitReadable(timer, "the timerfd");
            long first = timer.readExpirations();
            Thread.sleep(30);
            long later = timer.readExpirations();
            timer.disarm();
            line("timerfd", timer, "every 5 ms: readable -> " + first + " expiration(s); left unread 30 ms -> "
                    + later + " expirations in one read; disarmed");
        }
    }

    private void signalfd(Path scratch) throws Exception {
        Signal rt = Signal.realtime(1);
        SignalSet signals = SignalSet.of(Signal.USR1, rt);
        SignalSet previous = signals.block();
        try (SignalFd fd = SignalFd.open(signals)) {
            Signal.USR1.sendToThread(OsThread.currentId());
            rt.queueToCurrentThread(42);
            awaitReadable(fd, "the signalfd");
            for (SignalInfo info; (info = fd.read()) != null; ) {
                line("signalfd", fd, info.signal().name() + " from pid " + info.pid() + " uid " + info.uid() + ", code "
                        + info.codeName() + (info.code() == -1 ? ", value " + info.value() : ""));
            }
        } finally {
            previous.setAsThreadMask();
        }
    }

    private void signalDrivenIo(Path scratch) throws Exception {
        Signal rt = Signal.realtime(2);
        SignalSet previous = SignalSet.of(rt).block();
        try (Pipe pipe = Pipe.open(); SignalFd signals = SignalFd.open(SignalSet.of(rt))) {
            pipe.readEnd().enableAsync(rt, OsThread.currentId());
            pipe.writeEnd().write(ByteBuffer.wrap("!".getBytes(StandardCharsets.US_ASCII)));
            awaitReadable(signals, "the readiness signal");
            SignalInfo info = signals.read();
            line("SIGIO", pipe.readEnd(), "O_ASYNC to this thread; write 1 byte -> " + info.signal().name() + " with fd "
                    + info.fd() + ", band 0x" + Integer.toHexString(info.band()) + " (" + info.codeName() + ")");
            pipe.readEnd().disableAsync();
        } finally {
            previous.setAsThreadMask();
        }
    }

    private void inotify(Path scratch) throws Exception {
        Path dir = Files.createDirectory(scratch.resolve("watched"));
        try (Inotify inotify = Inotify.open()) {
            inotify.addWatch(dir, EnumSet.of(Inotify.Event.CREATE, Inotify.Event.CLOSE_WRITE, Inotify.Event.MOVED_FROM,
                    Inotify.Event.MOVED_TO, Inotify.Event.DELETE));
            Path a = Files.writeString(dir.resolve("a.txt"), "hello");
            Path b = Files.move(a, dir.resolve("b.txt"));
            Files.delete(b);
            awaitReadable(inotify, "the inotify fd");
            int seen = 0;
            while (seen < 5) {
                List<InotifyEvent> batch = inotify.read();
                if (batch.isEmpty()) {
                    awaitReadable(inotify, "the inotify fd");
                    continue;
                }
                for (InotifyEvent e : batch) {
                    seen++;
                    line("inotify", inotify, e.events() + " " + e.name() + (e.cookie() != 0 ? " (cookie " + e.cookie() + ")" : ""));
                }
            }
        }
    }

    private void pipe(Path scratch) throws Exception {
        try (Pipe pipe = Pipe.open()) {
            pipe.writeEnd().write(ByteBuffer.wrap("through the pipe".getBytes(StandardCharsets.US_ASCII)));
            awaitReadable(pipe.readEnd(), "the pipe");
            line("pipe", pipe.readEnd(), "read \"" + readText(pipe.readEnd()) + "\" (capacity " + pipe.capacity() + " bytes)");
        }
    }

    private void fifo(Path scratch) throws Exception {
        Path path = scratch.resolve("fifo");
        Fifo.create(path);
        try (Fifo reader = Fifo.openForReading(path); Fifo writer = Fifo.openForWriting(path)) {
            writer.write(ByteBuffer.wrap("through the FIFO".getBytes(StandardCharsets.US_ASCII)));
            awaitReadable(reader, "the FIFO");
            line("fifo", reader, path.getFileName() + ": read \"" + readText(reader) + "\"");
        }
    }

    private void pty(Path scratch) throws Exception {
        try (Pty pty = Pty.open(); DeviceFile slave = pty.openSlave()) {
            pty.setMode(Pty.Mode.CANONICAL);
            pty.setEcho(false);
            pty.write(ByteBuffer.wrap("typed a line\n".getBytes(StandardCharsets.US_ASCII)));
            awaitReadable(slave, "the pty slave");
            line("pty", slave, pty.slavePath() + " (canonical mode): read \"" + readText(slave).strip() + "\" at the newline");
            slave.write(ByteBuffer.wrap("answer".getBytes(StandardCharsets.US_ASCII)));
            awaitReadable(pty, "the pty master");
            line("pty", pty, "master reads what the slave wrote: \"" + readText(pty) + "\"");
        }
    }

    private void deviceFile(Path scratch) throws Exception {
        try (DeviceFile random = DeviceFile.open(Path.of("/dev/urandom"), DeviceFile.Access.READ)) {
            awaitReadable(random, "/dev/urandom");
            ByteBuffer bytes = ByteBuffer.allocate(8);
            random.read(bytes);
            line("device", random, "/dev/urandom (" + random.fileType() + "): read " + HexFormat.of().formatHex(bytes.array()));
        }
        Path regular = Files.writeString(scratch.resolve("notes.txt"), "a regular file");
        try (DeviceFile refused = DeviceFile.open(regular, DeviceFile.Access.READ)) {
            throw new IllegalStateException("a regular file was accepted as a device: " + refused);
        } catch (IllegalArgumentException expected) {
            String why = expected.getMessage();
            out.printf("%-11s %-6s %s%n", "device", "-", "a regular file is refused: \"" + why.substring(why.indexOf(" is ") + 1) + "\"");
        }
    }

    private void pidfd(Path scratch) throws Exception {
        Process child = new ProcessBuilder("sleep", "60")
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try (PidFd pidfd = PidFd.open(child.toHandle())) {
            boolean early = pidfd.awaitReadable(Duration.ZERO);
            pidfd.sendSignal(Signal.TERM);
            awaitReadable(pidfd, "the pidfd");
            line("pidfd", pidfd, "child " + pidfd.pid() + " (sleep 60): readable before? " + early + "; SIGTERM -> readable, exit "
                    + child.waitFor());
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
    }

    private static String readText(StreamFd fd) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(256);
        fd.read(in);
        return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
