package org.fdloop.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.fdloop.fd.DatagramFd;
import org.fdloop.fd.DeviceFile;
import org.fdloop.fd.Fifo;
import org.fdloop.fd.Inotify;
import org.fdloop.fd.LinuxException;
import org.fdloop.fd.ListeningSocket;
import org.fdloop.fd.OsPipe;
import org.fdloop.fd.Pty;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalSet;
import org.fdloop.fd.StreamFd;
import org.fdloop.fd.StreamSocket;
import org.fdloop.fd.UnixAbstractAddress;

/**
 * The cells of seed 003's tables, "when SIGIO fires, fd type by fd type", each a named procedure
 * that makes the event happen on this kernel and records the signals it sends. The JUnit tests
 * (SigioCellsTest) assert what each cell observes; {@link SigioTable} runs every cell and writes
 * docs/SIGIO.md, the seed's claim beside the observation.
 *
 * <p>The rows: terminal, pseudoterminal slave, pipe and FIFO (each end), datagram sockets (UDP,
 * Unix), stream sockets (TCP, Unix; loopback and abstract names only) and inotify. A real terminal
 * is not at hand in a test, so a pty slave in canonical mode stands in for it; the pseudoterminal
 * rows use a pty slave in raw mode.
 */
public final class SigioCells {
    private SigioCells() {}

    /** What the seed says about a cell. */
    public enum Claim {
        /** The seed says the kernel sends a signal. */
        SIGNALLED("yes"),
        /** The seed says it does not. */
        NOT_SIGNALLED("no"),
        /** The seed does not say; observed for completeness. */
        NOT_SAID("not said");

        private final String word;

        Claim(String word) {
            this.word = word;
        }

        /** "yes", "no", "not said". */
        public String word() {
            return word;
        }
    }

    /** Makes a cell's event happen and records it. */
    @FunctionalInterface
    public interface Procedure {
        void run(SigioProbe probe) throws Exception;
    }

    /**
     * One cell of the seed's tables.
     *
     * @param name a stable identifier, {@code pipe-read-data-written}
     * @param fdType the table's row, {@code "pipe (read end)"}
     * @param event the table's column, in the seed's words where it has them
     * @param claim what the seed says
     * @param seedSays the seed's sentence for this cell
     * @param procedure what is done, in words, for the doc
     * @param run the procedure itself
     */
    public record Cell(String name, String fdType, String event, Claim claim, String seedSays, String procedure,
                       Procedure run) {}

    /**
     * What a cell observed.
     *
     * @param signals every signal recorded, in order
     * @param notes remarks the procedure made (what a read returned, say)
     */
    public record Observation(Cell cell, List<SigioProbe.Signalled> signals, List<String> notes) {
        /** Whether any signal came. */
        public boolean signalled() {
            return !signals.isEmpty();
        }

        /** Whether the observation matches the seed's claim; true when the seed says nothing. */
        public boolean agrees() {
            return switch (cell.claim()) {
                case SIGNALLED -> signalled();
                case NOT_SIGNALLED -> !signalled();
                case NOT_SAID -> true;
            };
        }

        /** The signals as {@link SigioProbe.Signalled#brief()} strings: what tests compare. */
        public List<String> briefs() {
            return signals.stream().map(SigioProbe.Signalled::brief).toList();
        }
    }

