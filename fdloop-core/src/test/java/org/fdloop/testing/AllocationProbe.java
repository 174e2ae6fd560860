package org.fdloop.testing;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fdloop.EventLoop;
import org.fdloop.IoSource;
import org.fdloop.fd.DatagramFd;
import org.fdloop.fd.EventFd;
import org.fdloop.fd.OsPipe;
import org.fdloop.internal.linux.Syscalls;

/**
 * The hot paths of fdloop, each run until warm and then measured: prints one line per path,
 * {@code name bytes}, the bytes the thread allocated over {@link #ROUNDS} operations (the least of
 * a few passes), then which way system calls went ({@link Syscalls}). Run in a child JVM by SteadyStateAllocationTest, with escape analysis off, so
 * that a path that allocates only when the JIT happens not to inline shows every time.
 */
public final class AllocationProbe {
    /** Operations per measured pass. */
    public static final int ROUNDS = 20_000;
    private static final int PASSES = 6;

    /** One operation of a path. */
    private interface Operation {
        void run(int i) throws IOException;
    }

    public static void main(String[] args) throws Exception {
        Map<String, Long> results = new LinkedHashMap<>();
        datagrams(results);
        pipe(results);
        loop(results);
        results.forEach((name, bytes) -> System.out.println(name + " " + bytes));
        String fallback = Syscalls.unavailableReason();
        System.out.println("system calls through " + (fallback == null ? "fdloop's stub" : "glibc, because " + fallback));
    }

    private static void datagrams(Map<String, Long> results) throws IOException {
        SocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (DatagramFd server = DatagramFd.bindTo(loopback);
             DatagramFd client = DatagramFd.bindTo(loopback)) {
            SocketAddress to = server.localAddress();
            ByteBuffer[] outs = {ByteBuffer.allocate(64), ByteBuffer.allocateDirect(64)};
            ByteBuffer[] ins = {ByteBuffer.allocate(64), ByteBuffer.allocateDirect(64)};
            results.put("datagram-send-receive", measure(i -> {
                ByteBuffer out = outs[i & 1].clear();
                out.putInt(0, i);
                client.send(out, to);
                ByteBuffer in = ins[(i >> 1) & 1].clear();
                if (server.receive(in) == null || in.getInt(0) != i) {
                    throw new AssertionError("datagram " + i + " did not come back as sent");
                }
            }));
        }
    }

    private static void pipe(Map<String, Long> results) throws IOException {
        try (OsPipe pipe = OsPipe.open()) {
            ByteBuffer out = ByteBuffer.allocateDirect(16);
            ByteBuffer in = ByteBuffer.allocate(16);
            results.put("pipe-write-read", measure(i -> {
                pipe.writeEnd().write(out.clear());
                if (pipe.readEnd().read(in.clear()) != 16) {
                    throw new AssertionError("16 bytes written, not read back");
                }
            }));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment segmentOut = arena.allocate(16);
                MemorySegment segmentIn = MemorySegment.ofArray(new byte[16]);
                results.put("pipe-segments", measure(i -> {
                    pipe.writeEnd().write(segmentOut);
                    if (pipe.readEnd().read(segmentIn) != 16) {
                        throw new AssertionError("16 bytes written, not read back");
                    }
                }));
            }
        }
    }

    private static void loop(Map<String, Long> results) throws IOException {
        try (EventLoop loop = EventLoop.open(); EventFd eventFd = EventFd.open()) {
            long[] reads = {0};
            loop.onReadable(eventFd, (IoSource source, int events) -> reads[0] += eventFd.read());
            results.put("loop-eventfd-dispatch", measure(i -> {
                eventFd.write(1);
                loop.runOnce(Duration.ZERO);
            }));
            if (reads[0] == 0) {
                throw new AssertionError("the eventfd handler never ran");
            }
        }
        try (EventLoop loop = EventLoop.open(); EventFd eventFd = EventFd.open()) {
            long[] posts = {0};
            loop.onReadable(eventFd, (IoSource source, int events) -> eventFd.read());
            loop.post(() -> posts[0]++); // as fdloop watch flushes its output after each iteration
            results.put("loop-post-hook-dispatch", measure(i -> {
                eventFd.write(1);
                loop.runOnce(Duration.ZERO);
            }));
            if (posts[0] == 0) {
                throw new AssertionError("the post hook never ran");
            }
        }
        try (EventLoop loop = EventLoop.open()) {
            long[] fired = {0};
            loop.scheduleAtFixedRate(Duration.ZERO, Duration.ofNanos(1), t -> fired[0]++);
            results.put("loop-timer-dispatch", measure(i -> loop.runOnce(Duration.ZERO)));
            if (fired[0] == 0) {
                throw new AssertionError("the timer never fired");
            }
        }
        try (EventLoop loop = EventLoop.open()) {
            long[] ran = {0};
            Runnable task = () -> ran[0]++;
            results.put("loop-execute", measure(i -> {
                loop.execute(task);
                loop.runOnce(Duration.ZERO);
            }));
            if (ran[0] == 0) {
                throw new AssertionError("no task ran");
            }
        }
    }

    private static long measure(Operation operation) throws IOException {
        long best = Long.MAX_VALUE;
        for (int pass = 0; pass < PASSES; pass++) {
            long before = Allocations.ofCurrentThread();
            for (int i = 0; i < ROUNDS; i++) {
                operation.run(i);
            }
            best = Math.min(best, Allocations.ofCurrentThread() - before);
        }
        return best;
    }
}
