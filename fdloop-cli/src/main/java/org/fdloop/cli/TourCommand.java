package org.fdloop.cli;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.fdloop.AsyncIoSource;
import org.fdloop.EventLoop;
import org.fdloop.FileEvent;
import org.fdloop.SignalHandler;
import org.fdloop.SignalInfoHandler;
import org.fdloop.SignalRoute;
import org.fdloop.backend.Backend;
import org.fdloop.cli.device.ButtonEvent;
import org.fdloop.cli.device.ButtonEventReader;
import org.fdloop.cli.device.VirtualButtonDevice;
import org.fdloop.fd.DeviceFile;
import org.fdloop.fd.EventFd;
import org.fdloop.fd.OsPipe;
import org.fdloop.fd.OsThread;
import org.fdloop.fd.Pty;
import org.fdloop.fd.SerialSettings;
import org.fdloop.fd.Signal;
import org.fdloop.fd.TimerFd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fdloop tour}: one event loop on one thread waits on every kind of source at once, while
 * another thread, a child process and the tour itself make them ready; each event is printed
 * as it is handled, with its latency from cause to handler, and a table per source closes it.
 */
@Command(name = "tour", mixinStandardHelpOptions = true,
        description = {"One event loop, on one thread, waits on every kind of Linux event source for about 10 seconds,"
                + " while another thread, a child process and the tour itself make them ready. Each event is printed"
                + " as the loop handles it: time since the start, the source, what happened, and the latency from"
                + " its cause (a write, a kill, a file operation, a deadline) to its handler. A table per source"
                + " closes the tour: events, median and 99th percentile latency, and the kernel mechanism.",
            "",
            "Sources: a repeating timer of the loop's own queue, and a timerfd beside it; an eventfd written by another thread; a pipe fed by a child process; that"
                + " child's exit (pidfd); files created, renamed and deleted in a temporary directory (recursive"
                + " inotify watch); SIGUSR1 sent to the process (through fdloop's native signal handler, or the JVM's) and SIGRTMIN+1 sent to"
                + " the loop thread (signalfd); a serial line on a pty (set 115200 8N1 raw through termios2, as a program sets"
                + " a real port); and the virtual button device (a pty-backed character device) read through"
                + " signal-driven I/O (fasync: O_ASYNC, F_SETOWN_EX to the loop thread, F_SETSIG a realtime signal)."
                + " The tour removes its temporary directory and leaves no child process behind.",
            "",
            "With --json, one object per event (t in seconds, source, detail, latency_us), then one per source"
                + " with the table's columns. Ctrl-C, SIGTERM or SIGHUP ends it early, with the table."})
final class TourCommand implements Callable<Integer> {

    /** The sources of the tour, in the order of the table, with the mechanism each one shows. */
    enum Kind {
        TIMER("timer", "the loop's timer queue: the timeout of its %s wait"),
        TIMERFD("timerfd", "timerfd (CLOCK_MONOTONIC, an interval), waited on by %s"),
        EVENTFD("eventfd", "eventfd written by another thread, waited on by %s"),
        PIPE("pipe", "pipe from a child's stdout, waited on by %s"),
        CHILD_EXIT("child-exit", "pidfd, waited on by %s (latency from the child's last line)"),
        FILES("files", "inotify, recursive watch, waited on by %s"),
        SIGNAL("signal", "kill(2) to the process -> %s"),
        THREAD_SIGNAL("thread-signal", "tgkill(2) to the loop thread -> signalfd"),
        SERIAL("serial", "a serial line on a pty, set 115200 8N1 raw through termios2, waited on by %s"),
        DEVICE("device", "signal-driven I/O (fasync, F_SETSIG): button device (pty) -> kill_fasync -> realtime signal"
                + " to the loop thread -> signalfd");

        final String label;
        /** The mechanism, with %s where the backend's name goes. */
        private final String mechanism;

        Kind(String label, String mechanism) {
            this.label = label;
            this.mechanism = mechanism;
        }

        String mechanism(Backend backend, SignalRoute route) {
            if (this == SIGNAL) {
                return String.format(mechanism, route == SignalRoute.NATIVE ? "fdloop's native handler -> pipe"
                        : "JVM handler -> eventfd");
            }
            return mechanism.contains("%s") ? String.format(mechanism, BackendOption.name(backend)) : mechanism;
        }
    }

