package org.fdloop.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.fdloop.EventLoopGroup;
import org.fdloop.GroupListener;
import org.fdloop.fd.StreamSocket;

/**
 * A loopback TCP echo server with the same handler on fdloop's {@link EventLoopGroup} and on
 * Netty 4.2's epoll transport ({@code MultiThreadIoEventLoopGroup} with {@code EpollIoHandler}),
 * with 1 and 2 loops, side by side in one run: requests per second and the latency of each
 * request (p50, p99; HdrHistogram).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp 'fdloop-bench/target/fdloop-bench.jar:fdloop-bench/target/lib/*' \
 *     org.fdloop.bench.EchoComparison [-c connections] [-s size] [-d seconds] [-r rounds] [-l loops,...]
 * </pre>
 *
 * The load is the same for every server: one client thread (plain NIO, a {@link Selector})
 * keeps {@code connections} connections (default 100) each with one request of {@code size} bytes
 * (default 64) in flight: it sends, waits for the whole echo, notes the time, and sends again.
 * Each server echoes what it reads: fdloop with {@code loop.onStream(c, (s, data) -> s.write(data))}
 * on SO_REUSEPORT listeners, Netty with {@code ctx.write(msg)} and a flush at the end of the read
 * batch on one server channel, its child channels spread over the group. TCP_NODELAY on every
 * socket. Rounds alternate the servers (the order rotates each round); the first round is a
 * warm-up and is not counted.
 */
public final class EchoComparison {
    private final int connections;
    private final int size;
    private final Duration duration;

    EchoComparison(int connections, int size, Duration duration) {
        this.connections = connections;
        this.size = size;
        this.duration = duration;
    }

    /** One run's result: requests per second and the latency quantiles in µs. */
    record Result(double requestsPerSecond, double p50, double p99) {}

