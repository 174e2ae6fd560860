package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.fdloop.internal.linux.Constants;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Reads;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NoFdLeaks.class)
class StreamSocketTest {
    static final InetAddress LOOPBACK4 = InetAddress.getLoopbackAddress();

    static InetSocketAddress anyPort(InetAddress address) {
        return new InetSocketAddress(address, 0);
    }

    /** Waits for the next connection on {@code server}. */
    static StreamSocket acceptOne(ListeningSocket server) throws Exception {
        assertThat(Ready.awaitReadable(server)).as("a connection is queued on %s", server).isTrue();
        StreamSocket connection = server.accept();
        assertThat(connection).as("accept after readable").isNotNull();
        return connection;
    }

    /** Waits until a connect in progress is over and asserts that it connected. */
    static void awaitConnected(StreamSocket client) throws Exception {
        assertThat(Ready.poll(client, Constants.POLLOUT, Ready.PATIENCE) & Constants.POLLOUT).as("writable when connected").isNotZero();
        assertThat(client.finishConnect()).isTrue();
        assertThat(client.isConnectionPending()).isFalse();
    }

    @Test
    void tcpConnectionCarriesBytesBothWaysOverIpv4Loopback() throws Exception {
        try (ListeningSocket server = ListeningSocket.listenOn(anyPort(LOOPBACK4));
             StreamSocket client = StreamSocket.connectTo(server.localAddress())) {
            InetSocketAddress serverAddress = (InetSocketAddress) server.localAddress();
            assertThat(serverAddress.getAddress()).isEqualTo(LOOPBACK4);
            assertThat(serverAddress.getPort()).isPositive();
            awaitConnected(client);
            try (StreamSocket connection = acceptOne(server)) {
                assertThat(connection.peerAddress()).isEqualTo(client.localAddress());
                assertThat(client.peerAddress()).isEqualTo(serverAddress);
                assertThat(connection.localAddress()).isEqualTo(serverAddress);
                assertThat(connection.kind()).isEqualTo("tcp socket");
                assertThat(connection.family()).isEqualTo(StandardProtocolFamily.INET);

                assertThat(client.write(Reads.bytes("ping"))).isEqualTo(4);
                assertThat(Reads.text(connection, 4)).isEqualTo("ping");
                assertThat(connection.write(Reads.bytes("pong!"))).isEqualTo(5);
                assertThat(Reads.text(client, 5)).isEqualTo("pong!");
                assertThat(client.read(ByteBuffer.allocate(8))).as("nothing more: 0, not -1").isZero();
            }
        }
    }

    @Test
    void directBuffersCarryBytesLikeHeapBuffers() throws Exception {
        try (ListeningSocket server = ListeningSocket.listenOn(anyPort(LOOPBACK4));
             StreamSocket client = StreamSocket.connectTo(server.localAddress())) {
            awaitConnected(client);
            try (StreamSocket connection = acceptOne(server)) {
                ByteBuffer out = ByteBuffer.allocateDirect(3).put(new byte[] {7, 8, 9}).flip();
                assertThat(client.write(out)).isEqualTo(3);
                assertThat(Ready.awaitReadable(connection)).isTrue();
                ByteBuffer in = ByteBuffer.allocateDirect(16);
                assertThat(connection.read(in)).isEqualTo(3);
                assertThat(in.flip().get(2)).isEqualTo((byte) 9);
            }
        }
    }

    @Test
    void acceptReturnsNullWhenNoConnectionIsPending() throws Exception {
        try (ListeningSocket server = ListeningSocket.listenOn(anyPort(LOOPBACK4))) {
            assertThat(Ready.readableNow(server)).isFalse();
            assertThat(server.accept()).isNull();
        }
    }

    @Test
    void eachQueuedConnectionIsAcceptedOnce() throws Exception {
        try (ListeningSocket server = ListeningSocket.listenOn(anyPort(LOOPBACK4));
             StreamSocket a = StreamSocket.connectTo(server.localAddress());
             StreamSocket b = StreamSocket.connectTo(server.localAddress())) {
            awaitConnected(a);
            awaitConnected(b);
            try (StreamSocket first = acceptOne(server); StreamSocket second = acceptOne(server)) {
                assertThat(server.accept()).isNull();
                assertThat(java.util.List.of(first.peerAddress(), second.peerAddress()))
                        .containsExactlyInAnyOrder(a.localAddress(), b.localAddress());
            }
        }
    }