    /** The key the tour presses: KEY_ENTER in linux/input-event-codes.h. */
    private static final int KEY_ENTER = 28;

    @Spec
    CommandSpec spec;

    @Option(names = "--duration", paramLabel = "D", converter = DurationConverter.class, defaultValue = "10s",
            description = "How long the tour runs: 10s (the default), 500ms, 1m.")
    Duration duration;

    @Option(names = "--json", description = "One JSON object per event, then one per source of the table.")
    boolean json;

    @Mixin
    BackendOption backend;

    private PrintWriter out;
    private long start;
    private final Map<Kind, Latencies> latencies = new EnumMap<>(Kind.class);
    /** When each cause happened (System.nanoTime()), queued by the thread that caused it. */
    private final Map<Kind, Queue<Long>> causes = new EnumMap<>(Kind.class);
    /** When each file operation happened, by the path the event will name. */
    private final Map<String, Long> fileCauses = new ConcurrentHashMap<>();

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        for (Kind kind : Kind.values()) {
            latencies.put(kind, new Latencies());
            causes.put(kind, new ConcurrentLinkedQueue<>());
        }
        Path scratch = Files.createTempDirectory("fdloop-tour-");
        Process child = null;
        LoopDriver driver = null;
        StopSignals stop = null;
        try (OsPipe pipe = OsPipe.open(); EventFd wakeups = EventFd.open(); VirtualButtonDevice buttons = VirtualButtonDevice.open();
                TimerFd timerFd = TimerFd.open(TimerFd.Clock.MONOTONIC); Pty line = Pty.open(); DeviceFile serial = line.openSlave()) {
            serial.tty().apply(SerialSettings.of(115200)); // what a program sets on a real port: 8N1, raw
            long step = Math.clamp(duration.toMillis() / 20, 50, 500);
            long lineEvery = Math.clamp(duration.toMillis() / 6, 100, 1000);
            long lines = Math.max(1, (duration.toMillis() - 2 * lineEvery) / lineEvery);
            // the child writes into the pipe: /proc/self/fd/N opens the same pipe, for the child's stdout
            child = startChild(new ProcessBuilder("sh", "-c", "i=1; while [ $i -le " + lines + " ]; do sleep " + lineEvery / 1000.0
                    + "; echo \"line $i $(date +%s%N)\"; i=$((i+1)); done; exit 3")
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.to(new File("/proc/self/fd/" + pipe.writeEnd().number())))
                    .redirectError(ProcessBuilder.Redirect.DISCARD));
            pipe.writeEnd().close(); // the child holds the only write end now: its exit is the pipe's end of file
            Path tree = Files.createDirectory(scratch.resolve("tree"));
            Files.createDirectory(tree.resolve("sub"));
            int loopTid = OsThread.currentId();
            // started before the loop blocks its signals, so the driver's mask stays the JVM's
            driver = LoopDriver.start("tour-driver", new Script(wakeups, buttons, line, tree, loopTid, step));

