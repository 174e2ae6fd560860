package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fdloop.testing.Loops.runUntil;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.fdloop.fd.ListeningSocket;
import org.fdloop.fd.OsPipe;
import org.fdloop.fd.Pty;
import org.fdloop.fd.StreamFd;
import org.fdloop.fd.StreamSocket;
import org.fdloop.testing.Loops;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Queued writes with backpressure ({@link StreamSource}): water marks, order, graceful close,
 * a reset peer; on a pipe and on a TCP connection. Every byte is checked by content: the stream
 * carries a counter pattern, so a byte lost, duplicated or out of order shows at its offset.
 */
@ExtendWith(NoFdLeaks.class)
class StreamSourceTest {
    private static final int TOTAL = 2 * 1024 * 1024;
    private static final int CHUNK = 16 * 1024;

    /** The byte at {@code offset} of the pattern. */
    static byte patternAt(long offset) {
        return (byte) (offset % 251);
    }

    static ByteBuffer pattern(long from, int length) {
        ByteBuffer b = ByteBuffer.allocate(length);
        for (int i = 0; i < length; i++) {
            b.put(i, patternAt(from + i));
        }
        return b;
    }

    /** A writer end and a reader end, open: a pipe, a loopback TCP connection with small buffers, a raw pty (slave to master). */
    enum Kind { PIPE, TCP, PTY }

