package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fdloop.testing.Loops.runUntil;

import java.io.BufferedReader;
import java.io.FileReader;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.fdloop.fd.AsyncOwner;
import org.fdloop.fd.DatagramFd;
import org.fdloop.fd.NetworkNamespace;
import org.fdloop.fd.OsThread;
import org.fdloop.fd.Signal;
import org.fdloop.fd.Tun;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Seed 001's driver flow with a real kernel driver: TUN calls kill_fasync when a packet is queued
 * for its reader. The interface is made in a network namespace of the test's own (never the
 * machine's; it goes when the last descriptor in it closes), datagrams are sent to an address
 * routed to it from a socket in the same namespace, and every one is read back as an IPv4 packet
 * through signal-driven I/O to the loop thread, to the process (fdloop's native handler), and
 * through epoll.
 */
@ExtendWith(NoFdLeaks.class)
class LoopTunTest {
    private static final int PORT = 9999;
    private static final int DATAGRAMS = 50;
    private static final byte[] PEER = {10, 77, 0, 2};

    private record Inside(Tun tun, DatagramFd udp) implements AutoCloseable {
        @Override
        public void close() {
            tun.close();
            udp.close();
        }
    }

    private static Inside makeNamespace() throws Exception {
        return NetworkNamespace.callInNew(() -> {
            Tun tun = Tun.open("fdtun%d", (Inet4Address) InetAddress.getByName("10.77.0.1"), 24);
            try {
                return new Inside(tun, DatagramFd.open(StandardProtocolFamily.INET));
            } catch (Exception e) {
                tun.close();
                throw e;
            }
        });
    }

    /** Counts the UDP datagrams to PEER:PORT among the packets read; other packets (IPv6 router solicitations) are skipped. */
    private static final class Counter {
        final ByteBuffer packet = ByteBuffer.allocate(2048);
        int datagrams;
        final List<String> payloads = new ArrayList<>();

        void drain(Tun tun) throws Exception {
            while (tun.read(packet.clear()) > 0) {
                byte[] p = packet.array();
                int headerLength = (p[0] & 0x0f) * 4;
                boolean udpToPeer = (p[0] >> 4) == 4 && p[9] == 17 && p[16] == PEER[0] && p[17] == PEER[1] && p[18] == PEER[2]
                        && p[19] == PEER[3] && ((p[headerLength + 2] & 0xff) << 8 | (p[headerLength + 3] & 0xff)) == PORT;
                if (udpToPeer) {
                    datagrams++;
                    payloads.add(new String(p, headerLength + 8, packet.position() - headerLength - 8));
                }
            }
        }
    }

    private static void send(DatagramFd udp, String tag) throws Exception {
        InetSocketAddress peer = new InetSocketAddress(InetAddress.getByAddress(PEER), PORT);
        for (int i = 0; i < DATAGRAMS; i++) {
            assertThat(udp.send(ByteBuffer.wrap((tag + i).getBytes()), peer)).isPositive();
        }
    }

    @Test
    void theInterfaceIsMadeInTheTestsOwnNamespaceOnly() throws Exception {
        try (Inside ns = makeNamespace()) {
            assertThat(ns.tun().interfaceName()).startsWith("fdtun");
            try (BufferedReader dev = new BufferedReader(new FileReader("/proc/thread-self/net/dev"))) {
                List<String> lines = dev.lines().toList();
                assertThat(lines).as("the machine's interfaces, from this thread").isNotEmpty()
                        .noneMatch(l -> l.trim().startsWith(ns.tun().interfaceName() + ":"));
            }
        }
    }

    @Test
    void everyDatagramArrivesAsAPacketThroughSignalDrivenIoToTheLoopThread() throws Exception {
        try (Inside ns = makeNamespace(); EventLoop loop = EventLoop.open()) {
            Counter counter = new Counter();
            loop.onAsyncIo(ns.tun(), (source, band) -> counter.drain(ns.tun()));
            // the owner set before O_ASYNC stays (some kernels' TUN ->fasync set the calling thread)
            assertThat(ns.tun().asyncOwner()).isEqualTo(new AsyncOwner(AsyncOwner.Kind.THREAD, OsThread.currentId()));
            send(ns.udp(), "async-");
            runUntil(loop, () -> counter.datagrams == DATAGRAMS);
            assertThat(counter.payloads).hasSize(DATAGRAMS).contains("async-0", "async-" + (DATAGRAMS - 1));
        }
    }

    @Test
    void everyDatagramArrivesThroughSignalDrivenIoToTheProcess() throws Exception {
        try (Inside ns = makeNamespace(); EventLoop loop = EventLoop.open()) {
            Counter counter = new Counter();
            loop.onAsyncIo(ns.tun(), IoSource.READABLE, Signal.realtime(9), AsyncOwner.Kind.PROCESS,
                    (source, band) -> counter.drain(ns.tun()));
            assertThat(ns.tun().asyncOwner()).isEqualTo(AsyncOwner.ofThisProcess());
            send(ns.udp(), "process-");
            runUntil(loop, () -> counter.datagrams == DATAGRAMS);
            assertThat(counter.payloads).hasSize(DATAGRAMS);
        }
    }

    @Test
    void everyDatagramArrivesThroughEpoll() throws Exception {
        try (Inside ns = makeNamespace(); EventLoop loop = EventLoop.open()) {
            Counter counter = new Counter();
            loop.onReadable(ns.tun(), (source, events) -> counter.drain(ns.tun()));
            send(ns.udp(), "epoll-");
            runUntil(loop, () -> counter.datagrams == DATAGRAMS);
            assertThat(counter.payloads).hasSize(DATAGRAMS);
        }
    }
}
