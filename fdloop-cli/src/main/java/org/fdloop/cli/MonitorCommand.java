package org.fdloop.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import org.fdloop.AsyncIoSource;
import org.fdloop.EventLoop;
import org.fdloop.IoSource;
import org.fdloop.Source;
import org.fdloop.fd.DeviceFile;
import org.fdloop.fd.LinuxException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fdloop monitor}: print what arrives on character devices, ttys, ptys and FIFOs. */
@Command(name = "monitor", mixinStandardHelpOptions = true,
        description = {"Print what arrives on character devices, ttys, ptys and FIFOs, per path, as it arrives.",
            "",
            "Each PATH is opened read-only and non-blocking, and one event loop waits on all of them (with --async:"
                + " the kernel signals the loop thread when one becomes readable, F_SETSIG + F_SETOWN_EX + O_ASYNC)."
                + " A named FIFO is opened again when its last writer closes it, so the next writer is seen too; any"
                + " other path, an anonymous pipe among them (some-command | fdloop monitor /dev/stdin), is dropped at"
                + " its end of file, and monitor ends when no path is left.",
            "",
            "A regular file, directory or block device is refused: epoll cannot wait on it (it is always ready);"
                + " watch it with 'fdloop watch' instead. Devices such as /dev/null, /dev/zero and /dev/urandom have"
                + " no poll method: they too are always ready, and epoll refuses them (EPERM). monitor reads those once,"
                + " prints what it read, and says it does not watch them.",
            "",
            "With --json, one object per chunk read: time, path, bytes, text or hex, and band (the poll band of"
                + " the signal, with --async)."})