    @Test
    void shutdownOutputGivesThePeerEndOfStreamAfterTheData() throws Exception {
        try (ListeningSocket server = ListeningSocket.listenOn(anyPort(LOOPBACK4));
             StreamSocket client = StreamSocket.connectTo(server.localAddress())) {
            awaitConnected(client);
            try (StreamSocket connection = acceptOne(server)) {
                client.write(Reads.bytes("last words"));
                client.shutdownOutput();
                assertThat(Reads.text(connection, 100)).isEqualTo("last words");
                assertThat(connection.read(ByteBuffer.allocate(8))).as("end of stream").isEqualTo(-1);
                // the other direction still works: a half-closed connection
                connection.write(Reads.bytes("reply"));
                assertThat(Reads.text(client, 5)).isEqualTo("reply");
            }
        }
    }

    @Test
    void unixStreamConnectCompletesAtOnce(@TempDir Path dir) throws Exception {
        UnixDomainSocketAddress path = UnixDomainSocketAddress.of(dir.resolve("s.sock"));
        try (ListeningSocket server = ListeningSocket.listenOn(path);
             StreamSocket client = StreamSocket.open(StandardProtocolFamily.UNIX)) {
            assertThat(server.localAddress()).isEqualTo(path);
            assertThat(server.kind()).isEqualTo("unix listening socket");
            assertThat(client.connect(path)).as("a Unix connect is never in progress").isTrue();
            assertThat(client.isConnectionPending()).isFalse();
            assertThat(client.finishConnect()).isTrue();
            try (StreamSocket connection = acceptOne(server)) {
                assertThat(connection.kind()).isEqualTo("unix stream socket");
                assertThat(client.peerAddress()).isEqualTo(path);
                assertThat(connection.peerAddress()).as("the client never bound: unnamed").isEqualTo(UnixDomainSocketAddress.of(""));
                client.write(Reads.bytes("over unix"));
                assertThat(Reads.text(connection, 9)).isEqualTo("over unix");
                connection.close();
                assertThat(Reads.text(client, 1)).as("the peer closed: end of stream").isEmpty();
                assertThat(client.read(ByteBuffer.allocate(1))).isEqualTo(-1);
            }
        }
    }

    @Test
    void socketsAreNonBlockingAndCloseOnExecAcceptedOnesToo() throws Exception {
        try (ListeningSocket server = ListeningSocket.listenOn(anyPort(LOOPBACK4));
             StreamSocket client = StreamSocket.connectTo(server.localAddress())) {
            awaitConnected(client);
            try (StreamSocket connection = acceptOne(server)) {
                for (Fd fd : new Fd[] {server, client, connection}) {
                    assertThat(fd.isNonBlocking()).as("%s O_NONBLOCK", fd).isTrue();
                    assertThat(fd.isCloseOnExec()).as("%s FD_CLOEXEC", fd).isTrue();
                }
            }
        }
    }

