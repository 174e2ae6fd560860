package org.fdloop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;
import org.fdloop.EventLoop;
import org.fdloop.IoSource;
import org.fdloop.backend.Backend;
import org.fdloop.backend.Poller;
import org.fdloop.fd.EventFd;

/**
 * The Java side of /work/shared/bench-c/eventfd_pingpong.c ({@code -m epoll -f eventfd}): two
 * {@link EventLoop}s on two platform threads, each with one {@link EventFd} source. A writes B's
 * eventfd; B's handler reads its eventfd and writes A's; A's handler reads its eventfd, counts a
 * round trip and writes B's again. Per hop that is what the C program does (epoll_wait, read,
 * write), plus whatever the loop adds.
 *
 * <p>{@code -m raw} is the same without the loops, to tell the loop's cost from Java's: each
 * thread has a {@link Poller} with its eventfd and runs the C program's loop (A: write B, wait,
 * read A; B: wait, read B, write A) through fdloop's downcalls.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp 'fdloop-bench/target/fdloop-bench.jar:fdloop-bench/target/lib/*' \
 *     org.fdloop.bench.LoopPingPong [-m loop|raw] [-n round_trips] [-w warmup] [-T max_seconds]
 * </pre>
 *
 * Prints one line in the C program's format ({@code name=value}), so that one summary reads
 * both. {@code affinity} is "same" when the process may run on one CPU only ({@code taskset -c 0},
 * which also pins the JVM's GC and JIT threads), else "none". {@code vcsw_per_rt} and
 * {@code ivcsw_per_rt} count the context switches of every thread of the process, as the C
 * program's getrusage(RUSAGE_SELF) does.
 */
public final class LoopPingPong {
    private final long roundTrips;
    private final long warmup;
    private final long maxNanos;

    private final EventFd fdA;
    private final EventFd fdB;
    private EventLoop loopA;
    private EventLoop loopB;

    private long done;
    private long t0;
    private long t1;
    private long deadline;
    private long[] switches0;
    private long[] switches1;
    private long measured;
    private volatile Throwable failure;
    private volatile boolean rawDone;

    private LoopPingPong(long roundTrips, long warmup, double maxSeconds) throws IOException {
        this.roundTrips = roundTrips;
        this.warmup = warmup;
        this.maxNanos = (long) (maxSeconds * 1e9);
        this.fdA = EventFd.open();
        this.fdB = EventFd.open();
    }

