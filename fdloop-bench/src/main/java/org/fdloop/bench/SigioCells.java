package org.fdloop.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.fdloop.fd.DeviceFile;
import org.fdloop.fd.Fifo;
import org.fdloop.fd.Inotify;
import org.fdloop.fd.Pipe;
import org.fdloop.fd.Pty;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalSet;
import org.fdloop.fd.StreamFd;

/**
 * The cells of seed 003's tables, "when SIGIO fires, fd type by fd type", each a named procedure
 * that makes the event happen on this kernel and records the signals it sends. The JUnit tests
 * (SigioCellsTest) assert what each cell observes; {@link SigioTable} runs every cell and writes
 * docs/SIGIO.md, the seed's claim beside the observation.
 *
 * <p>A real terminal is not at hand in a test, so a pty slave in canonical mode stands in for it;
 * the pseudoterminal rows use a pty slave in raw mode.
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
        Pipe pipe = Pipe.open();
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
