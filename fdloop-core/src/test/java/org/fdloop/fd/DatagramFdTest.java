package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.fdloop.internal.linux.Constants;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Reads;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoFdLeaks.class)
class DatagramFdTest {
    static final InetSocketAddress ANY_LOOPBACK4 = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    static String text(ByteBuffer buffer) {
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.ISO_8859_1);
    }

    /** Waits for a datagram on {@code socket} and receives it into {@code into}; returns the sender. */
    static SocketAddress awaitDatagram(DatagramFd socket, ByteBuffer into) throws Exception {
        assertThat(Ready.awaitReadable(socket)).as("a datagram is queued on %s", socket).isTrue();
        SocketAddress sender = socket.receive(into);
        assertThat(sender).isNotNull();
        return sender;
    }

    @Test
    void udpDatagramsArriveWholeAndInOrderWithTheirSender() throws Exception {
        try (DatagramFd server = DatagramFd.bindTo(ANY_LOOPBACK4);
             DatagramFd client = DatagramFd.open(StandardProtocolFamily.INET)) {
            SocketAddress to = server.localAddress();
            assertThat(client.send(Reads.bytes("one"), to)).isEqualTo(3);
            assertThat(client.send(Reads.bytes("two two"), to)).isEqualTo(7);
            assertThat(client.send(ByteBuffer.allocate(0), to)).as("an empty datagram").isZero();
            // the first send bound the client to the wildcard address and a free port; it sent from 127.0.0.1
            InetSocketAddress clientAddress = (InetSocketAddress) client.localAddress();
            assertThat(clientAddress.getAddress().isAnyLocalAddress()).isTrue();
            InetSocketAddress expected = new InetSocketAddress(InetAddress.getLoopbackAddress(), clientAddress.getPort());
            ByteBuffer in = ByteBuffer.allocate(100);
            assertThat(awaitDatagram(server, in)).isEqualTo(expected);
            assertThat(text(in)).isEqualTo("one");
            in.clear();
            assertThat(awaitDatagram(server, in)).isEqualTo(expected);
            assertThat(text(in)).as("one datagram per receive, never two").isEqualTo("two two");
            in.clear();
            assertThat(awaitDatagram(server, in)).as("an empty datagram has a sender too").isEqualTo(expected);
            assertThat(in.position()).isZero();
            assertThat(server.receive(in)).as("nothing queued").isNull();
        }
    }

    @Test
    void receiveReturnsNullWhenNoDatagramIsQueued() throws Exception {
        try (DatagramFd socket = DatagramFd.bindTo(ANY_LOOPBACK4)) {
            assertThat(socket.receive(ByteBuffer.allocate(10))).isNull();
            assertThat(socket.receive(ByteBuffer.allocateDirect(10))).isNull();
        }
    }

    @Test
    void aDatagramLongerThanTheBufferIsCutAndTheRestDiscarded() throws Exception {
        try (DatagramFd server = DatagramFd.bindTo(ANY_LOOPBACK4);
             DatagramFd client = DatagramFd.open(StandardProtocolFamily.INET)) {
            client.send(Reads.bytes("0123456789"), server.localAddress());
            client.send(Reads.bytes("next"), server.localAddress());
            ByteBuffer small = ByteBuffer.allocate(4);
            awaitDatagram(server, small);
            assertThat(text(small)).isEqualTo("0123");
            ByteBuffer in = ByteBuffer.allocate(100);
            awaitDatagram(server, in);
            assertThat(text(in)).as("the cut datagram's tail is gone").isEqualTo("next");
        }
    }

    @Test
    void theSameSenderComesBackAsTheSameObject() throws Exception {
        try (DatagramFd server = DatagramFd.bindTo(ANY_LOOPBACK4);
             DatagramFd client = DatagramFd.open(StandardProtocolFamily.INET);
             DatagramFd other = DatagramFd.open(StandardProtocolFamily.INET)) {
            SocketAddress to = server.localAddress();
            client.send(Reads.bytes("a"), to);
            client.send(Reads.bytes("b"), to);
            other.send(Reads.bytes("c"), to);
            ByteBuffer in = ByteBuffer.allocateDirect(8);
            SocketAddress first = awaitDatagram(server, in.clear());
            SocketAddress second = awaitDatagram(server, in.clear());
            SocketAddress third = awaitDatagram(server, in.clear());
            assertThat(second).as("decoded once, reused: no allocation per datagram").isSameAs(first);
            assertThat(((InetSocketAddress) third).getPort()).isNotEqualTo(((InetSocketAddress) first).getPort())
                    .isEqualTo(((InetSocketAddress) other.localAddress()).getPort());
        }
    }

    @Test
    void directAndNativeMemoryAreSentLikeHeapBuffers() throws Exception {
        try (DatagramFd server = DatagramFd.bindTo(ANY_LOOPBACK4);
             DatagramFd client = DatagramFd.open(StandardProtocolFamily.INET);
             java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            SocketAddress to = server.localAddress();
            ByteBuffer direct = ByteBuffer.allocateDirect(5).put(Reads.bytes("direc")).flip();
            assertThat(client.send(direct, to)).isEqualTo(5);
            assertThat(direct.hasRemaining()).isFalse();
            assertThat(client.send(arena.allocateFrom("native", StandardCharsets.US_ASCII).asSlice(0, 6), to)).isEqualTo(6);
            assertThat(client.send(java.lang.foreign.MemorySegment.ofArray(Reads.bytes("heap").array()), to)).isEqualTo(4);
            ByteBuffer in = ByteBuffer.allocate(16);
            awaitDatagram(server, in.clear());
            assertThat(text(in)).isEqualTo("direc");
            awaitDatagram(server, in.clear());
            assertThat(text(in)).isEqualTo("native");
            awaitDatagram(server, in.clear());
            assertThat(text(in)).isEqualTo("heap");
        }
    }

    @Test
    void connectedSocketsReadAndWriteTheirPeerOnly() throws Exception {
        try (DatagramFd a = DatagramFd.bindTo(ANY_LOOPBACK4);
             DatagramFd b = DatagramFd.bindTo(ANY_LOOPBACK4);
             DatagramFd stranger = DatagramFd.open(StandardProtocolFamily.INET)) {
            a.connect(b.localAddress());
            b.connect(a.localAddress());
            assertThat(a.peerAddress()).isEqualTo(b.localAddress());
            stranger.send(Reads.bytes("not for you"), a.localAddress());
            assertThat(b.write(Reads.bytes("hello a"))).isEqualTo(7);
            ByteBuffer in = ByteBuffer.allocate(32);
            assertThat(Ready.awaitReadable(a)).isTrue();
            assertThat(a.read(in)).as("only the peer's datagram arrives").isEqualTo(7);
            assertThat(text(in)).isEqualTo("hello a");
            assertThat(a.read(in.clear())).isZero();
            a.disconnect();
            assertThatThrownBy(a::peerAddress).isInstanceOfSatisfying(LinuxException.class,
                    e -> assertThat(e.errnoName()).isEqualTo("ENOTCONN"));
            assertThatThrownBy(() -> a.write(Reads.bytes("to whom?"))).isInstanceOfSatisfying(LinuxException.class,
                    e -> assertThat(e.errnoName()).isEqualTo("EDESTADDRREQ"));
        }
    }

    @Test
    void aDatagramToAClosedPortComesBackAsEconnrefusedOnAConnectedSocket() throws Exception {
        SocketAddress closed;
        try (DatagramFd gone = DatagramFd.bindTo(ANY_LOOPBACK4)) {
            closed = gone.localAddress();
        }
        try (DatagramFd client = DatagramFd.open(StandardProtocolFamily.INET)) {
            client.connect(closed);
            client.write(Reads.bytes("anyone?"));
            // the kernel's ICMP port-unreachable makes the socket poll in error
            assertThat(Ready.poll(client, Constants.POLLIN, Ready.PATIENCE) & Constants.POLLERR).isNotZero();
            LinuxException error = client.takeError();
            assertThat(error).isNotNull();
            assertThat(error.errnoName()).isEqualTo("ECONNREFUSED");
            assertThat(error.getMessage()).contains("getsockopt(udp socket").contains("SO_ERROR").contains("ICMP port-unreachable");
            assertThat(client.takeError()).as("taking the error clears it").isNull();

            client.write(Reads.bytes("again?"));
            assertThat(Ready.poll(client, Constants.POLLIN, Ready.PATIENCE) & Constants.POLLERR).isNotZero();
            assertThatThrownBy(() -> client.read(ByteBuffer.allocate(8)))
                    .as("without takeError, the next call reports it")
                    .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errnoName()).isEqualTo("ECONNREFUSED"))
                    .hasMessageContaining("recv(udp socket");
        }
    }

    @Test
    void aDatagramTooBigForUdpFailsWithEmsgsize() throws Exception {
        try (DatagramFd server = DatagramFd.bindTo(ANY_LOOPBACK4);
             DatagramFd client = DatagramFd.open(StandardProtocolFamily.INET)) {
            ByteBuffer largest = ByteBuffer.allocate(65507);
            assertThat(client.send(largest, server.localAddress())).as("65507 bytes: the largest over IPv4").isEqualTo(65507);
            ByteBuffer tooBig = ByteBuffer.allocate(65508);
            assertThatThrownBy(() -> client.send(tooBig, server.localAddress()))
                    .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errnoName()).isEqualTo("EMSGSIZE"))
                    .hasMessageContaining("sendto(udp socket")
                    .hasMessageContaining("65508 bytes")
                    .hasMessageContaining("at most 65507 bytes over IPv4");
            assertThat(tooBig.position()).as("nothing was sent").isZero();
            ByteBuffer in = ByteBuffer.allocate(70000);
            awaitDatagram(server, in);
            assertThat(in.position()).as("the largest datagram arrives whole").isEqualTo(65507);
        }
    }

    @Test
    void multicastOptionsAreSetAndReadBackOnBothFamilies() throws Exception {
        for (StandardProtocolFamily family : List.of(StandardProtocolFamily.INET, StandardProtocolFamily.INET6)) {
            try (DatagramFd socket = DatagramFd.open(family)) {
                assertThat(socket.option(StandardSocketOptions.IP_MULTICAST_TTL)).as("%s: the default hop limit", family).isEqualTo(1);
                socket.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 8);
                assertThat(socket.option(StandardSocketOptions.IP_MULTICAST_TTL)).isEqualTo(8);
                assertThat(socket.option(StandardSocketOptions.IP_MULTICAST_LOOP)).isTrue();
                socket.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, false);
                assertThat(socket.option(StandardSocketOptions.IP_MULTICAST_LOOP)).isFalse();
                socket.setOption(StandardSocketOptions.IP_TOS, 0x28);
                assertThat(socket.option(StandardSocketOptions.IP_TOS)).isEqualTo(0x28);
                assertThatThrownBy(() -> socket.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 256))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("from 0 to 255");
                assertThatThrownBy(() -> socket.setOption(StandardSocketOptions.SO_LINGER, 1))
                        .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("stream sockets");
            }
        }
    }

    @Test
    void aReadOnlyBufferIsRefusedAndTheDatagramStaysQueued() throws Exception {
        try (DatagramFd server = DatagramFd.bindTo(ANY_LOOPBACK4);
             DatagramFd client = DatagramFd.open(StandardProtocolFamily.INET)) {
            client.send(ByteBuffer.wrap(new byte[] {9}), server.localAddress());
            assertThat(Ready.awaitReadable(server)).isTrue();
            assertThatThrownBy(() -> server.receive(ByteBuffer.allocate(8).asReadOnlyBuffer()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("read-only");
            ByteBuffer in = ByteBuffer.allocate(8);
            assertThat(server.receive(in)).as("the datagram was not taken").isNotNull();
            assertThat(in.get(0)).isEqualTo((byte) 9);
        }
    }
}
