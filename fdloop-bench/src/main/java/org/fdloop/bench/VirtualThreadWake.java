package org.fdloop.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.fdloop.fd.EventFd;
import org.fdloop.fd.OsPipe;

/**
 * Wake latency of a parked virtual thread: from just before a platform thread writes one byte
 * into a pipe to the virtual thread blocked reading that pipe running again, with fdloop's
 * poller ({@code OsPipe}'s read end through {@code inputStream()}) and with the JDK's
 * ({@code Pipe.SourceChannel.read} in blocking mode), in alternating runs in one JVM, each alone
 * and beside 10,000 other virtual threads parked on fds of their own (fdloop: {@code EventFd.take};
 * the JDK: {@code DatagramChannel.receive}; one fd each, so that 10,000 fit in RLIMIT_NOFILE).
 *
 * <p>One sample: the writer waits until the reader is parked (its state is WAITING), sleeps
 * {@code -g} µs, reads {@link System#nanoTime()} into a volatile and writes the byte; the reader,
 * as soon as its read returns, takes nanoTime again and unparks the writer. Each run has
 * {@code -w} warm-up samples, then {@code -n} measured ones.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp 'fdloop-bench/target/fdloop-bench.jar:fdloop-bench/target/lib/*' \
 *     org.fdloop.bench.VirtualThreadWake [-r rounds] [-n samples] [-w warmup] [-g gap_us] [-p parked]
 * </pre>
 *
 * Prints one line per run ({@code round= impl= parked= p50= p90= p99=}, µs) and then a Markdown
 * table: for each impl and number of parked threads the median over the rounds of p50 and p99,
 * and fdloop ÷ JDK, taken within each round.
 */
public final class VirtualThreadWake {
    private VirtualThreadWake() {}

    /** What the reader blocks in: one byte from a pipe. */
    private interface Reader {
        int readOne() throws IOException;
    }

    /** What the writer does to wake it. */
    private interface Writer {
        void writeOne() throws IOException;
    }

    private static volatile long sentAt;
    private static volatile int received;

