package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.fdloop.fd.StreamSocket;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Loop groups: round-robin, connections spread with SO_REUSEPORT and by an acceptor, graceful shutdown. */
@ExtendWith(NoFdLeaks.class)
class EventLoopGroupTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private static int indexOf(EventLoopGroup group, EventLoop loop) {
        return group.loops().indexOf(loop);
    }

    /** Connects {@code count} clients (each from its own ephemeral port), waits until {@code accepted} counts them all, closes them. */
    private static void connect(int count, java.net.SocketAddress address, AtomicInteger accepted) throws Exception {
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                Socket s = new Socket();
                clients.add(s);
                s.connect(address);
            }
            long deadline = System.nanoTime() + Ready.PATIENCE.toNanos();
            while (accepted.get() < count && System.nanoTime() - deadline < 0) {
                Thread.sleep(5);
            }
            assertThat(accepted.get()).as("connections accepted within " + Ready.PATIENCE).isEqualTo(count);
        } finally {
            for (Socket s : clients) {
                s.close();
            }
        }
    }

    @Test
    void nextGoesRoundTheLoopsAndExecuteRunsOnThem() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.open(3)) {
            assertThat(group.size()).isEqualTo(3);
            List<EventLoop> picked = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                picked.add(group.next());
            }
            assertThat(picked.subList(0, 3)).containsExactlyInAnyOrderElementsOf(group.loops());
            assertThat(picked.subList(3, 6)).isEqualTo(picked.subList(0, 3));

            CountDownLatch ran = new CountDownLatch(3);
            Set<String> threads = ConcurrentHashMap.newKeySet();
            for (int i = 0; i < 3; i++) {
                group.execute(() -> {
                    threads.add(Thread.currentThread().getName());
                    ran.countDown();
                });
            }
            assertThat(ran.await(Ready.PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(threads).containsExactlyInAnyOrder("fdloop-group-0", "fdloop-group-1", "fdloop-group-2");
        }
    }

    @Test
    void withReusePortConnectionsLandOnEveryLoop() throws Exception {
        int loops = 4;
        int connections = 64; // a loop the kernel's 4-tuple hash leaves out: 4 * (3/4)^64, about 4e-8
        AtomicIntegerArray perLoop = new AtomicIntegerArray(loops);
        AtomicInteger accepted = new AtomicInteger();
        List<String> wrongThread = new CopyOnWriteArrayList<>();
        try (EventLoopGroup group = EventLoopGroup.open(loops)) {
            GroupListener listener = group.listen(LOOPBACK, (loop, connection) -> {
                if (!loop.inLoopThread()) {
                    wrongThread.add(Thread.currentThread().getName());
                }
                perLoop.incrementAndGet(indexOf(group, loop));
                connection.close();
                accepted.incrementAndGet();
            });
            assertThat(listener.sockets()).isEqualTo(loops);
            connect(connections, listener.localAddress(), accepted);
            for (int i = 0; i < loops; i++) {
                assertThat(perLoop.get(i)).as("connections on loop " + i + " of " + perLoop).isPositive();
            }
            assertThat(wrongThread).isEmpty();
        }
    }

    @Test
    void anAcceptorHandsConnectionsToEachLoopInTurn() throws Exception {
        int loops = 3;
        AtomicIntegerArray perLoop = new AtomicIntegerArray(loops);
        AtomicInteger accepted = new AtomicInteger();
        List<String> wrongThread = new CopyOnWriteArrayList<>();
        try (EventLoopGroup group = EventLoopGroup.open(loops)) {
            GroupListener listener = group.listenWithAcceptor(LOOPBACK, (loop, connection) -> {
                if (!loop.inLoopThread()) {
                    wrongThread.add(Thread.currentThread().getName());
                }
                perLoop.incrementAndGet(indexOf(group, loop));
                connection.close();
                accepted.incrementAndGet();
            });
            assertThat(listener.sockets()).isEqualTo(1);
            connect(30, listener.localAddress(), accepted);
            for (int i = 0; i < loops; i++) {
                assertThat(perLoop.get(i)).as("connections on loop " + i).isEqualTo(10);
            }
            assertThat(wrongThread).isEmpty();
        }
    }

    @Test
    void reusePortRefusesAUnixAddressAndNamesTheWayOut(@TempDir Path dir) throws Exception {
        try (EventLoopGroup group = EventLoopGroup.open(2)) {
            assertThatThrownBy(() -> group.listen(UnixDomainSocketAddress.of(dir.resolve("s")), (loop, c) -> c.close()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("listenWithAcceptor");
        }
    }

    /** A server on the group that answers each connection with {@code bytes} of the pattern, then closes it gracefully. */
    private record Sender(EventLoopGroup group, GroupListener listener, CountDownLatch queued, AtomicLong queuedBytes,
            List<IOException> results) {
        static Sender start(EventLoopGroup group, int bytes) throws IOException {
            CountDownLatch queued = new CountDownLatch(1);
            AtomicLong queuedBytes = new AtomicLong();
            List<IOException> results = new CopyOnWriteArrayList<>();
            GroupListener listener = group.listen(LOOPBACK, (loop, connection) -> {
                StreamSource stream = loop.onStream(connection, (s, data) -> {});
                for (int offset = 0; offset < bytes; offset += 64 * 1024) {
                    stream.write(StreamSourceTest.pattern(offset, 64 * 1024), (s, error) -> results.add(error));
                }
                queuedBytes.set(stream.queuedBytes());
                queued.countDown();
            });
            return new Sender(group, listener, queued, queuedBytes, results);
        }
    }

    @Test
    void aGracefulShutdownRunsEveryQueuedTaskAndFlushesEveryQueuedWrite() throws Exception {
        int bytes = 8 * 1024 * 1024;
        EventLoopGroup group = EventLoopGroup.open(2);
        Sender sender = Sender.start(group, bytes);
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(16 * 1024);
            client.connect(sender.listener().localAddress());
            assertThat(sender.queued().await(Ready.PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(sender.queuedBytes().get()).as("the kernel did not take it all: writes are queued").isPositive();

            AtomicInteger tasks = new AtomicInteger();
            for (int i = 0; i < 1000; i++) {
                group.execute(tasks::incrementAndGet);
            }
            long[] received = {0};
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    while (!group.isShuttingDown()) {
                        Thread.onSpinWait(); // the reader starts once the shutdown has begun
                    }
                    InputStream in = client.getInputStream();
                    byte[] buffer = new byte[65536];
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        for (int i = 0; i < n; i++) {
                            if (buffer[i] != StreamSourceTest.patternAt(received[0] + i)) {
                                throw new AssertionError("byte " + (received[0] + i) + " is wrong");
                            }
                        }
                        received[0] += n;
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });

            EventLoopGroup.ShutdownReport report = group.shutdownGracefully(Ready.PATIENCE);
            reader.join(Ready.PATIENCE.toMillis());

            assertThat(report).isEqualTo(new EventLoopGroup.ShutdownReport(true, 0, 0, 0));
            assertThat(report.complete()).isTrue();
            assertThat(tasks.get()).as("every task accepted before the shutdown ran").isEqualTo(1000);
            assertThat(received[0]).as("every byte written, in order, then the end of the stream").isEqualTo(bytes);
            assertThat(sender.results()).hasSize(bytes / (64 * 1024)).containsOnlyNulls();
            assertThatThrownBy(() -> group.execute(() -> {})).isInstanceOf(RejectedExecutionException.class);
            assertThatThrownBy(() -> group.listen(LOOPBACK, (loop, c) -> c.close())).isInstanceOf(RejectedExecutionException.class);
            assertThat(group.shutdownGracefully(Ready.PATIENCE)).as("called again: the same report").isEqualTo(report);
        } finally {
            group.close();
        }
    }

    @Test
    void aShutdownWhoseTimeIsUpCutsTheQueuedWritesAndSaysWhatItCut() throws Exception {
        EventLoopGroup group = EventLoopGroup.open(2);
        Sender sender = Sender.start(group, 8 * 1024 * 1024);
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(16 * 1024);
            client.connect(sender.listener().localAddress());
            assertThat(sender.queued().await(Ready.PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
            long queued = sender.queuedBytes().get();
            assertThat(queued).isPositive();

            EventLoopGroup.ShutdownReport report = group.shutdownGracefully(java.time.Duration.ofMillis(100)); // the client never reads

            assertThat(report.inTime()).isFalse();
            assertThat(report.complete()).isFalse();
            assertThat(report.streamsCut()).isEqualTo(1);
            List<IOException> failed = sender.results().stream().filter(e -> e != null).toList();
            assertThat(report.writesCut()).isEqualTo(failed.size()).isPositive();
            assertThat(report.bytesCut()).isPositive().isLessThanOrEqualTo(queued);
            assertThat(failed).allSatisfy(e -> assertThat(e).hasMessageContaining("shutdown").hasMessageContaining("not written"));
        } finally {
            group.close();
        }
    }
}
