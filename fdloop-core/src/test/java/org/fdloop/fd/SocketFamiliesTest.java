package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fdloop.fd.DatagramSocketTest.awaitDatagram;
import static org.fdloop.fd.DatagramSocketTest.text;
import static org.fdloop.fd.StreamSocketTest.acceptOne;
import static org.fdloop.fd.StreamSocketTest.awaitConnected;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fdloop.internal.linux.SockAddr;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Reads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** IPv6, IPv4 on IPv6 sockets, and Unix addresses: paths, abstract names, autobind, unnamed sockets. */
@ExtendWith(NoFdLeaks.class)
class SocketFamiliesTest {
    static InetAddress loopback6() throws Exception {
        return InetAddress.getByName("::1");
    }

    @Test
    void tcpConnectionCarriesBytesOverIpv6Loopback() throws Exception {
        try (ListeningSocket server = ListeningSocket.listenOn(new InetSocketAddress(loopback6(), 0));
             StreamSocket client = StreamSocket.connectTo(server.localAddress())) {
            assertThat(server.kind()).isEqualTo("tcp6 listening socket");
            assertThat(client.family()).isEqualTo(StandardProtocolFamily.INET6);
            awaitConnected(client);
            try (StreamSocket connection = acceptOne(server)) {
                InetSocketAddress peer = (InetSocketAddress) connection.peerAddress();
                assertThat(peer.getAddress()).isInstanceOf(Inet6Address.class).isEqualTo(loopback6());
                assertThat(peer).isEqualTo(client.localAddress());
                client.write(Reads.bytes("six"));
                assertThat(Reads.text(connection, 3)).isEqualTo("six");
            }
        }
    }

    @Test
    void udpDatagramsCarryTheirSenderOverIpv6() throws Exception {
        try (DatagramSocket server = DatagramSocket.bindTo(new InetSocketAddress(loopback6(), 0));
             DatagramSocket client = DatagramSocket.bindTo(new InetSocketAddress(loopback6(), 0))) {
            assertThat(server.kind()).isEqualTo("udp6 socket");
            client.send(Reads.bytes("v6"), server.localAddress());
            ByteBuffer in = ByteBuffer.allocate(8);
            assertThat(awaitDatagram(server, in)).isEqualTo(client.localAddress());
            assertThat(text(in)).isEqualTo("v6");
        }
    }

