package org.fdloop.bench;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;
import org.fdloop.EventLoop;
import org.fdloop.IoSource;
import org.fdloop.backend.Backend;
import org.fdloop.backend.Poller;
import org.fdloop.fd.EventFd;

/**
 * The Java side of fdloop-bench/src/main/c/eventfd_pingpong.c ({@code -m epoll -f eventfd}): two
 * {@link EventLoop}s on two platform threads, each with one {@link EventFd} source. A writes B's
 * eventfd; B's handler reads its eventfd and writes A's; A's handler reads its eventfd, counts a
 * round trip and writes B's again. Per hop that is what the C program does (epoll_wait, read,
 * write), plus whatever the loop adds.
 *
 * <p>{@code -m loop} builds the loops with the defaults ({@code EventLoop.builder()}), which
 * time nothing (timing is opt-in); {@code -m loop-timed} builds them with {@code timing(true)}: a
 * clock reading after each wait and each handler, for the times in their stats.
 * {@code -m loop-untimed} builds them with {@code timing(false)}, today's default: an alias of
 * {@code loop}, kept so that ab-pingpong.sh can name the same build against a base older than
 * timing becoming opt-in (whose {@code loop} is today's {@code loop-timed}). {@code -m raw} is the
 * same without the loops, to tell the loop's cost from Java's: each thread has a {@link Poller}
 * with its eventfd and runs the C program's loop (A: write B, wait, read A; B: wait, read B,
 * write A) through fdloop's downcalls.
 *
 * <p>The warm-up is two to five passes of {@code -w} round trips (default 100,000), each followed
 * by a pause until the JIT has been idle for 300 ms, until a pass compiles nothing; only then does
 * the clock start. The C program needs none of it, but a JVM pinned to one CPU would otherwise
 * share it with the JIT compiler during the measured pass.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp 'fdloop-bench/target/fdloop-bench.jar:fdloop-bench/target/lib/*' \
 *     org.fdloop.bench.LoopPingPong [-m loop|loop-timed|loop-untimed|raw] [-n round_trips] [-w warmup] [-T max_seconds]
 * </pre>
 *
 * Prints one line in the C program's format ({@code name=value}), so that one summary reads
 * both. {@code affinity} is "same" when the process may run on one CPU only ({@code taskset -c 0},
 * which also pins the JVM's GC and JIT threads), else "none". {@code vcsw_per_rt} and
 * {@code ivcsw_per_rt} count the context switches of every thread of the process, as the C
 * program's getrusage(RUSAGE_SELF) does. {@code user_ns_per_rt} and {@code sys_ns_per_rt} are the
 * process's CPU time per round trip in user space and in the kernel (from /proc, in 10 ms ticks):
 * on a shared machine they vary less than the rate, which also counts time other processes ran.
 * {@code p10_batch_ns_per_rt} is the 10th percentile of the times of the measured pass's batches
 * of 1024 round trips, per round trip: what a round trip costs when nothing else got in the way
 * (the C program has no such figure; compare it between Java runs).
 */
public final class LoopPingPong {
    /** /proc's clock tick (USER_HZ), 100 per second on every Linux architecture fdloop runs on. */
    private static final double NANOS_PER_TICK = 1e9 / 100;

    private final long roundTrips;
    private final long warmup;
    private final long maxNanos;

    private final EventFd fdA;
    private final EventFd fdB;
    private EventLoop loopA;
    private volatile EventLoop loopB;
    /**
     * Each pass runs both loops anew: B's thread calls run() once per pass, as A does, so that
     * both threads run the code the JIT compiled last (a thread that stayed in one run() call
     * since the start may still be in an older, deoptimised or OSR frame).
     */
    private final Semaphore passStarts = new Semaphore(0);
    private final Semaphore passEnds = new Semaphore(0);
    private volatile boolean finished;