    public static void main(String[] args) throws Exception {
        int rounds = 5;
        int n = 5_000;
        int warm = 5_000;
        long gapMicros = 50;
        int parked = 10_000;
        for (int i = 0; i < args.length; i += 2) {
            String value = args[i + 1];
            switch (args[i]) {
                case "-r" -> rounds = Integer.parseInt(value);
                case "-n" -> n = Integer.parseInt(value);
                case "-w" -> warm = Integer.parseInt(value);
                case "-g" -> gapMicros = Long.parseLong(value);
                case "-p" -> parked = Integer.parseInt(value);
                default -> throw new IllegalArgumentException(
                        "usage: VirtualThreadWake [-r rounds] [-n samples] [-w warmup] [-g gap_us] [-p parked]");
            }
        }
        System.out.println("# " + SideBySide.describeRuntime());
        System.out.println("# loadavg before: " + loadavg());
        // results.get("fdloop parked=0") = per-round {p50, p90, p99}
        Map<String, List<double[]>> results = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
            for (int others : new int[] {0, parked}) {
                for (String impl : SideBySide.rotated(List.of("fdloop", "jdk"), round)) {
                    double[] p = run(impl, others, n, warm, gapMicros * 1000);
                    results.computeIfAbsent(impl + " " + others, k -> new ArrayList<>()).add(p);
                    System.out.printf(Locale.ROOT, "round=%d impl=%s parked=%d p50=%.1f p90=%.1f p99=%.1f loadavg=%s%n",
                            round, impl, others, p[0], p[1], p[2], loadavg());
                }
            }
        }
        System.out.println("# loadavg after: " + loadavg());
        System.out.println();
        System.out.println("| µs, median over rounds (min..max) | parked | JDK | fdloop | fdloop ÷ JDK, per round |");
        System.out.println("|---|---:|---:|---:|---:|");
        for (int others : new int[] {0, parked}) {
            for (int q : new int[] {0, 2}) {
                List<double[]> jdk = results.get("jdk " + others);
                List<double[]> ours = results.get("fdloop " + others);
                List<Double> j = jdk.stream().map(p -> p[q]).toList();
                List<Double> f = ours.stream().map(p -> p[q]).toList();
                List<Double> ratio = new ArrayList<>();
                for (int r = 0; r < j.size(); r++) {
                    ratio.add(f.get(r) / j.get(r));
                }
                System.out.printf(Locale.ROOT, "| wake %s | %d | %.1f (%s) | %.1f (%s) | %.2f (%s) |%n", q == 0 ? "p50" : "p99",
                        others, SideBySide.median(j), SideBySide.range(j, "%.1f"), SideBySide.median(f),
                        SideBySide.range(f, "%.1f"), SideBySide.median(ratio), SideBySide.range(ratio, "%.2f"));
            }
        }
    }

    /** One run: {@code others} idle parked threads of the same implementation, then the samples; {p50, p90, p99} in µs. */
    private static double[] run(String impl, int others, int n, int warm, long gapNanos) throws Exception {
        List<AutoCloseable> closeAtEnd = new ArrayList<>();
        List<Thread> idle = new ArrayList<>();
        try {
            Reader reader;
            Writer writer;
            if (impl.equals("fdloop")) {
                OsPipe pipe = OsPipe.open();
                closeAtEnd.add(pipe);
                InputStream in = pipe.readEnd().inputStream();
                byte[] into = new byte[1];
                ByteBuffer one = ByteBuffer.allocate(1);
                reader = () -> in.read(into, 0, 1);
                writer = () -> pipe.writeEnd().write(one.clear());
                for (int i = 0; i < others; i++) {
                    EventFd never = EventFd.open();
                    closeAtEnd.add(never);
                    idle.add(Thread.ofVirtual().start(() -> {
                        try {
                            never.take();
                        } catch (IOException e) {
                            // closed at the end of the run: ClosedWhileWaitingException
                        }
                    }));
                }
            } else {
                Pipe pipe = Pipe.open();
                closeAtEnd.add(pipe.source());
                closeAtEnd.add(pipe.sink());
                ByteBuffer in = ByteBuffer.allocate(1);
                ByteBuffer one = ByteBuffer.allocate(1);
                reader = () -> pipe.source().read(in.clear());
                writer = () -> pipe.sink().write(one.clear());
                for (int i = 0; i < others; i++) {
                    DatagramChannel never = DatagramChannel.open();
                    never.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                    closeAtEnd.add(never);
                    idle.add(Thread.ofVirtual().start(() -> {
                        try {
                            never.receive(ByteBuffer.allocate(1));
                        } catch (IOException e) {
                            // closed at the end of the run: AsynchronousCloseException
                        }
                    }));
                }
            }
            for (Thread t : idle) {
                while (t.getState() != Thread.State.WAITING) {
                    Thread.sleep(1); // 10,000 to start: leave them the CPUs
                }
            }
            return measure(reader, writer, n, warm, gapNanos);
        } finally {
            for (int i = closeAtEnd.size() - 1; i >= 0; i--) {
                closeAtEnd.get(i).close();
            }
            for (Thread t : idle) {
                t.join();
            }
        }
    }

    private static double[] measure(Reader reader, Writer writer, int n, int warm, long gapNanos) throws Exception {
        long[] latency = new long[warm + n];
        Thread main = Thread.currentThread();
        received = 0;
        Thread thread = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < latency.length; i++) {
                    if (reader.readOne() != 1) {
                        throw new IllegalStateException("the pipe ended");
                    }
                    latency[i] = System.nanoTime() - sentAt;
                    received = i + 1;
                    LockSupport.unpark(main);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        for (int i = 0; i < latency.length; i++) {
            awaitParked(thread);
            LockSupport.parkNanos(gapNanos);
            sentAt = System.nanoTime();
            writer.writeOne();
            while (received != i + 1) {
                if (!thread.isAlive()) {
                    throw new IllegalStateException("the reader ended after " + received + " samples");
                }
                LockSupport.parkNanos(1_000_000);
            }
        }
        thread.join();
        long[] measured = Arrays.copyOfRange(latency, warm, latency.length);
        Arrays.sort(measured);
        return new double[] {SideBySide.percentile(measured, 0.5), SideBySide.percentile(measured, 0.9),
                             SideBySide.percentile(measured, 0.99)};
    }

    private static void awaitParked(Thread t) {
        while (t.getState() != Thread.State.WAITING) {
            if (!t.isAlive()) {
                throw new IllegalStateException(t + " ended before it parked");
            }
            Thread.onSpinWait();
        }
    }

    private static String loadavg() {
        try {
            String line = Files.readAllLines(Path.of("/proc/loadavg")).getFirst();
            String[] parts = line.split(" ");
            return parts[0] + "," + parts[1] + "," + parts[2];
        } catch (IOException e) {
            return "?";
        }
    }
}