    private record Pair(StreamFd writer, StreamFd reader, AutoCloseable rest) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            writer.close();
            reader.close();
            if (rest != null) {
                rest.close();
            }
        }
    }

    private static Pair open(Kind kind) throws Exception {
        if (kind == Kind.PIPE) {
            OsPipe pipe = OsPipe.open();
            return new Pair(pipe.writeEnd(), pipe.readEnd(), pipe);
        }
        if (kind == Kind.PTY) {
            Pty pty = Pty.open();
            pty.setMode(Pty.Mode.RAW); // every byte through as it is: no echo, no CR/LF translation
            return new Pair(pty.openSlave(), pty, null);
        }
        try (ListeningSocket server = ListeningSocket.open(java.net.StandardProtocolFamily.INET)) {
            server.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024); // the accepted socket inherits it
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            server.listen(1);
            StreamSocket client = StreamSocket.open(java.net.StandardProtocolFamily.INET);
            client.setOption(StandardSocketOptions.SO_SNDBUF, 16 * 1024);
            client.connect(server.localAddress());
            assertThat(Ready.awaitReadable(server)).isTrue();
            StreamSocket accepted = server.accept();
            assertThat(client.awaitWritable(Ready.PATIENCE)).isTrue();
            assertThat(client.finishConnect()).isTrue();
            return new Pair(client, accepted, null);
        }
    }

    /** Reads the pattern and checks each byte at its offset. */
    private static final class Checker {
        long received;
        boolean ended;

        void check(ByteBuffer data) {
            while (data.hasRemaining()) {
                byte b = data.get();
                if (b != patternAt(received)) {
                    throw new AssertionError("byte " + received + " is " + b + ", not " + patternAt(received));
                }
                received++;
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aReaderThatStopsMakesTheWriterUnwritableAndResumingDrainsInOrder(Kind kind) throws Exception {
        try (EventLoop loop = EventLoop.open(); Pair pair = open(kind)) {
            List<Boolean> writability = new ArrayList<>();
            long[] produced = {0};
            long[] queuedAtHighMark = {-1};
            IOException[] closedWith = {new IOException("not closed")};
            Checker checker = new Checker();
            StreamSource[] writer = new StreamSource[1];
            Runnable produce = () -> {
                StreamSource w = writer[0];
                while (produced[0] < TOTAL && w.isWritable()) {
                    int length = (int) Math.min(CHUNK, TOTAL - produced[0]);
                    w.write(pattern(produced[0], length).position(0));
                    produced[0] += length;
                }
                if (produced[0] == TOTAL && w.isOpen()) {
                    w.close(); // graceful: what is queued goes first
                }
            };
            writer[0] = loop.onWriteStream(pair.writer(), new StreamHandler() {
                @Override
                public void received(StreamSource stream, ByteBuffer data) {
                    throw new AssertionError("a write stream reads nothing");
                }

                @Override
                public void writabilityChanged(StreamSource stream, boolean writable) throws Exception {
                    writability.add(writable);
                    if (!writable && queuedAtHighMark[0] < 0) { // the reader has not read yet: it starts now
                        queuedAtHighMark[0] = stream.queuedBytes();
                        loop.onStream(pair.reader(), new StreamHandler() {
                            @Override
                            public void received(StreamSource s, ByteBuffer data) {
                                checker.check(data);
                            }

                            @Override
                            public void ended(StreamSource s) {
                                checker.ended = true;
                                s.abort(); // closes the reader's fd too: nothing is queued on it
                            }
                        });
                    } else if (writable) {
                        produce.run();
                    }
                }

                @Override
                public void closed(StreamSource stream, IOException cause) {
                    closedWith[0] = cause;
                }
            });
            produce.run();
            assertThat(writability).as("the first burst filled the kernel's buffer and the queue").containsExactly(false);
            assertThat(queuedAtHighMark[0]).isGreaterThan(StreamSource.DEFAULT_HIGH_WATER_MARK);

            runUntil(loop, () -> checker.ended);

            assertThat(checker.received).as("every byte, once, in order").isEqualTo(TOTAL);
            assertThat(closedWith[0]).as("an orderly close").isNull();
            assertThat(pair.writer().isOpen()).as("the stream closed its fd after the flush").isFalse();
            assertThat(writability).as("alternating, starting unwritable").isNotEmpty();
            for (int i = 0; i < writability.size(); i++) {
                assertThat(writability.get(i)).as("change " + i).isEqualTo(i % 2 == 1);
            }
        }
    }

    @Test
    void closeFlushesEverythingQueuedBeforeTheFdCloses() throws Exception {
        try (EventLoop loop = EventLoop.open(); Pair pair = open(Kind.PIPE)) {
            List<IOException> results = new ArrayList<>();
            IOException[] closedWith = {new IOException("not closed")};
            StreamSource writer = loop.onWriteStream(pair.writer(), new StreamHandler() {
                @Override
                public void received(StreamSource stream, ByteBuffer data) {}

                @Override
                public void closed(StreamSource stream, IOException cause) {
                    closedWith[0] = cause;
                }
            });
            int writes = 40; // 640 KiB: ten times what the pipe holds
            for (int i = 0; i < writes; i++) {
                writer.write(pattern((long) i * CHUNK, CHUNK), (s, error) -> results.add(error));
            }
            assertThat(writer.queuedBytes()).isPositive();
            writer.close();
            assertThat(writer.isOpen()).isFalse();
            assertThat(pair.writer().isOpen()).as("open while it flushes").isTrue();
            boolean[] refused = {false};
            writer.write(ByteBuffer.wrap(new byte[1]), (s, error) -> refused[0] = error != null
                    && error.getMessage().contains("is closing"));
            assertThat(refused[0]).as("a write after close() is refused, saying why").isTrue();

            Checker checker = new Checker();
            loop.onStream(pair.reader(), new StreamHandler() {
                @Override
                public void received(StreamSource s, ByteBuffer data) {
                    checker.check(data);
                }

                @Override
                public void ended(StreamSource s) {
                    checker.ended = true;
                    s.close();
                }
            });
            runUntil(loop, () -> checker.ended);

            assertThat(checker.received).isEqualTo((long) writes * CHUNK);
            assertThat(results).hasSize(writes).containsOnlyNulls();
            assertThat(closedWith[0]).isNull();
            assertThat(pair.writer().isOpen()).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"PIPE", "TCP"})
    void aPeerThatGoesAwayFailsEveryQueuedWriteWithTheKernelsError(Kind kind) throws Exception {
        try (EventLoop loop = EventLoop.open(); Pair pair = open(kind)) {
            List<IOException> results = new ArrayList<>();
            IOException[] closedWith = {null};
            StreamSource writer = loop.onWriteStream(pair.writer(), new StreamHandler() {
                @Override
                public void received(StreamSource stream, ByteBuffer data) {}

                @Override
                public void closed(StreamSource stream, IOException cause) {
                    closedWith[0] = cause;
                }
            });
            long offset = 0;
            while (writer.queuedBytes() < 4 * CHUNK) {
                writer.write(pattern(offset, CHUNK), (s, error) -> results.add(error));
                offset += CHUNK;
            }
            int queuedWrites = (int) (writer.queuedBytes() + CHUNK - 1) / CHUNK;
            // the reader goes away with unread data: a TCP peer answers with a reset, a pipe has no reader left
            pair.reader().close();
            runUntil(loop, () -> closedWith[0] != null);

            String expected = kind == Kind.PIPE ? "EPIPE" : "ECONNRESET";
            assertThat(closedWith[0].getMessage()).contains(expected).contains("were not written");
            assertThat(results.stream().filter(e -> e != null).count()).as("every queued write failed").isGreaterThanOrEqualTo(queuedWrites);
            assertThat(results.stream().filter(e -> e != null)).allSatisfy(e -> assertThat(e).isSameAs(closedWith[0]));
            assertThat(writer.queuedBytes()).isZero();
            assertThat(pair.writer().isOpen()).isFalse();
        }
    }

    @Test
    void anEmptyQueueWaitsForNothingAndAFullOneForWritable() throws Exception {
        try (EventLoop loop = EventLoop.open(); Pair pair = open(Kind.PIPE)) {
            StreamSource writer = loop.onWriteStream(pair.writer(), (stream, data) -> {});
            writer.write(ByteBuffer.wrap("hello".getBytes()));
            assertThat(Loops.runIdle(loop)).as("a writable fd with nothing queued is not dispatched").isZero();

            while (writer.queuedBytes() == 0) {
                writer.write(pattern(0, CHUNK));
            }
            assertThat(Loops.runIdle(loop)).as("a full pipe: the loop waits for it").isZero();
            ByteBuffer sink = ByteBuffer.allocate(1 << 20);
            while (pair.reader().read(sink.clear()) > 0) {
                // the reader empties the pipe
            }
            runUntil(loop, () -> writer.queuedBytes() == 0);
            while (pair.reader().read(sink.clear()) > 0) {
                // and again
            }
            assertThat(Loops.runIdle(loop)).as("drained: no WRITABLE interest left").isZero();
            writer.close();
        }
    }

    @Test
    void aHandlerThatThrowsClosesTheStreamAndTheLoopIsTold() throws Exception {
        List<Throwable> reported = new ArrayList<>();
        try (EventLoop loop = EventLoop.builder().errorHandler((source, error) -> reported.add(error)).build();
             Pair pair = open(Kind.PIPE)) {
            IOException[] closedWith = {null};
            loop.onStream(pair.reader(), new StreamHandler() {
                @Override
                public void received(StreamSource stream, ByteBuffer data) {
                    throw new IllegalStateException("bad input");
                }

                @Override
                public void closed(StreamSource stream, IOException cause) {
                    closedWith[0] = cause;
                }
            });
            pair.writer().write(ByteBuffer.wrap("x".getBytes()));
            runUntil(loop, () -> closedWith[0] != null);
            assertThat(closedWith[0]).hasMessageContaining("its handler threw").hasRootCauseMessage("bad input");
            assertThat(reported).singleElement().satisfies(e -> assertThat(e).hasMessage("bad input"));
            assertThat(pair.reader().isOpen()).isFalse();
        }
    }

    @Test
    void theLoopsCloseFailsWhatIsStillQueued() throws Exception {
        List<IOException> results = new ArrayList<>();
        try (Pair pair = open(Kind.PIPE)) {
            try (EventLoop loop = EventLoop.open()) {
                StreamSource writer = loop.onWriteStream(pair.writer(), (stream, data) -> {});
                while (writer.queuedBytes() == 0) {
                    writer.write(pattern(0, CHUNK), (s, error) -> results.add(error));
                }
            }
            assertThat(results.getLast()).hasMessageContaining("closed by the loop's close()").hasMessageContaining("not written");
            assertThat(pair.writer().isOpen()).isFalse();
        }
    }
}
