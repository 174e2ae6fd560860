package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fdloop.fd.StreamSocketTest.LOOPBACK4;
import static org.fdloop.fd.StreamSocketTest.acceptOne;
import static org.fdloop.fd.StreamSocketTest.anyPort;
import static org.fdloop.fd.StreamSocketTest.awaitConnected;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.fdloop.testing.BlockedSignals;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Reads;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Each failure a socket call can meet on loopback: a clear exception, and the process goes on. */
@ExtendWith(NoFdLeaks.class)
class SocketErrorsTest {

    /** Asserts that {@code call} throws a LinuxException with {@code errno} whose message holds {@code parts}. */
    static void assertErrno(ThrowingCallable call, String errno, String... parts) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errnoName()).isEqualTo(errno))
                .message().contains(parts);
    }

    // ---- EADDRINUSE ------------------------------------------------------------------------

    @Test
    void aSecondListenerOnATcpPortFailsWithEaddrinuseNamingThePortAndTheWayOut() throws Exception {
        try (ListeningSocket first = ListeningSocket.listenOn(anyPort(LOOPBACK4))) {
            int port = ((InetSocketAddress) first.localAddress()).getPort();
            assertErrno(() -> ListeningSocket.listenOn(first.localAddress()).close(), "EADDRINUSE",
                    "bind(tcp listening socket", "127.0.0.1:" + port, "ss -tanp 'sport = :" + port + "'", "SO_REUSEADDR");
        }
    }

    @Test
    void aSecondListenOnAPortBothSocketsBoundWithReuseAddrFailsWithEaddrinuseNamingThePort() throws Exception {
        try (ListeningSocket first = ListeningSocket.open(StandardProtocolFamily.INET);
             ListeningSocket second = ListeningSocket.open(StandardProtocolFamily.INET)) {
            first.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            second.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            first.bind(anyPort(LOOPBACK4));
            int port = ((InetSocketAddress) first.localAddress()).getPort();
            second.bind(first.localAddress()); // allowed while neither listens
            first.listen(16);
            assertErrno(() -> second.listen(16), "EADDRINUSE", "listen(tcp listening socket",
                    "listens on port " + port + " already", "ss -tlnp 'sport = :" + port + "'", "only one of them listen");
        }
    }

    @Test
    void aSecondUdpSocketOnAPortFailsWithEaddrinuseUnlessBothSetReusePort() throws Exception {
        try (DatagramFd first = DatagramFd.bindTo(anyPort(LOOPBACK4))) {
            SocketAddress taken = first.localAddress();
            assertErrno(() -> DatagramFd.bindTo(taken).close(), "EADDRINUSE", "bind(udp socket", "ss -uanp");
        }
        try (DatagramFd a = DatagramFd.open(StandardProtocolFamily.INET);
             DatagramFd b = DatagramFd.open(StandardProtocolFamily.INET)) {
            a.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            b.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            a.bind(anyPort(LOOPBACK4));
            b.bind(a.localAddress());
            assertThat(b.localAddress()).as("SO_REUSEPORT: both hold the port").isEqualTo(a.localAddress());
        }
    }

    @Test
    void bindingAUnixPathThatExistsFailsWithEaddrinuseSayingToDeleteIt(@TempDir Path dir) throws Exception {
        UnixDomainSocketAddress path = UnixDomainSocketAddress.of(dir.resolve("s.sock"));
        try (ListeningSocket server = ListeningSocket.listenOn(path)) {
            assertThat(Files.exists(path.getPath())).as("bind made the socket file").isTrue();
        }
        assertThat(Files.exists(path.getPath())).as("close leaves the file behind").isTrue();
        assertErrno(() -> ListeningSocket.listenOn(path).close(), "EADDRINUSE", path.getPath().toString(), "delete it before bind()");
    }

    // ---- EADDRNOTAVAIL ---------------------------------------------------------------------

    @Test
    void bindingAnAddressThisHostDoesNotHaveFailsWithEaddrnotavail() throws Exception {
        // 192.0.2.1 is TEST-NET-1 (RFC 5737): no host has it; bind fails before any packet
        InetSocketAddress foreign = new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 1}), 0);
        assertErrno(() -> DatagramFd.bindTo(foreign).close(), "EADDRNOTAVAIL",
                "bind(udp socket", "192.0.2.1:0", "no interface of this host has the address", "ip addr");
    }

    // ---- Unix paths nobody serves ----------------------------------------------------------

    @Test
    void connectingToAUnixPathWithNoSocketFailsWithEnoent(@TempDir Path dir) {
        UnixDomainSocketAddress missing = UnixDomainSocketAddress.of(dir.resolve("nobody.sock"));
        assertErrno(() -> StreamSocket.connectTo(missing).close(), "ENOENT",
                "connect(unix stream socket", missing.getPath().toString(), "no socket file", "is the server running");
    }

    @Test
    void connectingToAUnixSocketFileNobodyListensOnFailsWithEconnrefused(@TempDir Path dir) throws Exception {
        UnixDomainSocketAddress stale = UnixDomainSocketAddress.of(dir.resolve("stale.sock"));
        ListeningSocket.listenOn(stale).close();
        assertErrno(() -> StreamSocket.connectTo(stale).close(), "ECONNREFUSED",
                "connect(unix stream socket", "no socket listens on it");
        try (DatagramFd client = DatagramFd.open(StandardProtocolFamily.UNIX)) {
            assertErrno(() -> client.send(Reads.bytes("x"), stale), "ECONNREFUSED", "sendto(unix datagram socket");
        }
    }

    @Test
    void aFullUnixBacklogFailsTheConnectWithEagainInsteadOfWaiting(@TempDir Path dir) throws Exception {
        UnixDomainSocketAddress path = UnixDomainSocketAddress.of(dir.resolve("busy.sock"));
        List<StreamSocket> clients = new ArrayList<>();
        try (ListeningSocket server = ListeningSocket.listenOn(path, 1)) {
            LinuxException refused = null;
            for (int i = 0; i < 10 && refused == null; i++) {
                try {
                    clients.add(StreamSocket.connectTo(path));
                } catch (LinuxException e) {
                    refused = e;
                }
            }
            assertThat(refused).as("a connect beyond the backlog fails").isNotNull();
            assertThat(refused.errnoName()).isEqualTo("EAGAIN");
            assertThat(refused.getMessage()).contains("backlog is full");
            assertThat(clients).as("the backlog of 1 holds this many connections").hasSizeBetween(1, 3);
            try (StreamSocket taken = server.accept()) {
                assertThat(taken).isNotNull();
            }
            clients.add(StreamSocket.connectTo(path)); // room again after an accept
        } finally {
            clients.forEach(StreamSocket::close);
        }
    }

    // ---- ENOTCONN, EPIPE, ECONNRESET -------------------------------------------------------

    @Test
    void callsThatNeedAConnectionFailWithEnotconnOnAnUnconnectedSocket() throws Exception {
        try (StreamSocket socket = StreamSocket.open(StandardProtocolFamily.INET)) {
            assertErrno(socket::peerAddress, "ENOTCONN", "getpeername(tcp socket", "not connected", "finishConnect()");
            assertErrno(() -> socket.read(ByteBuffer.allocate(4)), "ENOTCONN", "recv(tcp socket");
            assertErrno(socket::shutdownOutput, "ENOTCONN", "shutdown(tcp socket", "SHUT_WR");
            assertThatThrownBy(socket::finishConnect).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no connect was started");
        }
    }

    @Test
    void writingAfterShutdownOutputFailsWithEpipeAndNoSignal() throws Exception {
        try (ListeningSocket server = ListeningSocket.listenOn(anyPort(LOOPBACK4));
             StreamSocket client = StreamSocket.connectTo(server.localAddress())) {
            awaitConnected(client);
            try (StreamSocket connection = acceptOne(server)) {
                client.shutdownOutput();
                // Without MSG_NOSIGNAL the kernel also sends SIGPIPE to the writing thread. HotSpot
                // ignores it, so block it here and look: none may be pending.
                try (BlockedSignals blocked = BlockedSignals.block(SignalSet.of(Signal.PIPE));
                     SignalFd pipeSignals = SignalFd.open(SignalSet.of(Signal.PIPE))) {
                    assertErrno(() -> client.write(Reads.bytes("too late")), "EPIPE",
                            "send(tcp socket", "8 bytes", "shut down", "MSG_NOSIGNAL");
                    assertThat(pipeSignals.read()).as("no SIGPIPE was sent").isNull();
                }
                assertThat(connection.isOpen()).isTrue();
            }
        }
    }

    @Test
    void writingToAConnectionThePeerClosedFailsWithEpipeOrEconnreset() throws Exception {
        try (ListeningSocket server = ListeningSocket.listenOn(anyPort(LOOPBACK4));
             StreamSocket client = StreamSocket.connectTo(server.localAddress())) {
            awaitConnected(client);
            acceptOne(server).close();
            assertThat(Reads.text(client, 1)).as("the peer's FIN: end of stream").isEmpty();
            LinuxException failure = null;
            // the first write is taken; the peer answers it with a reset; a later one fails
            for (int i = 0; i < 100 && failure == null; i++) {
                try {
                    client.write(Reads.bytes("anyone?"));
                    Ready.poll(client, org.fdloop.internal.linux.Constants.POLLERR, java.time.Duration.ofMillis(100));
                } catch (LinuxException e) {
                    failure = e;
                }
            }
            assertThat(failure).isNotNull();
            assertThat(failure.errnoName()).isIn("EPIPE", "ECONNRESET");
        }
    }

    // ---- the socket's state ----------------------------------------------------------------

    @Test
    void misuseOfStateIsRefusedClearly() throws Exception {
        try (DatagramFd socket = DatagramFd.bindTo(anyPort(LOOPBACK4))) {
            assertErrno(() -> socket.bind(anyPort(LOOPBACK4)), "EINVAL", "bind(udp socket", "bound already");
        }
        try (ListeningSocket notListening = ListeningSocket.open(StandardProtocolFamily.INET)) {
            assertErrno(notListening::accept, "EINVAL", "accept4(tcp listening socket", "listen(backlog) first");
            assertThatThrownBy(() -> notListening.listen(-1)).isInstanceOf(IllegalArgumentException.class);
        }
        try (ListeningSocket server = ListeningSocket.listenOn(anyPort(LOOPBACK4));
             StreamSocket client = StreamSocket.connectTo(server.localAddress())) {
            awaitConnected(client);
            assertThatThrownBy(() -> client.connect(server.localAddress())).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("connected already");
            acceptOne(server).close();
        }
    }

    @Test
    void aClosedSocketRefusesEveryCall() throws Exception {
        StreamSocket socket = StreamSocket.open(StandardProtocolFamily.INET);
        socket.close();
        assertThatThrownBy(socket::localAddress).isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
        assertThatThrownBy(() -> socket.setOption(StandardSocketOptions.TCP_NODELAY, true)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> socket.write(Reads.bytes("x"))).isInstanceOf(IllegalStateException.class);
    }

    // ---- addresses refused at the door -----------------------------------------------------

    @Test
    void anAddressOfTheWrongFamilyIsRefusedBeforeAnySystemCall(@TempDir Path dir) throws Exception {
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 80);
        InetSocketAddress v4 = new InetSocketAddress(LOOPBACK4, 80);
        UnixDomainSocketAddress path = UnixDomainSocketAddress.of(dir.resolve("x.sock"));
        try (StreamSocket inet = StreamSocket.open(StandardProtocolFamily.INET);
             DatagramFd unix = DatagramFd.open(StandardProtocolFamily.UNIX);
             ListeningSocket inet6 = ListeningSocket.open(StandardProtocolFamily.INET6)) {
            assertThatThrownBy(() -> inet.connect(v6)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("tcp socket").hasMessageContaining("is of family INET and cannot connect to [::1]:80 (INET6)")
                    .hasMessageContaining("StandardProtocolFamily.INET6");
            assertThatThrownBy(() -> inet.bind(path)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cannot bind to " + path.getPath()).hasMessageContaining("StandardProtocolFamily.UNIX");
            assertThatThrownBy(() -> unix.send(Reads.bytes("x"), v4)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("unix datagram socket").hasMessageContaining("cannot send to 127.0.0.1:80");
            assertThatThrownBy(() -> inet6.bind(path)).isInstanceOf(IllegalArgumentException.class);
            assertThat(inet.isConnectionPending()).isFalse();
        }
    }

    @Test
    void unresolvedTooLongAndNullAddressesAreRefused() throws Exception {
        try (StreamSocket socket = StreamSocket.open(StandardProtocolFamily.UNIX)) {
            String longPath = "/tmp/" + "x".repeat(110);
            assertThatThrownBy(() -> socket.connect(UnixDomainSocketAddress.of(longPath)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("at most 107 bytes").hasMessageContaining("has 115");
            assertThatThrownBy(() -> socket.connect(null)).isInstanceOf(NullPointerException.class);
        }
        assertThatThrownBy(() -> StreamSocket.connectTo(InetSocketAddress.createUnresolved("example.org", 80)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("example.org:80 is unresolved").hasMessageContaining("InetAddress.getByName");
        assertThatThrownBy(() -> StreamSocket.open(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> UnixAbstractAddress.of("y".repeat(108))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 107 bytes");
    }
}