    public static void main(String[] args) throws Exception {
        int connections = 100;
        int size = 64;
        int seconds = 5;
        int rounds = 3;
        List<Integer> loops = List.of(1, 2);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-c" -> connections = Integer.parseInt(args[++i]);
                case "-s" -> size = Integer.parseInt(args[++i]);
                case "-d" -> seconds = Integer.parseInt(args[++i]);
                case "-r" -> rounds = Integer.parseInt(args[++i]);
                case "-l" -> loops = java.util.Arrays.stream(args[++i].split(",")).map(Integer::valueOf).toList();
                default -> {
                    System.err.println("usage: EchoComparison [-c connections] [-s size] [-d seconds] [-r rounds] [-l loops,...]");
                    System.exit(2);
                }
            }
        }
        if (connections < 1 || size < 1 || seconds < 1 || rounds < 1 || loops.stream().anyMatch(n -> n < 1)) {
            System.err.println("connections, size, seconds, rounds and loops are at least 1");
            System.exit(2);
        }
        System.out.println("# " + SideBySide.describeRuntime());
        System.out.printf(Locale.ROOT, "# connections=%d size=%d duration=%ds rounds=%d (+1 warm-up round, not counted) loops=%s%n",
                connections, size, seconds, rounds, loops);
        System.out.println(new EchoComparison(connections, size, Duration.ofSeconds(seconds)).run(rounds, loops));
    }

    /** Runs every server with every loop count, {@code rounds} counted rounds; returns the Markdown table. */
    String run(int rounds, List<Integer> loopCounts) throws Exception {
        Map<String, List<Result>> results = new LinkedHashMap<>();
        List<String> servers = List.of("fdloop", "Netty epoll");
        for (int round = 0; round <= rounds; round++) {
            for (int loops : loopCounts) {
                for (String server : SideBySide.rotated(servers, round)) {
                    System.gc();
                    Result r = server.equals("fdloop") ? fdloop(loops) : netty(loops);
                    System.out.printf(Locale.ROOT, "echo server=\"%s\" loops=%d round=%d requests_per_s=%.0f p50_us=%.1f p99_us=%.1f%s%n",
                            server, loops, round, r.requestsPerSecond(), r.p50(), r.p99(), round == 0 ? " (warm-up)" : "");
                    if (round > 0) {
                        results.computeIfAbsent(server + "|" + loops, k -> new ArrayList<>()).add(r);
                    }
                }
            }
        }
        return markdown(results);
    }

    private String markdown(Map<String, List<Result>> results) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "### Loopback echo: %d connections, %d-byte requests, one in flight each%n%n",
                connections, size));
        out.append("| server | loops | requests/s (median, min..max) | p50 µs | p99 µs | rounds | ÷ Netty's requests/s |\n");
        out.append("|---|---:|---|---:|---:|---:|---:|\n");
        for (var e : results.entrySet()) {
            String[] key = e.getKey().split("\\|");
            List<Double> rps = e.getValue().stream().map(Result::requestsPerSecond).toList();
            List<Double> nettyRps = results.getOrDefault("Netty epoll|" + key[1], List.of()).stream()
                    .map(Result::requestsPerSecond).toList();
            double ratio = nettyRps.isEmpty() ? Double.NaN : SideBySide.median(rps) / SideBySide.median(nettyRps);
            out.append(String.format(Locale.ROOT, "| %s | %s | %.0f (%s) | %.1f | %.1f | %d | %.2f |%n", key[0], key[1],
                    SideBySide.median(rps), SideBySide.range(rps, "%.0f"),
                    SideBySide.median(e.getValue().stream().map(Result::p50).toList()),
                    SideBySide.median(e.getValue().stream().map(Result::p99).toList()), rps.size(), ratio));
        }
        return out.toString();
    }

    // ---- the servers ----------------------------------------------------------------------------

    Result fdloop(int loops) throws Exception {
        EventLoopGroup group = EventLoopGroup.builder().loops(loops).threadName("fdloop-echo").build();
        try {
            GroupListener listener = group.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), (loop, c) -> {
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                loop.onStream(c, (stream, data) -> stream.write(data));
            });
            return load((InetSocketAddress) listener.localAddress());
        } finally {
            group.shutdownGracefully(Duration.ofSeconds(10));
        }
    }

    /** Netty's echo: write what was read, flush once the read batch is over. */
    @ChannelHandler.Sharable
    static final class NettyEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // the client's connections end with a request in flight: a reset, as fdloop's stream closes on it too
        }
    }

    Result netty(int loops) throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(loops, EpollIoHandler.newFactory());
        try {
            NettyEcho echo = new NettyEcho();
            ChannelFuture bound = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<EpollSocketChannel>() {
                        @Override
                        protected void initChannel(EpollSocketChannel ch) {
                            ch.pipeline().addLast(echo);
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync();
            try {
                return load((InetSocketAddress) bound.channel().localAddress());
            } finally {
                bound.channel().close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }

    // ---- the client -----------------------------------------------------------------------------

    /** One connection of the client: its request in flight and when it was sent. */
    private static final class Conn {
        final SocketChannel channel;
        final ByteBuffer out;
        final ByteBuffer in;
        long sentAt;

        Conn(SocketChannel channel, int size) {
            this.channel = channel;
            this.out = ByteBuffer.allocateDirect(size);
            this.in = ByteBuffer.allocateDirect(size);
        }
    }

    /** Drives {@code connections} closed-loop clients against {@code server} for the duration; the first second is not counted. */
    Result load(InetSocketAddress server) throws IOException {
        Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        List<Conn> conns = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < connections; i++) {
                SocketChannel channel = SocketChannel.open(server);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.configureBlocking(false);
                Conn conn = new Conn(channel, size);
                conns.add(conn);
                channel.register(selector, SelectionKey.OP_READ, conn);
            }
            for (Conn conn : conns) {
                send(conn);
            }
            long start = System.nanoTime();
            long countFrom = start + TimeUnit.SECONDS.toNanos(1);
            long end = countFrom + duration.toNanos();
            long counted = 0;
            while (true) {
                selector.select(100);
                long now = System.nanoTime();
                if (now - end >= 0) {
                    break;
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    Conn conn = (Conn) key.attachment();
                    if (conn.channel.read(conn.in) < 0) {
                        throw new IOException("the server closed a connection");
                    }
                    if (!conn.in.hasRemaining()) {
                        long t = System.nanoTime();
                        if (t - countFrom >= 0) {
                            histogram.recordValue(Math.min(t - conn.sentAt, histogram.getHighestTrackableValue()));
                            counted++;
                        }
                        conn.in.clear();
                        send(conn);
                    }
                }
                selector.selectedKeys().clear();
            }
            double seconds = duration.toNanos() / 1e9;
            return new Result(counted / seconds, histogram.getValueAtPercentile(50) / 1000.0,
                    histogram.getValueAtPercentile(99) / 1000.0);
        } finally {
            for (Conn conn : conns) {
                conn.channel.close();
            }
        }
    }

    private static void send(Conn conn) throws IOException {
        conn.out.clear();
        conn.sentAt = System.nanoTime();
        while (conn.out.hasRemaining()) {
            conn.channel.write(conn.out); // 64 bytes into an empty send buffer: taken whole
        }
    }
}