            try (EventLoop loop = backend.open(); DeviceFile device = DeviceFile.open(buttons.path(), DeviceFile.Access.READ)) {
                stop = StopSignals.install(loop, List.of());
                register(loop, pipe, wakeups, timerFd, device, tree, child);
                registerSerial(loop, serial);
                loop.schedule(duration, t -> loop.stop());
                header(child, scratch, lines);
                start = System.nanoTime();
                driver.go(loop);
                try {
                    stop.run();
                } finally {
                    // before the loop closes: closing unblocks SIGRTMIN+1 in this thread, and one the
                    // driver sent after that would end the JVM (a realtime signal's default action)
                    driver.stop();
                }
                if (stop.received() != null && !json) {
                    out.printf("%n(ended early by %s)%n", stop.received().name());
                }
            } finally {
                driver.stop();
            }
        } finally {
            if (child != null) {
                ChildProcesses.end(child);
            }
            deleteTree(scratch);
        }
        table();
        out.flush();
        driver.rethrowFailure(); // after the table: what the loop saw up to the failure
        EnumSet<Kind> silent = EnumSet.noneOf(Kind.class);
        latencies.forEach((kind, l) -> {
            if (l.count() == 0) silent.add(kind);
        });
        if (!silent.isEmpty() && stop != null && stop.received() == null) { // Ctrl-C or SIGTERM may end it before every source fired
            spec.commandLine().getErr().println("fdloop tour: no event from " + silent.stream().map(k -> k.label).toList());
            return Main.FAILED;
        }
        return Main.OK;
    }

    /**
     * Starts the child, or says in one line why it could not: the JDK's message for a process
     * out of file descriptors is ten lines about its spawn helper.
     */
    private static Process startChild(ProcessBuilder builder) {
        try {
            return builder.start();
        } catch (IOException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("Too many open files")) {
                throw new Main.Failure("cannot start the tour's child process (sh): the process is out of file descriptors"
                        + " (EMFILE, " + openFilesLimit() + "); raise the limit with ulimit -n");
            }
            throw new Main.Failure("cannot start the tour's child process (sh): " + message.lines().findFirst().orElse(message).strip());
        }
    }

    /** RLIMIT_NOFILE as /proc/self/limits gives it: "Max open files 20 20 files" as "limit 20". */
    private static String openFilesLimit() {
        try {
            return Files.readAllLines(Path.of("/proc/self/limits")).stream().filter(l -> l.startsWith("Max open files"))
                    .map(l -> "limit " + l.substring("Max open files".length()).strip().split("\\s+")[0]).findFirst().orElse("limit unknown");
        } catch (IOException e) {
            return "limit unknown"; // no /proc: said without it, ignoring
        }
    }

    private void header(Process child, Path scratch, long lines) {
        if (json) {
            out.println(Json.object().field("pid", OsThread.processId()).field("thread", OsThread.currentId())
                    .field("backend", BackendOption.name(loopBackend)).field("child", child.pid())
                    .field("directory", scratch.toString()).field("duration_s", duration.toMillis() / 1000.0));
        } else {
            out.printf("fdloop tour: one %s loop on thread %d of pid %d, for %.1f s; child %d feeds the pipe (%d line%s) and exits;"
                    + " files change in %s%n%n", BackendOption.name(loopBackend), OsThread.currentId(),
                    OsThread.processId(), duration.toMillis() / 1000.0, child.pid(), lines, lines == 1 ? "" : "s", scratch);
            out.printf("%9s  %-13s  %-58s %s%n", "time", "source", "what happened", "latency");
        }
        out.flush();
    }

    private void register(EventLoop loop, OsPipe pipe, EventFd wakeups, TimerFd timerFd, DeviceFile device, Path tree, Process child)
            throws IOException {
        Duration period = Duration.ofMillis(Math.clamp(duration.toMillis() / 10, 50, 1000));
        long[] ticks = {0};
        loop.scheduleAtFixedRate(period, period, t -> // the deadline moves on once the handler returns
                event(Kind.TIMER, "tick " + ++ticks[0] + " (every " + period.toMillis() + " ms)", System.nanoTime() - t.deadlineNanos()));

        // the kernel's timer, half a period after the loop's: its k-th expiration is due at first + (k - 1) * period
        long first = timerFd.clockNanos() + period.toNanos() * 3 / 2;
        timerFd.armAtClockNanos(first, period);
        long[] expirations = {0};
        loop.onReadable(timerFd, (source, events) -> {
            long n = timerFd.readExpirations();
            long now = timerFd.clockNanos();
            if (n > 0) {
                expirations[0] += n;
                event(Kind.TIMERFD, "expiration " + expirations[0] + (n > 1 ? " (" + n + " at once)" : "") + " (every "
                        + period.toMillis() + " ms)", now - (first + (expirations[0] - 1) * period.toNanos()));
            }
        });

        loop.onReadable(wakeups, (source, events) -> {
            long n = wakeups.read();
            long now = System.nanoTime();
            for (long i = 0; i < n; i++) {
                Long cause = causes.get(Kind.EVENTFD).poll();
                event(Kind.EVENTFD, "read " + n + ", written by thread tour-driver", cause == null ? -1 : now - cause);
            }
        });

        StringBuilder partial = new StringBuilder();
        ByteBuffer in = ByteBuffer.allocate(4096);
        loop.onReadable(pipe.readEnd(), (source, events) -> {
            in.clear();
            int n = pipe.readEnd().read(in);
            if (n < 0) {
                source.close(); // the child closed its end: it is exiting
                return;
            }
            partial.append(new String(in.array(), 0, n, StandardCharsets.UTF_8));
            for (int nl; (nl = partial.indexOf("\n")) >= 0; ) {
                String line = partial.substring(0, nl);
                partial.delete(0, nl + 1);
                String[] words = line.split(" ");
                long latency = words.length == 3 ? realtimeSince(words[2]) : -1;
                event(Kind.PIPE, "from child " + child.pid() + ": \"" + words[0] + " " + (words.length > 1 ? words[1] : "")
                        + "\"", latency);
                lastLine = words.length == 3 ? words[2] : null;
            }
        });

        loop.onExit(child, (source, process, exitValue) ->
                event(Kind.CHILD_EXIT, "child " + process.pid() + " (sh) exited with " + exitValue,
                        lastLine == null ? -1 : realtimeSince(lastLine)));

        loop.watch(tree, EnumSet.of(FileEvent.Kind.CREATE, FileEvent.Kind.MOVE, FileEvent.Kind.DELETE), true, (watch, e) -> {
            Long cause = fileCauses.remove(e.path().toString());
            String what = switch (e.kind()) {
                case MOVE -> "MOVE " + tree.relativize(e.from()) + " -> " + tree.relativize(e.path());
                default -> e.kind() + (e.directory() ? ",ISDIR " : " ") + tree.relativize(e.path());
            };
            event(Kind.FILES, what, cause == null ? -1 : System.nanoTime() - cause);
        });

        route = loop.signalRoute();
        loopBackend = loop.backend();
        if (route == SignalRoute.NATIVE) { // each signal with its sender
            loop.onSignal(Signal.USR1, (SignalInfoHandler) (source, info) -> {
                Long cause = causes.get(Kind.SIGNAL).poll();
                event(Kind.SIGNAL, info.signal().name() + " from pid " + info.pid() + " uid " + info.uid() + ", " + info.codeName()
                        + ", to the process", cause == null ? -1 : System.nanoTime() - cause);
            });
        } else {
            loop.onSignal(Signal.USR1, (SignalHandler) (source, signal, count) -> {
                long now = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    Long cause = causes.get(Kind.SIGNAL).poll();
                    event(Kind.SIGNAL, signal.name() + " sent to the process" + (count > 1 ? " (" + count + " at once)" : ""),
                            cause == null ? -1 : now - cause);
                }
            });
        }

        loop.onThreadSignal(Signal.realtime(1), (source, info) -> {
            Long cause = causes.get(Kind.THREAD_SIGNAL).poll();
            event(Kind.THREAD_SIGNAL, info.signal().name() + " from pid " + info.pid() + " uid " + info.uid() + ", "
                    + info.codeName(), cause == null ? -1 : System.nanoTime() - cause);
        });

        ButtonEventReader reader = new ButtonEventReader(device);
        loop.onAsyncIo(device, (source, band) -> {
            for (ButtonEvent e : reader.readAvailable()) { // the records carry the driver's write time
                event(Kind.DEVICE, "button " + device.path() + ": #" + e.sequence() + " key " + e.key() + " "
                        + (e.pressed() ? "pressed" : "released") + ", " + AsyncIoSource.describeBand(band), System.nanoTime() - e.timeNanos());
            }
        });
    }

    /** The serial line: what the driver writes into the pty's master arrives on its slave, a line at a time. */
    private void registerSerial(EventLoop loop, DeviceFile serial) throws IOException {
        StringBuilder partial = new StringBuilder();
        ByteBuffer in = ByteBuffer.allocate(1024);
        String settings = serial.tty().settings().describe();
        loop.onReadable(serial, (source, events) -> {
            in.clear();
            int n = serial.read(in);
            long now = System.nanoTime();
            if (n <= 0) {
                return;
            }
            partial.append(new String(in.array(), 0, n, StandardCharsets.US_ASCII));
            for (int nl; (nl = partial.indexOf("\n")) >= 0; ) {
                String received = partial.substring(0, nl);
                partial.delete(0, nl + 1);
                Long cause = causes.get(Kind.SERIAL).poll();
                event(Kind.SERIAL, serial.path() + " at " + settings + ": \"" + received + "\"", cause == null ? -1 : now - cause);
            }
        });
    }

    /** How process-directed signals reach the loop. */
    private SignalRoute route = SignalRoute.JVM;

    /** The backend the loop waits with (the one --backend asked for, as the loop reports it). */
    private Backend loopBackend;

    /** The last line's timestamp from the child (nanoseconds since the epoch), for its exit's latency. */
    private String lastLine;

    /** Nanoseconds from a `date +%s%N` stamp (CLOCK_REALTIME) until now; -1 if it is not one. */
    private static long realtimeSince(String epochNanos) {
        try {
            Instant now = Instant.now();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano() - Long.parseLong(epochNanos);
        } catch (NumberFormatException e) {
            return -1; // not a stamp (a date(1) without %N), ignoring
        }
    }

    private void event(Kind kind, String detail, long latencyNanos) {
        if (latencyNanos >= 0) {
            latencies.get(kind).add(latencyNanos);
        } else {
            latencies.get(kind).countOnly();
        }
        double t = (System.nanoTime() - start) / 1e9;
        if (json) {
            Json line = Json.object().field("t", Math.round(t * 1e6) / 1e6).field("source", kind.label).field("detail", detail);
            if (latencyNanos >= 0) {
                line.field("latency_us", Latencies.micros(latencyNanos));
            }
            out.println(line);
        } else {
            out.printf("%7.3f s  %-13s  %-58s %s%n", t, kind.label, Json.printable(detail),
                    latencyNanos >= 0 ? Latencies.format(latencyNanos) : "");
        }
        out.flush();
    }

    private void table() {
        if (json) {
            for (Kind kind : Kind.values()) {
                Latencies l = latencies.get(kind);
                Json line = Json.object().field("summary", kind.label).field("events", l.count());
                if (l.measured() > 0) {
                    l.addTo(line);
                }
                out.println(line.field("mechanism", kind.mechanism(loopBackend, route)));
            }
            return;
        }
        out.printf("%n%-13s %7s %10s %10s   %s%n", "source", "events", "median", "p99", "mechanism");
        for (Kind kind : Kind.values()) {
            Latencies l = latencies.get(kind);
            String[] median99 = l.formatted();
            out.printf("%-13s %7d %10s %10s   %s%n", kind.label, l.count(), median99[0], median99[1],
                    kind.mechanism(loopBackend, route));
        }
        out.println();
        out.println("Latency: from the cause (a write, a kill, a file operation, a timer's deadline) to the start of its handler.");
    }

    /** The tour's driver: every step it writes the eventfd, sends a signal, changes a file, presses or releases a button and sends a line down the serial line. */
    private final class Script implements LoopDriver.Work {
        private final EventFd wakeups;
        private final VirtualButtonDevice buttons;
        private final Pty line;
        private final Path tree;
        private final int loopTid;
        private final long stepMillis;

        Script(EventFd wakeups, VirtualButtonDevice buttons, Pty line, Path tree, int loopTid, long stepMillis) {
            this.wakeups = wakeups;
            this.buttons = buttons;
            this.line = line;
            this.tree = tree;
            this.loopTid = loopTid;
            this.stepMillis = stepMillis;
        }

        @Override
        public void run(BooleanSupplier running) throws IOException, InterruptedException {
            for (int step = 0; running.getAsBoolean(); step++) {
                Thread.sleep(stepMillis);
                if (!running.getAsBoolean()) {
                    break;
                }
                causes.get(Kind.EVENTFD).add(System.nanoTime());
                wakeups.write(1);
                if (step % 2 == 0) {
                    causes.get(Kind.SIGNAL).add(System.nanoTime());
                    Signal.USR1.sendToProcess(OsThread.processId());
                } else {
                    causes.get(Kind.THREAD_SIGNAL).add(System.nanoTime());
                    Signal.realtime(1).sendToThread(loopTid);
                }
                fileStep(step);
                buttons.state(KEY_ENTER, step % 2 == 0);
                causes.get(Kind.SERIAL).add(System.nanoTime());
                line.write(ByteBuffer.wrap(("rx " + step + "\n").getBytes(StandardCharsets.US_ASCII)));
            }
        }

        /** A cycle of three steps: create f{n}, move it into sub/, delete it. */
        private void fileStep(int step) throws IOException {
            int n = step / 3;
            Path top = tree.resolve("f" + n + ".txt");
            Path moved = tree.resolve("sub").resolve("f" + n + ".txt");
            switch (step % 3) {
                case 0 -> {
                    fileCauses.put(top.toString(), System.nanoTime());
                    Files.createFile(top);
                }
                case 1 -> {
                    fileCauses.put(moved.toString(), System.nanoTime());
                    Files.move(top, moved);
                }
                default -> {
                    fileCauses.put(moved.toString(), System.nanoTime());
                    Files.delete(moved);
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