    private long done;
    private long target;
    private long passDeadline;
    /** Durations of the pass's batches of 1024 round trips (the clock is read once per batch). */
    private long[] batches = new long[0];
    private int batchCount;
    private long batchStart;
    private long stoppedAt;
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
        long w = 100_000;
        double t = 10;
        String mode = "loop";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-n" -> n = Long.parseLong(args[++i]);
                case "-w" -> w = Long.parseLong(args[++i]);
                case "-T" -> t = Double.parseDouble(args[++i]);
                case "-m" -> mode = switch (args[++i]) {
                    case "loop", "loop-timed", "loop-untimed", "raw" -> args[i];
                    default -> throw new IllegalArgumentException("-m is loop, loop-timed, loop-untimed or raw, not " + args[i]);
                };
                default -> {
                    System.err.println("usage: LoopPingPong [-m loop|loop-timed|loop-untimed|raw] [-n round_trips] [-w warmup] [-T max_seconds]");
                    System.exit(2);
                }
            }
        }
        if (n <= 0 || w < 0 || t <= 0) {
            System.err.println("round trips and max seconds are more than 0, warmup 0 or more");
            System.exit(2);
        }
        System.out.println(switch (mode) {
            case "raw" -> runRaw(n, w, t);
            default -> run(n, w, t, mode);
        });
    }

    /** Runs the ping-pong between two loops built as {@code mode} says and returns its result line. */
    static String run(long roundTrips, long warmup, double maxSeconds, String mode) throws Exception {
        return new LoopPingPong(roundTrips, warmup, maxSeconds).run(mode);
    }

    /** A loop as {@code mode} builds it: the defaults, or timing set explicitly. */
    private EventLoop open(String mode) throws IOException {
        EventLoop.Builder builder = EventLoop.builder().errorHandler(this::fail);
        switch (mode) {
            case "loop-timed" -> builder.timing(true);
            case "loop-untimed" -> builder.timing(false);
            default -> { } // "loop": the defaults
        }
        return builder.build();
    }

    /** Runs the ping-pong without loops (see the class comment) and returns its result line. */
    static String runRaw(long roundTrips, long warmup, double maxSeconds) throws Exception {
        return new LoopPingPong(roundTrips, warmup, maxSeconds).runRaw();
    }

    private String run(String mode) throws Exception {
        CountDownLatch opened = new CountDownLatch(1);
        Thread threadB = Thread.ofPlatform().name("pingpong-B").start(() -> {
            try (EventLoop loop = open(mode)) {
                loop.onReadable(fdB, this::onB);
                loopB = loop;
                opened.countDown();
                while (true) {
                    passStarts.acquire();
                    if (finished) {
                        return;
                    }
                    try {
                        loop.run(); // until onA stops it at the end of the pass
                    } finally {
                        passEnds.release();
                    }
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                fail(null, e);
                opened.countDown();
            }
        });
        opened.await();
        if (failure != null) {
            throw new IllegalStateException("loop B did not open", failure);
        }

        loopA = open(mode); // this thread is A
        loopA.onReadable(fdA, this::onA);
        warmUp(() -> loopPass(warmup, Long.MAX_VALUE));
        startClock();
        measured = loopPass(roundTrips, deadline);
        stopClock();

        finished = true;
        passStarts.release();
        threadB.join();
        loopA.close();
        fdA.close();
        fdB.close();
        if (failure != null) {
            throw new IllegalStateException("the ping-pong failed", failure);
        }
        return result(mode);
    }

    /** Bounces the token {@code count} times (fewer if the clock passes {@code until}); returns how many. */
    private long loopPass(long count, long until) throws IOException {
        startBatches(count);
        done = 0;
        target = count;
        passDeadline = until;
        passStarts.release();
        fdB.write(1);
        loopA.run(); // until onA stops it
        passEnds.acquireUninterruptibly();
        if (failure != null) {
            throw new IOException("the ping-pong failed", failure);
        }
        return done;
    }

    /** A: one round trip is back; count it, then write B's eventfd again or stop. */
    private void onA(IoSource source, int events) throws IOException {
        fdA.read();
        long i = ++done;
        if ((i & 1023) == 0 && batch() > passDeadline || i == target) {
            stoppedAt = System.nanoTime();
            loopA.stop();
            loopB.stop();
            return;
        }
        fdB.write(1);
    }

    private String result(String mode) throws IOException {
        double elapsed = (t1 - t0) / 1e9;
        return String.format(Locale.ROOT,
                "fdloop_pingpong mode=%s fd=eventfd affinity=%s rt=%d elapsed_s=%.3f rt_per_s=%.0f ns_per_rt=%.1f"
                        + " vcsw_per_rt=%.2f ivcsw_per_rt=%.3f user_ns_per_rt=%.0f sys_ns_per_rt=%.0f p10_batch_ns_per_rt=%.0f",
                mode, SideBySide.affinity(), measured, elapsed, measured / elapsed, elapsed * 1e9 / measured,
                (double) (switches1[0] - switches0[0]) / measured, (double) (switches1[1] - switches0[1]) / measured,
                (switches1[2] - switches0[2]) * NANOS_PER_TICK / measured, (switches1[3] - switches0[3]) * NANOS_PER_TICK / measured,
                p10BatchNanosPerRoundTrip());
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
            warmUp(() -> rawPass(pollerA, warmup, Long.MAX_VALUE));
            startClock();
            measured = rawPass(pollerA, roundTrips, deadline);
            stopClock();
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

    /** A's side of the raw ping-pong: as {@link #loopPass}, in the C program's loop. */
    private long rawPass(Poller pollerA, long count, long until) throws IOException {
        startBatches(count);
        long i = 0;
        while (i < count && failure == null) {
            fdB.write(1);
            while (pollerA.poll(-1) == 0) {
                // interrupted by a signal: wait again
            }
            fdA.read();
            i++;
            if ((i & 1023) == 0 && batch() > until) {
                break;
            }
        }
        stoppedAt = System.nanoTime();
        return i;
    }

    private void startBatches(long count) {
        if (batches.length < count / 1024 + 1) {
            batches = new long[(int) (count / 1024 + 1)];
        }
        batchCount = 0;
        batchStart = System.nanoTime();
    }

    /** Ends a batch of 1024 round trips; returns the time. */
    private long batch() {
        long now = System.nanoTime();
        if (batchCount < batches.length) {
            batches[batchCount++] = now - batchStart;
        }
        batchStart = now;
        return now;
    }

    /** The 10th percentile of the measured pass's batch times, per round trip: the cost with the least interference. */
    private double p10BatchNanosPerRoundTrip() {
        if (batchCount == 0) {
            return Double.NaN;
        }
        long[] sorted = java.util.Arrays.copyOf(batches, batchCount);
        java.util.Arrays.sort(sorted);
        return sorted[batchCount / 10] / 1024.0;
    }

    /** One pass of the ping-pong. */
    private interface Pass {
        long run() throws IOException;
    }

    /**
     * Runs warm-up passes, each exactly as the measured one (clock and /proc readings included),
     * each followed by a pause until the JIT is idle, until one pass compiled nothing (at most 5).
     * One pass is not enough: the end of the first takes a branch the JIT had compiled as never
     * taken, and the recompilation needs a second pass's profile.
     */
    private void warmUp(Pass pass) throws IOException, InterruptedException {
        if (warmup == 0) {
            return;
        }
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        for (int i = 0; i < 5; i++) {
            long before = jitMillis(jit);
            startClock();
            pass.run();
            stopClock();
            settle(jit);
            if (i > 0 && jitMillis(jit) == before) {
                return;
            }
        }
    }

    private static long jitMillis(CompilationMXBean jit) {
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /**
     * Waits until the JIT has been idle for 300 ms (at most 10 s): what a warm-up pass queued is
     * compiled before the clock starts, and on one CPU the compiler does not share it with the
     * measured pass.
     */
    private static void settle(CompilationMXBean jit) throws InterruptedException {
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            Thread.sleep(1000);
            return;
        }
        long giveUp = System.nanoTime() + 10_000_000_000L;
        long last = jit.getTotalCompilationTime();
        int quiet = 0;
        while (quiet < 3 && System.nanoTime() < giveUp) {
            Thread.sleep(100);
            long now = jit.getTotalCompilationTime();
            quiet = now == last ? quiet + 1 : 0;
            last = now;
        }
    }

    private void startClock() throws IOException {
        switches0 = contextSwitches();
        t0 = System.nanoTime();
        deadline = t0 + maxNanos;
    }

    private void stopClock() throws IOException {
        t1 = stoppedAt;
        switches1 = contextSwitches();
    }

    /** B: read the token and send it back. */
    private void onB(IoSource source, int events) throws IOException {
        fdB.read();
        fdA.write(1);
    }

    /** A handler threw: stop both loops (the token is lost, nothing would wake them again). */
    private void fail(org.fdloop.Source source, Throwable error) {
        failure = error;
        if (loopA != null) {
            loopA.stop();
        }
        if (loopB != null) {
            loopB.stop();
        }
    }

    /**
     * Voluntary and involuntary context switches, and user and system CPU time in clock ticks,
     * of every thread of this process so far.
     */
    private static long[] contextSwitches() throws IOException {
        long[] sum = new long[4];
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    // stat: "pid (comm) state ..." with utime and stime the 14th and 15th fields
                    String stat = Files.readString(task.resolve("stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    sum[2] += Long.parseLong(fields[11]);
                    sum[3] += Long.parseLong(fields[12]);
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