    @Test
    void lingerAndTypeOfServiceAreSetAndReadBack() throws Exception {
        try (StreamSocket v4 = StreamSocket.open(StandardProtocolFamily.INET);
             StreamSocket v6 = StreamSocket.open(StandardProtocolFamily.INET6);
             StreamSocket unix = StreamSocket.open(StandardProtocolFamily.UNIX)) {
            assertThat(v4.option(StandardSocketOptions.SO_LINGER)).as("off").isEqualTo(-1);
            v4.setOption(StandardSocketOptions.SO_LINGER, 5);
            assertThat(v4.option(StandardSocketOptions.SO_LINGER)).isEqualTo(5);
            v4.setOption(StandardSocketOptions.SO_LINGER, -1);
            assertThat(v4.option(StandardSocketOptions.SO_LINGER)).isEqualTo(-1);
            assertThatThrownBy(() -> v4.setOption(StandardSocketOptions.SO_LINGER, 70_000))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("from 0 to 65535, or negative for off");
            unix.setOption(StandardSocketOptions.SO_LINGER, 0);
            assertThat(unix.option(StandardSocketOptions.SO_LINGER)).as("on, with no wait").isZero();

            v4.setOption(StandardSocketOptions.IP_TOS, 0x10);
            assertThat(v4.option(StandardSocketOptions.IP_TOS)).isEqualTo(0x10);
            v6.setOption(StandardSocketOptions.IP_TOS, 0x20);
            assertThat(v6.option(StandardSocketOptions.IP_TOS)).as("IPV6_TCLASS").isEqualTo(0x20);
            assertThatThrownBy(() -> v4.setOption(StandardSocketOptions.IP_TOS, 256))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("IP_TOS is from 0 to 255, not 256");
            assertThatThrownBy(() -> unix.setOption(StandardSocketOptions.IP_TOS, 0))
                    .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("a Unix socket");
            assertThatThrownBy(() -> v4.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 2))
                    .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("is for UDP sockets");
        }
    }

    @Test
    void optionsAreSetAndReadBack() throws Exception {
        try (StreamSocket socket = StreamSocket.open(StandardProtocolFamily.INET)) {
            assertThat(socket.option(StandardSocketOptions.TCP_NODELAY)).isFalse();
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            assertThat(socket.option(StandardSocketOptions.TCP_NODELAY)).isTrue();
            socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            assertThat(socket.option(StandardSocketOptions.SO_KEEPALIVE)).isTrue();
            socket.setOption(StandardSocketOptions.SO_RCVBUF, 32768);
            assertThat(socket.option(StandardSocketOptions.SO_RCVBUF)).as("the kernel doubles it").isEqualTo(65536);
            assertThat(socket.option(StandardSocketOptions.SO_REUSEADDR)).isFalse();
            assertThatThrownBy(() -> socket.setOption(StandardSocketOptions.IP_MULTICAST_IF, null))
                    .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("IP_MULTICAST_IF is not supported");
            assertThatThrownBy(() -> socket.setOption(StandardSocketOptions.SO_SNDBUF, 0))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        try (StreamSocket unix = StreamSocket.open(StandardProtocolFamily.UNIX)) {
            assertThatThrownBy(() -> unix.setOption(StandardSocketOptions.TCP_NODELAY, true))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("TCP_NODELAY is a TCP option");
        }
    }

    @Test
    void listenOnSetsReuseAddrForTcp() throws Exception {
        try (ListeningSocket server = ListeningSocket.listenOn(anyPort(LOOPBACK4))) {
            assertThat(server.option(StandardSocketOptions.SO_REUSEADDR)).isTrue();
        }
    }

    @Test
    void connectionToARefusingPortFailsInFinishConnect() throws Exception {
        // a bound socket that does not listen holds the port, and the kernel answers its SYNs with a reset
        try (StreamSocket holder = StreamSocket.open(StandardProtocolFamily.INET)) {
            holder.bind(anyPort(LOOPBACK4));
            SocketAddress refusing = holder.localAddress();
            try (StreamSocket client = StreamSocket.open(StandardProtocolFamily.INET)) {
                boolean connectedNow;
                try {
                    connectedNow = client.connect(refusing);
                } catch (LinuxException atOnce) {
                    assertThat(atOnce.errnoName()).isEqualTo("ECONNREFUSED");
                    return;
                }
                assertThat(connectedNow).isFalse();
                assertThat(Ready.poll(client, Constants.POLLOUT, Ready.PATIENCE) & (Constants.POLLOUT | Constants.POLLERR))
                        .as("the failed handshake makes the socket writable, in error").isNotZero();
                assertThatThrownBy(client::finishConnect)
                        .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errnoName()).isEqualTo("ECONNREFUSED"))
                        .hasMessageContaining("connect(tcp socket")
                        .hasMessageContaining("127.0.0.1:" + ((InetSocketAddress) refusing).getPort())
                        .hasMessageContaining("nothing listens on");
                assertThat(client.isConnectionPending()).isFalse();
            }
        }
    }
}