final class MonitorCommand implements Callable<Integer> {
    /** errno.h: epoll_ctl's answer for a file whose driver has no poll method. */
    private static final int EPERM = 1;
    /** errno.h: no such file or directory. */
    private static final int ENOENT = 2;
    /** errno.h: open(/dev/tty) without a controlling terminal. */
    private static final int ENXIO = 6;

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true)
    Format format = new Format();

    static final class Format {
        @Option(names = "--hex", description = "Print bytes in hex.")
        boolean hex;
        @Option(names = "--text", description = "Print bytes as UTF-8 text, control characters escaped (the default).")
        boolean text;
    }

    @Option(names = "--async", description = "Signal-driven I/O: the kernel sends the loop thread a realtime signal per readiness change.")
    boolean async;

    @Option(names = "--json", description = "One JSON object per chunk read and line.")
    boolean json;

    @Mixin
    BackendOption backend;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Character devices, ttys, ptys or FIFOs.")
    List<Path> paths;

    private PrintWriter out;
    private PrintWriter err;
    private EventLoop loop;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
    private final List<DeviceFile> files = new ArrayList<>();
    private int open;
    private long bytes;
    /** The poll band of the latest readiness signal (--async). */
    private int lastBand;
    /** The poll band of the latest readiness signal (--async). */
    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        try (EventLoop loop = backend.open()) {
            this.loop = loop;
            try {
                for (Path path : paths) {
                    files.add(open(path));
                }
            } catch (IllegalArgumentException e) {
                throw new Main.Failure(e.getMessage() + "; 'fdloop watch' reports changes to files and directories");
            }
            StopSignals stop = StopSignals.install(loop, List.of());
            long started = System.nanoTime();
            for (DeviceFile file : files) {
                register(file);
            }
            if (open > 0) {
                err.printf("fdloop monitor: waiting on %d path%s%s; Ctrl-C ends%n", open, open == 1 ? "" : "s",
                        async ? ", signal-driven (O_ASYNC)" : "");
                err.flush();
                stop.run();
            }
            err.printf("fdloop monitor: %d byte%s in %.1f s%s%n", bytes, bytes == 1 ? "" : "s",
                    (System.nanoTime() - started) / 1e9, stop.received() != null ? " (" + stop.received().name() + ")" : "");
            err.flush();
        } finally {
            files.forEach(DeviceFile::close);
        }
        return Main.OK;
    }

    /** Opens {@code path} to read, or says in one line why it cannot be monitored. */
    private static DeviceFile open(Path path) throws IOException {
        if (closedStandardInput(path)) {
            throw new Main.Failure(path + ": the standard input is closed (fd 0 was not open when fdloop started): give monitor"
                    + " a pipe (some-command | fdloop monitor /dev/stdin), a FIFO or a device");
        }
        try {
            return DeviceFile.open(path, DeviceFile.Access.READ);
        } catch (LinuxException e) {
            if (e.errno() == ENOENT) {
                throw new NoSuchFileException(path.toString());
            }
            if (e.errno() == ENXIO && sameFile(path, Path.of("/dev/tty"))) {
                throw new Main.Failure(path + ": this process has no controlling terminal (ENXIO): run monitor from a terminal,"
                        + " or give it a terminal's own path (tty(1) prints it, /dev/pts/N)");
            }
            throw e;
        }
    }

    /**
     * Whether {@code path} is this process's standard input and that was closed when the JVM
     * started ({@code fdloop monitor /dev/stdin <&-}): fd 0 is not open, or it is the first file
     * the JVM opened itself, its modules image.
     */
    private static boolean closedStandardInput(Path path) {
        Path fd0 = Path.of("/proc/self/fd/0");
        if (!List.of("/dev/stdin", "/dev/fd/0", "/proc/self/fd/0").contains(path.toString()) && !sameFile(path, fd0)) {
            return false;
        }
        return !Files.exists(fd0) || sameFile(fd0, Path.of(System.getProperty("java.home"), "lib", "modules"));
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false; // one of them does not exist: not the same, ignoring
        }
    }

    /**
     * Whether {@code file} is an anonymous pipe ({@code /dev/stdin} of {@code cmd | fdloop monitor}),
     * which has no name to be opened by a next writer, unlike a named FIFO.
     */
    private static boolean anonymousPipe(DeviceFile file) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + file.number())).toString().startsWith("pipe:");
        } catch (IOException e) {
            return false; // no /proc: taken for a named FIFO, ignoring
        }
    }

    /** Waits for {@code file}: through epoll, or signal-driven; an always-ready device is read once. */
    private void register(DeviceFile file) throws IOException {
        IoSource probe;
        try {
            probe = loop.onReadable(file, (source, events) -> {
                if (!drain(file, source, 16)) {
                    ended(file, source);
                }
            });
        } catch (LinuxException e) {
            if (e.errno() != EPERM) {
                throw e;
            }
            readOnce(file);
            return;
        }
        open++;
        if (async) {
            probe.close();
            loop.onAsyncIo(file, IoSource.READABLE, AsyncIoSource.DEFAULT_SIGNAL, (source, band) -> {
                lastBand = band;
                // a signal reports a change, not a level: read until nothing is left
                if (!drain(file, source, Integer.MAX_VALUE)) {
                    ended(file, source);
                }
            });
        }
    }

    /** Reads what is there, at most {@code reads} times; false at the end of the stream. */
    private boolean drain(DeviceFile file, Source source, int reads) throws IOException {
        for (int i = 0; i < reads; i++) {
            buffer.clear();
            int n;
            try {
                n = file.read(buffer);
            } catch (LinuxException e) {
                err.println("fdloop monitor: " + e.getMessage());
                return false;
            }
            if (n < 0) {
                return false;
            }
            if (n == 0) {
                return true;
            }
            print(file.path(), buffer.flip());
        }
        return true;
    }

    /**
     * The end of {@code file}'s stream: a named FIFO is opened again for its next writer; anything
     * else, an anonymous pipe too, is dropped.
     */
    private void ended(DeviceFile file, Source source) throws IOException {
        boolean reopen = file.fileType().equals("FIFO") && !anonymousPipe(file);
        source.close();
        file.close();
        if (reopen) {
            err.println("fdloop monitor: " + file.path() + ": the last writer closed it; waiting for the next");
            open--;
            DeviceFile again = open(file.path());
            files.set(files.indexOf(file), again); // in place: the list does not grow with each writer
            register(again);
            return;
        }
        err.println("fdloop monitor: " + file.path() + ": end of file");
        if (--open == 0) {
            loop.stop();
        }
    }

    private void readOnce(DeviceFile file) throws IOException {
        buffer.clear().limit(16); // /dev/zero and /dev/urandom never end: a taste is enough
        int n = file.read(buffer);
        if (n > 0) {
            print(file.path(), buffer.flip());
        }
        err.println("fdloop monitor: " + file.path() + ": always ready (its driver has no poll method, and epoll refuses it"
                + " with EPERM), so there is nothing to wait for: " + (n > 0 ? "read " + n + " bytes once" : "at end of file")
                + ", not watched");
        file.close();
    }

    private void print(Path path, ByteBuffer data) {
        byte[] chunk = new byte[data.remaining()];
        data.get(chunk);
        bytes += chunk.length;
        Instant now = Instant.now();
        String shown = format.hex ? HexFormat.ofDelimiter(" ").formatHex(chunk) : new String(chunk, StandardCharsets.UTF_8);
        if (json) {
            Json line = Json.object().field("time", now.toString()).field("path", path.toString()).field("bytes", chunk.length)
                    .field(format.hex ? "hex" : "text", format.hex ? HexFormat.of().formatHex(chunk) : shown);
            if (async) {
                line.field("band", "0x" + Integer.toHexString(lastBand));
            }
            out.println(line);
        } else {
            out.println(Json.clock(now) + " " + Json.printable(path.toString())
                    + ": " + (format.hex ? shown : Json.quote(shown)) + " (" + chunk.length + " byte" + (chunk.length == 1 ? "" : "s")
                    + (async ? ", " + AsyncIoSource.describeBand(lastBand) : "") + ")");
        }
        out.flush();
    }
}
