package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fdloop.testing.Loops.runUntil;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.fdloop.fd.DatagramFd;
import org.fdloop.fd.LinuxException;
import org.fdloop.fd.ListeningSocket;
import org.fdloop.fd.StreamSocket;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Sockets in the event loop: an echo server and its clients in one loop, connect completion, datagrams. */
@ExtendWith(NoFdLeaks.class)
class LoopSocketTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    /**
     * The server side of one connection: reads what comes, writes it back. When the peer's
     * send buffer is full, it stops reading and waits for WRITABLE (back-pressure); at end of
     * stream it flushes what it holds, then closes.
     */
    private static final class Echo implements IoHandler {
        private final StreamSocket connection;
        private final ByteBuffer pending = ByteBuffer.allocate(16 * 1024);
        private boolean ended;

        Echo(StreamSocket connection) {
            this.connection = connection;
        }

        @Override
        public void ready(IoSource source, int events) throws IOException {
            if (!ended && pending.position() == 0) {
                if (connection.read(pending) < 0) {
                    ended = true;
                }
            }
            pending.flip();
            connection.write(pending);
            pending.compact();
            if (pending.position() > 0) {
                source.setEvents(IoSource.WRITABLE);
            } else if (ended) {
                source.close();
                connection.close();
            } else {
                source.setEvents(IoSource.READABLE);
            }
        }
    }

    /**
     * A client that sends {@code messages} messages of random sizes (up to 40 kB, so that writes
     * are often partial), one at a time, and checks that each comes back whole and in order
     * before it sends the next.
     */
    private static final class Client implements IoHandler {
        private final StreamSocket socket;
        private final Random random;
        private final int messages;
        private final Runnable done;
        private int sent;
        private ByteBuffer out;
        private ByteBuffer expected;
        private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        long bytesEchoed;
        long bytesSent;

        Client(StreamSocket socket, long seed, int messages, Runnable done) {
            this.socket = socket;
            this.random = new Random(seed);
            this.messages = messages;
            this.done = done;
        }

        @Override
        public void ready(IoSource source, int events) throws IOException {
            if (socket.isConnectionPending()) {
                if (!socket.finishConnect()) {
                    return;
                }
                next();
            }
            if (out.hasRemaining()) {
                socket.write(out);
            }
            int n;
            while ((n = socket.read(in.clear())) > 0) {
                in.flip();
                for (int i = 0; i < n; i++) {
                    byte want = expected.get();
                    byte got = in.get();
                    if (want != got) {
                        throw new AssertionError("message " + sent + ": byte " + (expected.position() - 1) + " is " + got
                                + ", sent " + want);
                    }
                }
                bytesEchoed += n;
            }
            if (n < 0) {
                throw new AssertionError("the server closed the connection early, at message " + sent);
            }
            if (!expected.hasRemaining()) {
                if (sent == messages) {
                    source.close();
                    socket.shutdownOutput();
                    done.run();
                    return;
                }
                next();
                socket.write(out);
            }
            source.setEvents(out.hasRemaining() ? IoSource.READABLE | IoSource.WRITABLE : IoSource.READABLE);
        }

        private void next() {
            byte[] message = new byte[1 + random.nextInt(40_000)];
            random.nextBytes(message);
            message[0] = (byte) sent; // so that a message from the wrong place shows
            out = ByteBuffer.wrap(message);
            expected = ByteBuffer.wrap(message.clone());
            sent++;
            bytesSent += message.length;
        }
    }

    /** Sends each piece at once: with Nagle's algorithm a ping-pong of partial segments waits for delayed ACKs. */
    private static void noDelay(StreamSocket socket) throws IOException {
        if (socket.family() != StandardProtocolFamily.UNIX) {
            socket.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        }
    }

    private static void runEcho(SocketAddress where, int clients, int messagesEach) throws Exception {
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        List<Client> running = new ArrayList<>();
        List<StreamSocket> sockets = new ArrayList<>();
        try (EventLoop loop = EventLoop.builder().errorHandler((source, error) -> errors.add(error)).build();
             ListeningSocket server = ListeningSocket.listenOn(where)) {
            loop.onIo(server, IoSource.READABLE, (source, events) -> {
                StreamSocket connection;
                while ((connection = server.accept()) != null) {
                    accepted.incrementAndGet();
                    sockets.add(connection);
                    noDelay(connection);
                    loop.onIo(connection, IoSource.READABLE, new Echo(connection));
                }
            });
            for (int c = 0; c < clients; c++) {
                StreamSocket socket = StreamSocket.connectTo(server.localAddress());
                sockets.add(socket);
                noDelay(socket);
                Client client = new Client(socket, 42 + c, messagesEach, () -> {
                    if (finished.incrementAndGet() == clients) {
                        loop.stop();
                    }
                });
                running.add(client);
                if (socket.isConnectionPending()) {
                    loop.onIo(socket, IoSource.WRITABLE, client);  // the connect's completion
                } else {
                    loop.onIo(socket, IoSource.READABLE | IoSource.WRITABLE, client);
                    client.next();
                }
            }
            AtomicBoolean timedOut = new AtomicBoolean();
            loop.schedule(PATIENCE, timer -> {
                timedOut.set(true);
                loop.stop();
            });
            loop.post(() -> {
                if (!errors.isEmpty()) {
                    loop.stop();
                }
            });
            loop.run();
            assertThat(errors).as("handler failures").isEmpty();
            assertThat(timedOut).as("all echoed within %s", PATIENCE).isFalse();
            assertThat(accepted.get()).isEqualTo(clients);
            assertThat(finished.get()).isEqualTo(clients);
            for (Client client : running) {
                assertThat(client.sent).isEqualTo(messagesEach);
                assertThat(client.bytesEchoed).as("every byte came back").isEqualTo(client.bytesSent);
            }
        } finally {
            sockets.forEach(StreamSocket::close);
        }
    }

    @Test
    void echoServerAndClientsInOneLoopExchangeEveryByteInOrderOverTcp() throws Exception {
        runEcho(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 3, 300);
    }

    @Test
    void echoServerAndClientsInOneLoopExchangeEveryByteInOrderOverUnixStreams(@TempDir Path dir) throws Exception {
        runEcho(UnixDomainSocketAddress.of(dir.resolve("echo.sock")), 3, 300);
    }

    @Test
    void aRefusedConnectReachesTheLoopAsWritableWithAnError() throws Exception {
        try (EventLoop loop = EventLoop.open(); StreamSocket holder = StreamSocket.open(StandardProtocolFamily.INET)) {
            holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)); // bound, not listening: refuses
            List<String> seen = new ArrayList<>();
            try (StreamSocket client = StreamSocket.connectTo(holder.localAddress())) {
                loop.onIo(client, IoSource.WRITABLE, (source, events) -> {
                    seen.add(IoSource.describe(events));
                    try {
                        client.finishConnect();
                        seen.add("connected");
                    } catch (LinuxException e) {
                        seen.add(e.errnoName());
                    }
                    source.close();
                    loop.stop();
                });
                loop.schedule(PATIENCE, timer -> loop.stop());
                loop.run();
            }
            assertThat(seen).hasSize(2);
            assertThat(seen.get(0)).contains("ERROR").contains("HANGUP");
            assertThat(seen.get(1)).isEqualTo("ECONNREFUSED");
        }
    }

    @Test
    void aUdpServerInTheLoopAnswersEachDatagram() throws Exception {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (EventLoop loop = EventLoop.open();
             DatagramFd server = DatagramFd.bindTo(loopback);
             DatagramFd client = DatagramFd.bindTo(loopback)) {
            int count = 200;
            List<Integer> answers = new ArrayList<>();
            ByteBuffer serverBuffer = ByteBuffer.allocateDirect(16);
            loop.onIo(server, IoSource.READABLE, (source, events) -> {
                SocketAddress sender;
                while ((sender = server.receive(serverBuffer.clear())) != null) {
                    serverBuffer.flip();
                    int n = serverBuffer.getInt(0);
                    server.send(serverBuffer.clear().putInt(0, n * 2).limit(4), sender);
                }
            });
            ByteBuffer clientBuffer = ByteBuffer.allocate(16);
            SocketAddress to = server.localAddress();
            loop.onIo(client, IoSource.READABLE, (source, events) -> {
                while (client.receive(clientBuffer.clear()) != null) {
                    answers.add(clientBuffer.getInt(0));
                    if (answers.size() == count) {
                        loop.stop();
                    } else {
                        client.send(clientBuffer.clear().putInt(0, answers.size()).limit(4), to);
                    }
                }
            });
            client.send(ByteBuffer.allocate(4).putInt(0, 0), to);
            loop.schedule(PATIENCE, timer -> loop.stop());
            loop.run();
            assertThat(answers).hasSize(count);
            for (int i = 0; i < count; i++) {
                assertThat(answers.get(i)).isEqualTo(2 * i);
            }
        }
    }

    @Test
    void signalDrivenIoReportsEachDatagramAndEachNewConnection() throws Exception {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        List<StreamSocket> sockets = new ArrayList<>();
        try (EventLoop loop = EventLoop.open();
             DatagramFd udp = DatagramFd.bindTo(loopback);
             DatagramFd sender = DatagramFd.open(StandardProtocolFamily.INET);
             ListeningSocket server = ListeningSocket.listenOn(loopback)) {
            List<String> seen = new ArrayList<>();
            ByteBuffer in = ByteBuffer.allocate(16);
            // F_SETSIG, F_SETOWN_EX and O_ASYNC on a socket work as on any fd
            loop.onAsyncIo(udp, (source, band) -> {
                while (udp.receive(in.clear()) != null) {
                    seen.add("datagram " + new String(in.array(), 0, in.position()) + " " + AsyncIoSource.describeBand(band));
                }
            });
            loop.onAsyncIo(server, (source, band) -> {
                StreamSocket connection;
                while ((connection = server.accept()) != null) {
                    sockets.add(connection);
                    seen.add("connection " + AsyncIoSource.describeBand(band));
                }
            });
            sender.send(ByteBuffer.wrap("one".getBytes()), udp.localAddress());
            sockets.add(StreamSocket.connectTo(server.localAddress()));
            runUntil(loop, () -> seen.size() >= 2);
            assertThat(seen).containsExactlyInAnyOrder("datagram one POLLIN|POLLRDNORM", "connection POLLIN|POLLRDNORM");
        } finally {
            sockets.forEach(StreamSocket::close);
        }
    }
}