    public static void main(String[] args) throws Exception {
        long n = 1_000_000;
        long w = 200_000;
        double t = 10;
        boolean raw = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-n" -> n = Long.parseLong(args[++i]);
                case "-w" -> w = Long.parseLong(args[++i]);
                case "-T" -> t = Double.parseDouble(args[++i]);
                case "-m" -> raw = switch (args[++i]) {
                    case "loop" -> false;
                    case "raw" -> true;
                    default -> throw new IllegalArgumentException("-m is loop or raw, not " + args[i]);
                };
                default -> {
                    System.err.println("usage: LoopPingPong [-m loop|raw] [-n round_trips] [-w warmup] [-T max_seconds]");
                    System.exit(2);
                }
            }
        }
        if (n <= 0 || w < 0 || t <= 0) {
            System.err.println("round trips and max seconds are more than 0, warmup 0 or more");
            System.exit(2);
        }
        System.out.println(raw ? runRaw(n, w, t) : run(n, w, t));
    }

    /** Runs the ping-pong between two loops and returns its result line. */
    static String run(long roundTrips, long warmup, double maxSeconds) throws Exception {
        return new LoopPingPong(roundTrips, warmup, maxSeconds).run();
    }

    /** Runs the ping-pong without loops (see the class comment) and returns its result line. */
    static String runRaw(long roundTrips, long warmup, double maxSeconds) throws Exception {
        return new LoopPingPong(roundTrips, warmup, maxSeconds).runRaw();
    }

    private String run() throws Exception {
        loopB = EventLoop.builder().threadName("pingpong-B").errorHandler(this::fail).build();
        loopB.onReadable(fdB, this::onB);
        Thread threadB = loopB.start();

        loopA = EventLoop.builder().errorHandler(this::fail).build(); // this thread is A
        loopA.onReadable(fdA, this::onA);
        begin();
        fdB.write(1);
        loopA.run();

        loopB.stop();
        threadB.join();
        loopA.close();
        loopB.close();
        fdA.close();
        fdB.close();
        if (failure != null) {
            throw new IllegalStateException("the ping-pong failed", failure);
        }

        return result("loop");
    }

    private String result(String mode) throws IOException {
        double elapsed = (t1 - t0) / 1e9;
        return String.format(Locale.ROOT,
                "fdloop_pingpong mode=%s fd=eventfd affinity=%s rt=%d elapsed_s=%.3f rt_per_s=%.0f ns_per_rt=%.1f"
                        + " vcsw_per_rt=%.2f ivcsw_per_rt=%.3f",
                mode, affinity(), measured, elapsed, measured / elapsed, elapsed * 1e9 / measured,
                (double) (switches1[0] - switches0[0]) / measured, (double) (switches1[1] - switches0[1]) / measured);
    }

    /** The C program's loop in Java: a poller per thread, no EventLoop. */
    private String runRaw() throws Exception {
        try (Poller pollerA = Backend.EPOLL.open(1); Poller pollerB = Backend.EPOLL.open(1)) {
            pollerA.add(fdA.number(), IoSource.READABLE, 0);
            pollerB.add(fdB.number(), IoSource.READABLE, 0);
            Thread threadB = Thread.ofPlatform().name("pingpong-B").start(() -> {
                try {
                    while (true) {
                        if (pollerB.poll(-1) == 0) {
                            continue; // interrupted by a signal: wait again
                        }
                        fdB.read();
                        if (rawDone) {
                            return;
                        }
                        fdA.write(1);
                    }
                } catch (IOException | RuntimeException e) {
                    failure = e;
                }
            });
            long total = warmup + roundTrips;
            long i;
            for (i = 0; i < total && failure == null; i++) {
                if (i == warmup) {
                    startClock();
                }
                fdB.write(1);
                while (pollerA.poll(-1) == 0) {
                    // interrupted by a signal: wait again
                }
                fdA.read();
                if (i >= warmup && (i & 1023) == 0 && System.nanoTime() > deadline) {
                    i++;
                    break;
                }
            }
            t1 = System.nanoTime();
            switches1 = contextSwitches();
            measured = i - warmup;
            rawDone = true;
            fdB.write(1);
            threadB.join();
        } finally {
            fdA.close();
            fdB.close();
        }
        if (failure != null) {
            throw new IllegalStateException("the ping-pong failed", failure);
        }
        return result("raw");
    }

    private void begin() throws IOException {
        if (warmup == 0) {
            startClock();
        }
    }

    private void startClock() throws IOException {
        switches0 = contextSwitches();
        t0 = System.nanoTime();
        deadline = t0 + maxNanos;
    }

    /** A: one round trip is back; count it, then write B's eventfd again or stop. */
    private void onA(IoSource source, int events) throws IOException {
        fdA.read();
        done++;
        if (done == warmup) {
            startClock();
        }
        if (done > warmup) {
            long i = done - warmup;
            if (i == roundTrips || ((i & 1023) == 0 && System.nanoTime() > deadline)) {
                t1 = System.nanoTime();
                switches1 = contextSwitches(); // before B's thread ends and takes its counts along
                measured = i;
                loopA.stop();
                return;
            }
        }
        fdB.write(1);
    }

    /** B: read the token and send it back. */
    private void onB(IoSource source, int events) throws IOException {
        fdB.read();
        fdA.write(1);
    }

    /** A handler threw: stop both loops (the token is lost, nothing would wake them again). */
    private void fail(org.fdloop.Source source, Throwable error) {
        failure = error;
        loopA.stop();
        loopB.stop();
    }

    /** "same" when this process may run on one CPU only, else "none". */
    private static String affinity() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Cpus_allowed_list:")) {
                String list = line.substring(line.indexOf(':') + 1).trim();
                return list.matches("\\d+") ? "same" : "none";
            }
        }
        return "none";
    }

    /** Voluntary and involuntary context switches of every thread of this process so far. */
    private static long[] contextSwitches() throws IOException {
        long[] sum = new long[2];
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            sum[0] += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                            sum[1] += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException e) {
                    // the thread ended while we listed it; its switches are gone with it, ignoring
                }
            }
        }
        return sum;
    }
}
