package org.fdloop.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.fdloop.AsyncIoSource;
import org.fdloop.EventLoop;
import org.fdloop.IoSource;
import org.fdloop.Source;
import org.fdloop.fd.AsyncOwner;
import org.fdloop.fd.DatagramFd;
import org.fdloop.fd.NetworkNamespace;
import org.fdloop.fd.Signal;
import org.fdloop.fd.Tun;

/**
 * {@code fdloop device --tun}: seed 001's driver flow with a real kernel driver. A TUN interface
 * in a network namespace of its own (never the machine's: nothing routed to it leaves the
 * namespace, and the namespace goes with its last descriptor), datagrams sent to an address
 * routed to it from a socket in the same namespace, each read back as an IPv4 packet: through
 * signal-driven I/O to the loop thread and to the process, and through the loop's wait.
 */
final class TunDemo {
    static final int PORT = 9999;
    private static final byte[] OWN = {10, 77, 0, 1};
    private static final byte[] PEER = {10, 77, 0, 2};
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private record Inside(Tun tun, DatagramFd udp) implements AutoCloseable {
        @Override
        public void close() {
            tun.close();
            udp.close();
        }
    }

    /** The way the loop learns of a packet, one run each. */
    private enum Way {
        THREAD("signal-driven I/O to the loop thread"),
        PROCESS("signal-driven I/O to the process"),
        WAIT("the loop's wait");

        final String label;

        Way(String label) {
            this.label = label;
        }
    }

    private TunDemo() {}

    /** Runs the demonstration; returns whether every datagram arrived every way. */
    static boolean run(PrintWriter out, boolean json, BackendOption backend, int datagrams) throws Exception {
        boolean all = true;
        for (Way way : Way.values()) {
            try (Inside ns = NetworkNamespace.callInNew(TunDemo::inside); EventLoop loop = backend.open()) {
                if (way == Way.THREAD && !json) {
                    out.printf("fdloop device --tun: %s, a TUN interface (IFF_TUN|IFF_NO_PI) with %s/24, in a network namespace"
                            + " of its own; %d UDP datagrams to %s:%d from a socket in it each way, read back as IPv4 packets%n%n",
                            ns.tun().interfaceName(), text(OWN), datagrams, text(PEER), PORT);
                }
                int[] counts = new int[2]; // datagrams, other packets
                ByteBuffer packet = ByteBuffer.allocate(2048);
                Source source = switch (way) {
                    case THREAD -> loop.onAsyncIo(ns.tun(), (s, band) -> drain(ns.tun(), packet, counts));
                    case PROCESS -> loop.onAsyncIo(ns.tun(), IoSource.READABLE, Signal.realtime(9), AsyncOwner.Kind.PROCESS,
                            (s, band) -> drain(ns.tun(), packet, counts));
                    case WAIT -> loop.onReadable(ns.tun(), (s, events) -> drain(ns.tun(), packet, counts));
                };
                InetSocketAddress peer = new InetSocketAddress(InetAddress.getByAddress(PEER), PORT);
                for (int i = 0; i < datagrams; i++) {
                    ns.udp().send(ByteBuffer.wrap(("datagram " + i).getBytes()), peer);
                }
                long deadline = System.nanoTime() + PATIENCE.toNanos();
                while (counts[0] < datagrams && System.nanoTime() - deadline < 0) {
                    loop.runOnce(Duration.ofMillis(100));
                }
                String how = switch (source) {
                    case AsyncIoSource a -> a.signal().name() + (a.owner() == AsyncOwner.Kind.THREAD ? ", F_SETOWN_EX to the loop thread"
                            : ", F_SETOWN to the process, fdloop's native handler");
                    default -> BackendOption.name(loop.backend());
                };
                all &= counts[0] == datagrams;
                if (json) {
                    out.println(Json.object().field("way", way.name().toLowerCase(java.util.Locale.ROOT)).field("how", how)
                            .field("interface", ns.tun().interfaceName()).field("sent", datagrams).field("received", counts[0])
                            .field("other_packets", counts[1]));
                } else {
                    out.printf("%-38s %3d of %d datagrams  (%s; %d other packet%s)%n", way.label + ":", counts[0], datagrams, how,
                            counts[1], counts[1] == 1 ? "" : "s");
                }
                out.flush();
            }
        }
        if (!json) {
            out.printf("%nThe namespace, its interface and route went with their last descriptor.%n");
        }
        return all;
    }

    private static Inside inside() throws Exception {
        Tun tun = Tun.open("fdtun%d", (Inet4Address) InetAddress.getByAddress(OWN), 24);
        try {
            return new Inside(tun, DatagramFd.open(StandardProtocolFamily.INET));
        } catch (IOException | RuntimeException e) {
            tun.close();
            throw e;
        }
    }

    /** Reads every packet queued: counts the UDP datagrams to PEER:PORT, and the rest (IPv6 router solicitations). */
    private static void drain(Tun tun, ByteBuffer packet, int[] counts) throws IOException {
        while (tun.read(packet.clear()) > 0) {
            byte[] p = packet.array();
            int header = (p[0] & 0x0f) * 4;
            boolean ours = (p[0] >> 4) == 4 && p[9] == 17 && p[16] == PEER[0] && p[17] == PEER[1] && p[18] == PEER[2]
                    && p[19] == PEER[3] && ((p[header + 2] & 0xff) << 8 | (p[header + 3] & 0xff)) == PORT;
            counts[ours ? 0 : 1]++;
        }
    }

    private static String text(byte[] address) {
        return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "." + (address[3] & 0xff);
    }
}