    /**
     * Runs {@code cell} in a platform thread of its own that blocks {@link SigioProbe#SIGNAL} and
     * SIGIO (so that no signal can reach another thread, where its default action would end the
     * JVM), and returns what it saw.
     */
    public static Observation observe(Cell cell) throws Exception {
        AtomicReference<Observation> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().name("sigio " + cell.name()).start(() -> {
            try {
                // the thread's mask ends with it, and so do the signals still pending for it
                SignalSet.of(SigioProbe.SIGNAL, Signal.IO).block();
                try (SigioProbe probe = new SigioProbe()) {
                    cell.run().run(probe);
                    if (!probe.isObserved()) {
                        throw new IllegalStateException("the procedure of " + cell.name() + " never called observed()");
                    }
                    probe.observed(); // drops what the clean-up sent
                    result.set(new Observation(cell, probe.signals(), probe.notes()));
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        thread.join();
        if (failure.get() != null) {
            throw new IllegalStateException("cell " + cell.name() + " failed", failure.get());
        }
        return result.get();
    }

    // ---- terminal: a pty slave in canonical mode stands in ----------------------------------------

    public static final Cell TERMINAL_INPUT_LINE = new Cell("terminal-input-line", "terminal (pty slave, canonical)",
            "new input line", Claim.SIGNALLED,
            "SIGIO is sent whenever new input becomes available",
            "the master writes \"hello\\n\"",
            probe -> {
                try (Pty pty = canonicalPty(); DeviceFile slave = pty.openSlave()) {
                    probe.watch(slave, "slave");
                    write(pty, "hello\n");
                    probe.awaitReadable(slave);
                    probe.observed();
                }
            });

    public static final Cell TERMINAL_SECOND_LINE = new Cell("terminal-second-line", "terminal (pty slave, canonical)",
            "new input line, the previous one unread", Claim.SIGNALLED,
            "even if previous input has not been read yet",
            "the master writes \"one\\n\"; once that is signalled, \"two\\n\"; nothing is read",
            probe -> {
                try (Pty pty = canonicalPty(); DeviceFile slave = pty.openSlave()) {
                    probe.watch(slave, "slave");
                    write(pty, "one\n");
                    probe.awaitReadable(slave);
                    probe.forget();
                    write(pty, "two\n");
                    probe.awaitReadable(slave);
                    probe.observed();
                }
            });

    public static final Cell TERMINAL_PARTIAL_LINE = new Cell("terminal-partial-line", "terminal (pty slave, canonical)",
            "input without a newline yet", Claim.NOT_SAID,
            "(nothing: in canonical mode a partial line cannot be read yet)",
            "the master writes \"abc\" (no newline)",
            probe -> {
                try (Pty pty = canonicalPty(); DeviceFile slave = pty.openSlave()) {
                    probe.watch(slave, "slave");
                    write(pty, "abc");
                    probe.observed();
                    probe.note("read(slave) then returns " + slave.read(ByteBuffer.allocate(16)) + " (nothing to read yet)");
                }
            });

    public static final Cell TERMINAL_EOF = new Cell("terminal-eof", "terminal (pty slave, canonical)",
            "end of file (^D typed)", Claim.SIGNALLED,
            "SIGIO is also sent when an end-of-file (EOF) condition occurs on a terminal",
            "the master writes ^D (VEOF) on an empty line",
            probe -> {
                try (Pty pty = canonicalPty(); DeviceFile slave = pty.openSlave()) {
                    probe.watch(slave, "slave");
                    write(pty, "\u0004");
                    probe.awaitReadable(slave);
                    probe.observed();
                    probe.note("read(slave) then returns " + slave.read(ByteBuffer.allocate(16)) + " (end of file)");
                }
            });

    public static final Cell TERMINAL_DISCONNECT = new Cell("terminal-disconnect", "terminal (pty slave, canonical)",
            "disconnect (hangup: the master closes)", Claim.NOT_SIGNALLED,
            "A terminal disconnect is not signaled",
            "the master closes",
            probe -> {
                Pty pty = canonicalPty();
                try (DeviceFile slave = pty.openSlave()) {
                    probe.watch(slave, "slave");
                    pty.close();
                    probe.awaitReadable(slave);
                    probe.observed();
                    probe.note("read(slave) then returns " + slave.read(ByteBuffer.allocate(16)));
                } finally {
                    pty.close();
                }
            });

    // ---- pseudoterminal slave, raw mode -----------------------------------------------------------

    public static final Cell PTY_INPUT = new Cell("pty-input", "pseudoterminal slave (raw)",
            "new input", Claim.SIGNALLED,
            "Signal is generated when new input becomes available on the slave side",
            "the master writes one byte",
            probe -> {
                try (Pty pty = rawPty(); DeviceFile slave = pty.openSlave()) {
                    probe.watch(slave, "slave");
                    write(pty, "k");
                    probe.awaitReadable(slave);
                    probe.observed();
                }
            });

    public static final Cell PTY_OUTPUT_POSSIBLE = new Cell("pty-output-possible", "pseudoterminal slave (raw)",
            "output possible again (the master reads)", Claim.SIGNALLED,
            "Starting with Linux kernel 2.4.19, \"output possible\" is also signaled on the slave side",
            "O_ASYNC on; the slave writes until EAGAIN; then the master reads all of it",
            probe -> {
                try (Pty pty = rawPty(); DeviceFile slave = pty.openSlave()) {
                    probe.watch(slave, "slave");
                    int written = fill(slave);
                    probe.forget();
                    int read = drain(pty);
                    probe.awaitWritable(slave);
                    probe.observed();
                    probe.note("the slave took " + written + " bytes; the master read " + read);
                }
            });

    public static final Cell PTY_OUTPUT_POSSIBLE_FILLED_BEFORE = new Cell("pty-output-possible-filled-before",
            "pseudoterminal slave (raw)", "output possible again, the short write made before O_ASYNC", Claim.NOT_SAID,
            "(nothing about when the short write happened)",
            "the slave writes until EAGAIN; then O_ASYNC on; then the master reads all of it",
            probe -> {
                try (Pty pty = rawPty(); DeviceFile slave = pty.openSlave()) {
                    int written = fill(slave);
                    probe.watch(slave, "slave");
                    int read = drain(pty);
                    probe.awaitWritable(slave);
                    probe.observed();
                    probe.note("the slave took " + written + " bytes; the master read " + read);
                }
            });

    public static final Cell PTY_EOF = new Cell("pty-eof", "pseudoterminal slave (raw)",
            "end of file (the master closes)", Claim.NOT_SIGNALLED,
            "EOF is not signaled on a pseudoterminal (unlike real terminals)",
            "the master closes; the slave then reads end of file",
            probe -> {
                Pty pty = rawPty();
                try (DeviceFile slave = pty.openSlave()) {
                    probe.watch(slave, "slave");
                    pty.close();
                    probe.awaitReadable(slave);
                    probe.observed();
                    probe.note("read(slave) then returns " + slave.read(ByteBuffer.allocate(16)));
                } finally {
                    pty.close();
                }
            });

    // ---- pipe and FIFO ----------------------------------------------------------------------------

    /** A pipe or a FIFO: the cells of both rows are the same procedures. */
    private interface Ends extends AutoCloseable {
        StreamFd reader();

        StreamFd writer();

        @Override
        void close() throws IOException;
    }

    private static Ends pipe() throws IOException {
        OsPipe pipe = OsPipe.open();
        return new Ends() {
            public StreamFd reader() {
                return pipe.readEnd();
            }

            public StreamFd writer() {
                return pipe.writeEnd();
            }

            public void close() {
                pipe.close();
            }
        };
    }

    private static Ends fifo() throws IOException {
        Path dir = Files.createTempDirectory("fdloop-sigio");
        Path path = dir.resolve("fifo");
        Fifo.create(path);
        Fifo reader = Fifo.openForReading(path);
        Fifo writer;
        try {
            writer = Fifo.openForWriting(path);
        } catch (IOException | RuntimeException e) {
            reader.close();
            deleteTree(dir);
            throw e;
        }
        return new Ends() {
            public StreamFd reader() {
                return reader;
            }

            public StreamFd writer() {
                return writer;
            }

            public void close() throws IOException {
                reader.close();
                writer.close();
                deleteTree(dir);
            }
        };
    }

    @FunctionalInterface
    private interface EndsSource {
        Ends open() throws IOException;
    }

    private static Procedure dataWritten(EndsSource source) {
        return probe -> {
            try (Ends ends = source.open()) {
                probe.watch(ends.reader(), "read end");
                write(ends.writer(), "x");
                probe.awaitReadable(ends.reader());
                probe.observed();
            }
        };
    }

    private static Procedure dataWrittenWhileUnread(EndsSource source) {
        return probe -> {
            try (Ends ends = source.open()) {
                probe.watch(ends.reader(), "read end");
                write(ends.writer(), "1");
                probe.forget();
                write(ends.writer(), "2");
                probe.observed();
            }
        };
    }

    private static Procedure writerClosed(EndsSource source) {
        return probe -> {
            try (Ends ends = source.open()) {
                probe.watch(ends.reader(), "read end");
                ends.writer().close();
                probe.awaitReadable(ends.reader());
                probe.observed();
                probe.note("read(read end) then returns " + ends.reader().read(ByteBuffer.allocate(16)));
            }
        };
    }

    private static Procedure readFrees(EndsSource source, int bytes) {
        return probe -> {
            try (Ends ends = source.open()) {
                int filled = fill(ends.writer());
                probe.watch(ends.writer(), "write end");
                int read = ends.reader().read(ByteBuffer.allocate(bytes));
                probe.observed();
                probe.note("filled with " + filled + " bytes, then read " + read);
            }
        };
    }

    private static Procedure readWhenNotFull(EndsSource source) {
        return probe -> {
            try (Ends ends = source.open()) {
                write(ends.writer(), "0123456789");
                probe.watch(ends.writer(), "write end");
                int read = ends.reader().read(ByteBuffer.allocate(10));
                probe.observed();
                probe.note("10 bytes written, then read " + read);
            }
        };
    }

    private static Procedure readerClosed(EndsSource source) {
        return probe -> {
            try (Ends ends = source.open()) {
                probe.watch(ends.writer(), "write end");
                ends.reader().close();
                probe.observed();
            }
        };
    }

    private static final int PIPE_BUF = 4096;

    public static final Cell PIPE_READ_DATA_WRITTEN = new Cell("pipe-read-data-written", "pipe (read end)",
            "data written", Claim.SIGNALLED, "Data is written to the pipe",
            "one byte is written", dataWritten(SigioCells::pipe));

    public static final Cell PIPE_READ_DATA_WRITTEN_UNREAD = new Cell("pipe-read-data-written-unread", "pipe (read end)",
            "data written, earlier data unread", Claim.SIGNALLED, "(even if previous unread data exists)",
            "one byte is written; once that is signalled, another", dataWrittenWhileUnread(SigioCells::pipe));

    public static final Cell PIPE_READ_WRITER_CLOSED = new Cell("pipe-read-writer-closed", "pipe (read end)",
            "write end closed", Claim.SIGNALLED, "The write end is closed",
            "the only write end closes", writerClosed(SigioCells::pipe));

    public static final Cell PIPE_WRITE_SPACE = new Cell("pipe-write-space", "pipe (write end)",
            "space of at least PIPE_BUF again", Claim.SIGNALLED,
            "A read() on the pipe increases free space >= PIPE_BUF bytes",
            "the pipe is filled; then PIPE_BUF (4096) bytes are read", readFrees(SigioCells::pipe, PIPE_BUF));

    public static final Cell PIPE_WRITE_SPACE_BELOW_PIPE_BUF = new Cell("pipe-write-space-below-pipe-buf",
            "pipe (write end)", "a read that leaves less than PIPE_BUF free", Claim.NOT_SIGNALLED,
            "(only when free space >= PIPE_BUF)",
            "the pipe is filled; then 1 byte is read", readFrees(SigioCells::pipe, 1));

    public static final Cell PIPE_WRITE_READ_NOT_FULL = new Cell("pipe-write-read-not-full", "pipe (write end)",
            "a read from a pipe that was not full", Claim.NOT_SIGNALLED,
            "(free space >= PIPE_BUF was there before: nothing becomes possible)",
            "10 bytes are written, then read", readWhenNotFull(SigioCells::pipe));

    public static final Cell PIPE_WRITE_READER_CLOSED = new Cell("pipe-write-reader-closed", "pipe (write end)",
            "read end closed", Claim.SIGNALLED, "The read end is closed",
            "the only read end closes", readerClosed(SigioCells::pipe));

    public static final Cell FIFO_READ_DATA_WRITTEN = new Cell("fifo-read-data-written", "FIFO (read end)",
            "data written", Claim.SIGNALLED, "Data is written to the pipe",
            "one byte is written", dataWritten(SigioCells::fifo));

    public static final Cell FIFO_READ_DATA_WRITTEN_UNREAD = new Cell("fifo-read-data-written-unread", "FIFO (read end)",
            "data written, earlier data unread", Claim.SIGNALLED, "(even if previous unread data exists)",
            "one byte is written; once that is signalled, another", dataWrittenWhileUnread(SigioCells::fifo));

    public static final Cell FIFO_READ_WRITER_CLOSED = new Cell("fifo-read-writer-closed", "FIFO (read end)",
            "write end closed", Claim.SIGNALLED, "The write end is closed",
            "the only writer closes", writerClosed(SigioCells::fifo));

    public static final Cell FIFO_WRITE_SPACE = new Cell("fifo-write-space", "FIFO (write end)",
            "space of at least PIPE_BUF again", Claim.SIGNALLED,
            "A read() on the pipe increases free space >= PIPE_BUF bytes",
            "the FIFO is filled; then PIPE_BUF (4096) bytes are read", readFrees(SigioCells::fifo, PIPE_BUF));

    public static final Cell FIFO_WRITE_SPACE_BELOW_PIPE_BUF = new Cell("fifo-write-space-below-pipe-buf",
            "FIFO (write end)", "a read that leaves less than PIPE_BUF free", Claim.NOT_SIGNALLED,
            "(only when free space >= PIPE_BUF)",
            "the FIFO is filled; then 1 byte is read", readFrees(SigioCells::fifo, 1));

    public static final Cell FIFO_WRITE_READ_NOT_FULL = new Cell("fifo-write-read-not-full", "FIFO (write end)",
            "a read from a FIFO that was not full", Claim.NOT_SIGNALLED,
            "(free space >= PIPE_BUF was there before: nothing becomes possible)",
            "10 bytes are written, then read", readWhenNotFull(SigioCells::fifo));

    public static final Cell FIFO_WRITE_READER_CLOSED = new Cell("fifo-write-reader-closed", "FIFO (write end)",
            "read end closed", Claim.SIGNALLED, "The read end is closed",
            "the only reader closes", readerClosed(SigioCells::fifo));

    // ---- sockets ----------------------------------------------------------------------------------

    private static final AtomicLong UNIX_NAMES = new AtomicLong();

    /** A fresh local address of {@code family}: loopback port 0, or a new abstract Unix name. */
    private static SocketAddress local(StandardProtocolFamily family) {
        return family == StandardProtocolFamily.UNIX
                ? UnixAbstractAddress.of("fdloop-sigio-" + ProcessHandle.current().pid() + "-" + UNIX_NAMES.incrementAndGet())
                : new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    private static String kind(StandardProtocolFamily family) {
        return family == StandardProtocolFamily.UNIX ? "Unix" : "TCP";
    }

    /** A listener and both ends of one connection to it: client and (accepted) server. */
    private record Connection(ListeningSocket listener, StreamSocket client, StreamSocket server) implements AutoCloseable {
        static Connection open(StandardProtocolFamily family) throws IOException {
            ListeningSocket listener = ListeningSocket.listenOn(local(family));
            StreamSocket client = null;
            try {
                client = StreamSocket.connectTo(listener.localAddress());
                if (!client.awaitWritable(SigioProbe.PATIENCE) || !client.finishConnect()) {
                    throw new IOException(client + " did not connect within " + SigioProbe.PATIENCE);
                }
                StreamSocket server = null;
                long deadline = System.nanoTime() + SigioProbe.PATIENCE.toNanos();
                while (server == null && System.nanoTime() - deadline < 0) {
                    listener.awaitReadable(SigioProbe.QUIET);
                    server = listener.accept();
                }
                if (server == null) {
                    throw new IOException(listener + " accepted nothing within " + SigioProbe.PATIENCE);
                }
                return new Connection(listener, client, server);
            } catch (IOException | RuntimeException e) {
                if (client != null) {
                    client.close();
                }
                listener.close();
                throw e;
            }
        }

        @Override
        public void close() {
            client.close();
            server.close();
            listener.close();
        }
    }

    private static Procedure datagram(StandardProtocolFamily family, boolean earlierUnread) {
        return probe -> {
            try (DatagramFd receiver = DatagramFd.bindTo(local(family));
                    DatagramFd sender = DatagramFd.open(family)) {
                probe.watch(receiver, "receiver");
                SocketAddress to = receiver.localAddress();
                sender.send(ByteBuffer.wrap(new byte[] {1}), to);
                if (earlierUnread) {
                    probe.awaitReadable(receiver);
                    probe.forget();
                    sender.send(ByteBuffer.wrap(new byte[] {2}), to);
                }
                probe.awaitReadable(receiver);
                probe.observed();
            }
        };
    }

    public static final Cell UDP_DATAGRAM = new Cell("udp-datagram", "datagram socket (UDP)",
            "new datagram", Claim.SIGNALLED, "An input datagram arrives on the socket",
            "a datagram is sent to the bound socket", datagram(StandardProtocolFamily.INET, false));

    public static final Cell UDP_DATAGRAM_UNREAD = new Cell("udp-datagram-unread", "datagram socket (UDP)",
            "new datagram, an earlier one unread", Claim.SIGNALLED,
            "(even if there are already unread datagrams queued)",
            "a datagram is sent; once that is signalled, another", datagram(StandardProtocolFamily.INET, true));

    public static final Cell UDP_ASYNC_ERROR = new Cell("udp-async-error", "datagram socket (UDP)",
            "asynchronous error", Claim.SIGNALLED, "An asynchronous error occurs on the socket",
            "the socket is connected to a loopback port nobody has; a datagram sent there brings back ICMP port unreachable",
            probe -> {
                int deadPort;
                try (DatagramFd gone = DatagramFd.bindTo(local(StandardProtocolFamily.INET))) {
                    deadPort = ((InetSocketAddress) gone.localAddress()).getPort();
                }
                try (DatagramFd socket = DatagramFd.open(StandardProtocolFamily.INET)) {
                    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), deadPort));
                    probe.watch(socket, "socket");
                    socket.write(ByteBuffer.wrap(new byte[] {1}));
                    probe.awaitReadable(socket);
                    probe.observed();
                    LinuxException error = socket.takeError();
                    probe.note("SO_ERROR then: " + (error == null ? "none" : error.errnoName()));
                }
            });

    public static final Cell UNIX_DGRAM_DATAGRAM = new Cell("unix-dgram-datagram", "datagram socket (Unix)",
            "new datagram", Claim.SIGNALLED, "An input datagram arrives on the socket",
            "a datagram is sent to the bound socket", datagram(StandardProtocolFamily.UNIX, false));

    private static Procedure newConnection(StandardProtocolFamily family) {
        return probe -> {
            try (ListeningSocket listener = ListeningSocket.listenOn(local(family))) {
                probe.watch(listener, "listener");
                try (StreamSocket client = StreamSocket.open(family)) {
                    client.connect(listener.localAddress());
                    probe.awaitReadable(listener);
                    probe.observed();
                    try (StreamSocket accepted = listener.accept()) {
                        probe.note(accepted == null ? "nothing to accept" : "accept() then returns the connection");
                    }
                }
            }
        };
    }

    private static Procedure connectCompleted(StandardProtocolFamily family) {
        return probe -> {
            try (ListeningSocket listener = ListeningSocket.listenOn(local(family));
                    StreamSocket client = StreamSocket.open(family)) {
                probe.watch(client, "client");
                boolean atOnce = client.connect(listener.localAddress());
                probe.awaitWritable(client);
                probe.observed();
                probe.note(atOnce ? "connect() completed at once" : "connect() returned EINPROGRESS, then completed");
            }
        };
    }

    private static Procedure newData(StandardProtocolFamily family, boolean earlierUnread) {
        return probe -> {
            try (Connection c = Connection.open(family)) {
                probe.watch(c.server(), "server end");
                write(c.client(), "1");
                if (earlierUnread) {
                    probe.awaitReadable(c.server());
                    probe.forget();
                    write(c.client(), "2");
                }
                probe.awaitReadable(c.server());
                probe.observed();
            }
        };
    }

    private static Procedure peerShutdown(StandardProtocolFamily family) {
        return probe -> {
            try (Connection c = Connection.open(family)) {
                probe.watch(c.server(), "server end");
                c.client().shutdownOutput();
                probe.awaitReadable(c.server());
                probe.observed();
                probe.note("read(server end) then returns " + c.server().read(ByteBuffer.allocate(16)));
            }
        };
    }

    private static Procedure peerClose(StandardProtocolFamily family) {
        return probe -> {
            try (Connection c = Connection.open(family)) {
                probe.watch(c.server(), "server end");
                c.client().close();
                probe.awaitReadable(c.server());
                probe.observed();
                probe.note("read(server end) then returns " + c.server().read(ByteBuffer.allocate(16)));
            }
        };
    }

    private static Procedure sendSpace(StandardProtocolFamily family) {
        return probe -> {
            try (Connection c = Connection.open(family)) {
                probe.watch(c.client(), "client");
                int written = fill(c.client());
                probe.forget();
                int read = drain(c.server());
                probe.awaitWritable(c.client());
                probe.observed();
                probe.note("the client wrote until EAGAIN (" + (written == read ? "" : "at least ") + written
                        + " bytes), then the server read " + read);
            }
        };
    }

    public static final Cell TCP_NEW_CONNECTION = new Cell("tcp-new-connection", "stream socket (TCP)",
            "new connection on a listening socket", Claim.SIGNALLED,
            "A new connection arrives on a listening socket", "a client connects to the listener",
            newConnection(StandardProtocolFamily.INET));

    public static final Cell TCP_CONNECT_COMPLETED = new Cell("tcp-connect-completed", "stream socket (TCP)",
            "connect() completed", Claim.SIGNALLED,
            "A connect() completes: TCP connection reaches ESTABLISHED state (active side)",
            "O_ASYNC on an unconnected socket, then a non-blocking connect to a loopback listener",
            connectCompleted(StandardProtocolFamily.INET));

    public static final Cell TCP_NEW_DATA = new Cell("tcp-new-data", "stream socket (TCP)",
            "new data", Claim.SIGNALLED, "New input arrives on the connected socket",
            "the peer writes one byte", newData(StandardProtocolFamily.INET, false));

    public static final Cell TCP_NEW_DATA_UNREAD = new Cell("tcp-new-data-unread", "stream socket (TCP)",
            "new data, earlier data unread", Claim.SIGNALLED, "(even if previous data not yet read)",
            "the peer writes one byte; once that is signalled, another", newData(StandardProtocolFamily.INET, true));

    public static final Cell TCP_PEER_SHUTDOWN = new Cell("tcp-peer-shutdown", "stream socket (TCP)",
            "the peer shuts down its writing half", Claim.SIGNALLED,
            "The peer closes its write half via shutdown()", "the peer calls shutdown(SHUT_WR)",
            peerShutdown(StandardProtocolFamily.INET));

    public static final Cell TCP_PEER_CLOSE = new Cell("tcp-peer-close", "stream socket (TCP)",
            "the peer closes", Claim.SIGNALLED, "or closes the socket with close()", "the peer closes its socket",
            peerClose(StandardProtocolFamily.INET));

    public static final Cell TCP_SEND_SPACE = new Cell("tcp-send-space", "stream socket (TCP)",
            "send-buffer space", Claim.SIGNALLED, "Output space becomes available in the socket send buffer",
            "O_ASYNC on; the client writes until EAGAIN; then the server reads all of it",
            sendSpace(StandardProtocolFamily.INET));

    public static final Cell TCP_ASYNC_ERROR = new Cell("tcp-async-error", "stream socket (TCP)",
            "asynchronous error", Claim.SIGNALLED, "An asynchronous error occurs on the socket",
            "O_ASYNC on, then a non-blocking connect to a loopback port nobody listens on (RST: ECONNREFUSED)",
            probe -> {
                int deadPort;
                try (ListeningSocket gone = ListeningSocket.listenOn(local(StandardProtocolFamily.INET))) {
                    deadPort = ((InetSocketAddress) gone.localAddress()).getPort();
                }
                try (StreamSocket client = StreamSocket.open(StandardProtocolFamily.INET)) {
                    probe.watch(client, "client");
                    try {
                        client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), deadPort));
                        probe.awaitWritable(client);
                        probe.observed();
                        client.finishConnect();
                        probe.note("finishConnect() then succeeds");
                    } catch (LinuxException e) {
                        if (!probe.isObserved()) {
                            probe.observed();
                        }
                        probe.note("the connect fails with " + e.errnoName());
                    }
                }
            });

    public static final Cell UNIX_NEW_CONNECTION = new Cell("unix-new-connection", "stream socket (Unix)",
            "new connection on a listening socket", Claim.SIGNALLED,
            "A new connection arrives on a listening socket", "a client connects to the listener",
            newConnection(StandardProtocolFamily.UNIX));

    public static final Cell UNIX_CONNECT_COMPLETED = new Cell("unix-connect-completed", "stream socket (Unix)",
            "connect() completed", Claim.NOT_SIGNALLED, "Note: not signaled for UNIX domain sockets in the same situation",
            "O_ASYNC on an unconnected socket, then a connect to a listener",
            connectCompleted(StandardProtocolFamily.UNIX));

    public static final Cell UNIX_NEW_DATA = new Cell("unix-new-data", "stream socket (Unix)",
            "new data", Claim.SIGNALLED, "New input arrives on the connected socket",
            "the peer writes one byte", newData(StandardProtocolFamily.UNIX, false));

    public static final Cell UNIX_NEW_DATA_UNREAD = new Cell("unix-new-data-unread", "stream socket (Unix)",
            "new data, earlier data unread", Claim.SIGNALLED, "(even if previous data not yet read)",
            "the peer writes one byte; once that is signalled, another", newData(StandardProtocolFamily.UNIX, true));

    public static final Cell UNIX_PEER_SHUTDOWN = new Cell("unix-peer-shutdown", "stream socket (Unix)",
            "the peer shuts down its writing half", Claim.SIGNALLED,
            "The peer closes its write half via shutdown()", "the peer calls shutdown(SHUT_WR)",
            peerShutdown(StandardProtocolFamily.UNIX));

    public static final Cell UNIX_PEER_CLOSE = new Cell("unix-peer-close", "stream socket (Unix)",
            "the peer closes", Claim.SIGNALLED, "or closes the socket with close()", "the peer closes its socket",
            peerClose(StandardProtocolFamily.UNIX));

    public static final Cell UNIX_SEND_SPACE = new Cell("unix-send-space", "stream socket (Unix)",
            "send-buffer space", Claim.SIGNALLED, "Output space becomes available in the socket send buffer",
            "O_ASYNC on; the client writes until EAGAIN; then the server reads all of it",
            sendSpace(StandardProtocolFamily.UNIX));

    public static final Cell UNIX_ASYNC_ERROR = new Cell("unix-async-error", "stream socket (Unix)",
            "asynchronous error", Claim.SIGNALLED, "An asynchronous error occurs on the socket",
            "the client writes a byte; the server closes without reading it (ECONNRESET for the client)",
            probe -> {
                try (Connection c = Connection.open(StandardProtocolFamily.UNIX)) {
                    probe.watch(c.client(), "client");
                    write(c.client(), "x");
                    probe.forget();
                    c.server().close();
                    probe.awaitReadable(c.client());
                    probe.observed();
                    LinuxException error = c.client().takeError();
                    probe.note("SO_ERROR then: " + (error == null ? "none" : error.errnoName()));
                }
            });

    // ---- inotify ----------------------------------------------------------------------------------

    @FunctionalInterface
    private interface InDirectory {
        void run(SigioProbe probe, Inotify inotify, Path dir) throws Exception;
    }

    private static Procedure inotify(InDirectory body) {
        return probe -> {
            Path dir = Files.createTempDirectory("fdloop-sigio");
            try (Inotify inotify = Inotify.open()) {
                inotify.addWatch(dir, EnumSet.of(Inotify.Event.CREATE, Inotify.Event.MODIFY));
                probe.watch(inotify, "inotify");
                body.run(probe, inotify, dir);
            } finally {
                deleteTree(dir);
            }
        };
    }

    public static final Cell INOTIFY_READABLE = new Cell("inotify-readable", "inotify fd",
            "becomes readable (an event is queued)", Claim.SIGNALLED,
            "A SIGIO is generated when the inotify fd becomes readable",
            "a file is created in the watched directory",
            inotify((probe, inotify, dir) -> {
                Files.createFile(dir.resolve("a"));
                probe.awaitReadable(inotify);
                probe.observed();
            }));

    public static final Cell INOTIFY_ANOTHER_EVENT = new Cell("inotify-another-event", "inotify fd",
            "another event, the first unread", Claim.NOT_SAID,
            "(nothing: it speaks of the fd becoming readable, which it is already)",
            "a file is created; once that is signalled, another",
            inotify((probe, inotify, dir) -> {
                Files.createFile(dir.resolve("a"));
                probe.awaitReadable(inotify);
                probe.forget();
                Files.createFile(dir.resolve("b"));
                probe.observed();
            }));

    public static final Cell INOTIFY_MERGED_EVENT = new Cell("inotify-merged-event", "inotify fd",
            "an event identical to the unread last one", Claim.NOT_SAID,
            "(nothing about events the kernel merges)",
            "a file is written twice (two IN_MODIFY for the same name); nothing is read",
            inotify((probe, inotify, dir) -> {
                Path file = Files.createFile(dir.resolve("a"));
                probe.awaitReadable(inotify);
                Files.writeString(file, "1");
                probe.forget();
                Files.writeString(file, "2");
                probe.observed();
                probe.note(inotify.read().size() + " events queued in all (CREATE, then the MODIFYs)");
            }));

    /** Every cell, in the order of the doc. */
    public static List<Cell> all() {
        return List.of(TERMINAL_INPUT_LINE, TERMINAL_SECOND_LINE, TERMINAL_PARTIAL_LINE, TERMINAL_EOF, TERMINAL_DISCONNECT,
                PTY_INPUT, PTY_OUTPUT_POSSIBLE, PTY_OUTPUT_POSSIBLE_FILLED_BEFORE, PTY_EOF,
                PIPE_READ_DATA_WRITTEN, PIPE_READ_DATA_WRITTEN_UNREAD, PIPE_READ_WRITER_CLOSED,
                PIPE_WRITE_SPACE, PIPE_WRITE_SPACE_BELOW_PIPE_BUF, PIPE_WRITE_READ_NOT_FULL, PIPE_WRITE_READER_CLOSED,
                FIFO_READ_DATA_WRITTEN, FIFO_READ_DATA_WRITTEN_UNREAD, FIFO_READ_WRITER_CLOSED,
                FIFO_WRITE_SPACE, FIFO_WRITE_SPACE_BELOW_PIPE_BUF, FIFO_WRITE_READ_NOT_FULL, FIFO_WRITE_READER_CLOSED,
                UDP_DATAGRAM, UDP_DATAGRAM_UNREAD, UDP_ASYNC_ERROR, UNIX_DGRAM_DATAGRAM,
                TCP_NEW_CONNECTION, TCP_CONNECT_COMPLETED, TCP_NEW_DATA, TCP_NEW_DATA_UNREAD, TCP_PEER_SHUTDOWN,
                TCP_PEER_CLOSE, TCP_SEND_SPACE, TCP_ASYNC_ERROR,
                UNIX_NEW_CONNECTION, UNIX_CONNECT_COMPLETED, UNIX_NEW_DATA, UNIX_NEW_DATA_UNREAD, UNIX_PEER_SHUTDOWN,
                UNIX_PEER_CLOSE, UNIX_SEND_SPACE, UNIX_ASYNC_ERROR,
                INOTIFY_READABLE, INOTIFY_ANOTHER_EVENT, INOTIFY_MERGED_EVENT);
    }

    // ---- small things -----------------------------------------------------------------------------

    private static Pty canonicalPty() throws IOException {
        Pty pty = Pty.open();
        try {
            pty.setMode(Pty.Mode.CANONICAL);
            pty.setEcho(false); // no echo: nothing goes back to the master, only the input is observed
            return pty;
        } catch (IOException | RuntimeException e) {
            pty.close();
            throw e;
        }
    }

    private static Pty rawPty() throws IOException {
        Pty pty = Pty.open();
        try {
            pty.setMode(Pty.Mode.RAW);
            return pty;
        } catch (IOException | RuntimeException e) {
            pty.close();
            throw e;
        }
    }

    private static void write(StreamFd fd, String text) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
        if (fd.write(bytes) != bytes.limit()) {
            throw new IOException(fd + " took only part of \"" + text + "\"");
        }
    }

    /** Writes PIPE_BUF-sized blocks until {@code fd} takes no more; the bytes taken. */
    private static int fill(StreamFd fd) throws IOException {
        int total = 0;
        ByteBuffer block = ByteBuffer.allocate(PIPE_BUF);
        for (int n; (n = fd.write(block.clear())) > 0; ) {
            total += n;
        }
        return total;
    }

    /** Reads until {@code fd} has nothing more now; the bytes read. */
    private static int drain(StreamFd fd) throws IOException {
        int total = 0;
        ByteBuffer buffer = ByteBuffer.allocate(65536);
        while (fd.awaitReadable(SigioProbe.QUIET)) {
            int n = fd.read(buffer.clear());
            if (n <= 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(paths::add);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        for (Path p : paths) {
            Files.deleteIfExists(p);
        }
    }
}