    @Test
    void anIpv6SocketTakesIpv4AddressesAsIpv4MappedAndReportsThemAsIpv4() throws Exception {
        // a dual-stack listener on :: (IPV6_V6ONLY is off by default) and an IPv4 client
        try (ListeningSocket server = ListeningSocket.listenOn(new InetSocketAddress(InetAddress.getByName("::"), 0));
             StreamSocket client = StreamSocket.open(StandardProtocolFamily.INET)) {
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            awaitConnected(client);
            try (StreamSocket connection = acceptOne(server)) {
                InetSocketAddress peer = (InetSocketAddress) connection.peerAddress();
                assertThat(peer.getAddress()).as("::ffff:127.0.0.1 comes back as IPv4").isInstanceOf(Inet4Address.class);
                assertThat(peer).isEqualTo(client.localAddress());
            }
        }
        try (DatagramSocket server = DatagramSocket.bindTo(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket client6 = DatagramSocket.open(StandardProtocolFamily.INET6)) {
            client6.send(Reads.bytes("mapped"), server.localAddress());
            ByteBuffer in = ByteBuffer.allocate(8);
            awaitDatagram(server, in);
            assertThat(text(in)).isEqualTo("mapped");
        }
    }

    @Test
    void unixDatagramsCarryThePathOfABoundSenderAndNothingForAnUnnamedOne(@TempDir Path dir) throws Exception {
        UnixDomainSocketAddress serverPath = UnixDomainSocketAddress.of(dir.resolve("server.sock"));
        UnixDomainSocketAddress clientPath = UnixDomainSocketAddress.of(dir.resolve("client.sock"));
        try (DatagramSocket server = DatagramSocket.bindTo(serverPath);
             DatagramSocket named = DatagramSocket.bindTo(clientPath);
             DatagramSocket unnamed = DatagramSocket.open(StandardProtocolFamily.UNIX)) {
            assertThat(server.kind()).isEqualTo("unix datagram socket");
            named.send(Reads.bytes("from a path"), serverPath);
            unnamed.send(Reads.bytes("from nowhere"), serverPath);
            ByteBuffer in = ByteBuffer.allocate(32);
            SocketAddress sender = awaitDatagram(server, in);
            assertThat(sender).isEqualTo(clientPath);
            assertThat(text(in)).isEqualTo("from a path");
            server.send(Reads.bytes("reply"), sender);
            in.clear();
            assertThat(awaitDatagram(server, in)).as("an unnamed socket cannot be answered").isEqualTo(UnixDomainSocketAddress.of(""));
            assertThat(text(in)).isEqualTo("from nowhere");
            in.clear();
            assertThat(awaitDatagram(named, in)).isEqualTo(serverPath);
            assertThat(text(in)).isEqualTo("reply");
        }
    }

    @Test
    void aUnixDatagramKeepsItsBoundariesAndMayBeLargerThanUdpAllows(@TempDir Path dir) throws Exception {
        UnixDomainSocketAddress path = UnixDomainSocketAddress.of(dir.resolve("big.sock"));
        try (DatagramSocket server = DatagramSocket.bindTo(path); DatagramSocket client = DatagramSocket.open(StandardProtocolFamily.UNIX)) {
            byte[] big = new byte[100_000];
            big[99_999] = 42;
            assertThat(client.send(ByteBuffer.wrap(big), path)).isEqualTo(100_000);
            ByteBuffer in = ByteBuffer.allocate(200_000);
            awaitDatagram(server, in);
            assertThat(in.position()).isEqualTo(100_000);
            assertThat(in.get(99_999)).isEqualTo((byte) 42);
        }
    }

    @Test
    void abstractNamesLeaveNoFileAndAutobindPicksOne(@TempDir Path dir) throws Exception {
        UnixAbstractAddress name = UnixAbstractAddress.of("fdloop-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try (ListeningSocket server = ListeningSocket.listenOn(name);
             StreamSocket client = StreamSocket.connectTo(name);
             DatagramSocket auto = DatagramSocket.open(StandardProtocolFamily.UNIX)) {
            assertThat(server.localAddress()).isEqualTo(name);
            assertThat(name.toString()).startsWith("@fdloop-test-");
            try (StreamSocket connection = acceptOne(server)) {
                client.write(Reads.bytes("abstract"));
                assertThat(Reads.text(connection, 8)).isEqualTo("abstract");
            }
            auto.bind(UnixDomainSocketAddress.of(""));
            SocketAddress picked = auto.localAddress();
            assertThat(picked).isInstanceOf(UnixAbstractAddress.class);
            assertThat(((UnixAbstractAddress) picked).name()).as("autobind: five hex digits").matches("[0-9a-f]{5}");
        }
        try (var files = Files.list(dir)) {
            assertThat(files).as("no file anywhere").isEmpty();
        }
    }

    @Test
    void ipv6AddressesAreWrittenShortInMessages() throws Exception {
        assertThat(SockAddr.compact((Inet6Address) InetAddress.getByName("::1"))).isEqualTo("::1");
        assertThat(SockAddr.compact((Inet6Address) InetAddress.getByName("::"))).isEqualTo("::");
        assertThat(SockAddr.compact((Inet6Address) InetAddress.getByName("1::"))).isEqualTo("1::");
        assertThat(SockAddr.compact((Inet6Address) InetAddress.getByName("2001:db8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
        assertThat(SockAddr.compact((Inet6Address) InetAddress.getByName("fe80:0:0:0:0:0:0:1%1"))).isEqualTo("fe80::1%1");
        assertThat(SockAddr.compact((Inet6Address) InetAddress.getByName("1:2:3:4:5:6:7:8"))).isEqualTo("1:2:3:4:5:6:7:8");
        assertThat(SockAddr.compact((Inet6Address) InetAddress.getByName("1:0:3:4:5:6:7:8"))).as("one zero group stays").isEqualTo("1:0:3:4:5:6:7:8");
    }
}
