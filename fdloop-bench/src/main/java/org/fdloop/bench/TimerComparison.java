package org.fdloop.bench;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.fdloop.EventLoop;
import org.fdloop.TimerHandler;
import org.fdloop.TimerSource;

/**
 * Timers side by side in one JVM: fdloop's {@link EventLoop} timers,
 * {@link ScheduledThreadPoolExecutor} (one thread; with remove-on-cancel, and with the default
 * that only marks a cancelled task), Netty's {@link HashedWheelTimer} (1 ms tick, 512 buckets)
 * and, with {@code -c}, the C program timer_heap.c (libev's 4-ary heap, in a process of its own
 * per round). Rounds alternate them (the order rotates each round); the first round of each is a
 * warm-up and is not counted.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Xms2g -Xmx2g -cp 'fdloop-bench/target/fdloop-bench.jar:fdloop-bench/target/lib/*' \
 *     org.fdloop.bench.TimerComparison [-m timers] [-f fired] [-r rounds] [-c fdloop-bench/target/bench-c/timer_heap]
 * </pre>
 *
 * Per round and implementation, in ns per operation:
 * <ul>
 *   <li>{@code schedule}: M timers (default 1,000,000) with random delays of 1 to 1000 s, so
 *       none fires; as in the C baselines' uv_bench/ev_bench.
 *   <li>{@code cancel}: the same M timers cancelled in random order.
 *   <li>{@code fire}: F timers (default 100,000) due within 20 ms; once all are due, the time to
 *       dispatch all of them, per timer. fdloop: the loop's thread sleeps 25 ms, then runs
 *       {@code runOnce} until every handler ran. The peers fire on their own worker thread: it is
 *       held busy by a blocking task while the F timers are scheduled and for 25 ms after, then
 *       released, and the time runs from the release to the last handler.
 * </ul>
 * What each measures is not quite the same, and the docs say so: fdloop schedules and cancels on
 * its loop thread (a heap insert or removal at the call); the executor does the same under a
 * lock from the calling thread; the wheel only queues the request and its worker thread files it
 * into a bucket (or removes it) at the next tick, so its schedule and cancel figures leave that
 * work out, and its fire figure includes it.
 */
public final class TimerComparison {
    private static final String STPE_REMOVE = "ScheduledThreadPoolExecutor";
    private static final String STPE_LAZY = "ScheduledThreadPoolExecutor(removeOnCancel=false)";
    private static final String C_HEAP = "C 4-ary heap (timer_heap.c)";
    private static final long MAX_DELAY_NANOS = TimeUnit.SECONDS.toNanos(1000);
    private static final long FIRE_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long FIRE_SLEEP_MILLIS = 25;

    private final int timers;
    private final int fired;
    private final long[] delays;
    private final Duration[] delayDurations;
    private final long[] fireDelays;
    private final Duration[] fireDurations;
    private final int[] cancelOrder;
    /** The C baseline's binary (timer_heap.c), run once per round; null: not compared. */
    private final String cProgram;
    private final List<String> implementations;

    TimerComparison(int timers, int fired, String cProgram) {
        this.timers = timers;
        this.fired = fired;
        this.cProgram = cProgram;
        implementations = cProgram == null
                ? List.of("fdloop", STPE_REMOVE, STPE_LAZY, "HashedWheelTimer")
                : List.of("fdloop", STPE_REMOVE, STPE_LAZY, "HashedWheelTimer", C_HEAP);
        SplittableRandom random = new SplittableRandom(42);
        delays = new long[timers];
        delayDurations = new Duration[timers];
        for (int i = 0; i < timers; i++) {
            delays[i] = random.nextLong(TimeUnit.SECONDS.toNanos(1), MAX_DELAY_NANOS + 1);
            delayDurations[i] = Duration.ofNanos(delays[i]);
        }
        fireDelays = new long[fired];
        fireDurations = new Duration[fired];
        for (int i = 0; i < fired; i++) {
            fireDelays[i] = random.nextLong(FIRE_WINDOW_NANOS);
            fireDurations[i] = Duration.ofNanos(fireDelays[i]);
        }
        cancelOrder = new int[timers];
        for (int i = 0; i < timers; i++) {
            cancelOrder[i] = i;
        }
        for (int i = timers - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = cancelOrder[i];
            cancelOrder[i] = cancelOrder[j];
            cancelOrder[j] = t;
        }
    }

    public static void main(String[] args) throws Exception {
        int m = 1_000_000;
        int f = 100_000;
        int rounds = 5;
        String c = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-m" -> m = Integer.parseInt(args[++i]);
                case "-f" -> f = Integer.parseInt(args[++i]);
                case "-r" -> rounds = Integer.parseInt(args[++i]);
                case "-c" -> c = args[++i];
                default -> {
                    System.err.println("usage: TimerComparison [-m timers] [-f fired] [-r rounds] [-c timer_heap]");
                    System.exit(2);
                }
            }
        }
        if (m < 1 || f < 1 || rounds < 1) {
            System.err.println("timers, fired and rounds are at least 1");
            System.exit(2);
        }
        System.out.println("# " + SideBySide.describeRuntime());
        System.out.printf(Locale.ROOT, "# timers=%d fired=%d rounds=%d (+1 warm-up round, not counted)%n", m, f, rounds);
        System.out.println(new TimerComparison(m, f, c).run(rounds).markdown());
    }

    SideBySide run(int rounds) throws Exception {
        SideBySide table = new SideBySide(String.format(Locale.ROOT,
                "Timers: %,d scheduled then cancelled, %,d fired", timers, fired), "fdloop");
        for (int round = 0; round <= rounds; round++) {
            for (String impl : SideBySide.rotated(implementations, round)) {
                System.gc();
                double[] r = switch (impl) {
                    case "fdloop" -> fdloop();
                    case STPE_REMOVE -> executor(true);
                    case STPE_LAZY -> executor(false);
                    case C_HEAP -> cHeap();
                    default -> wheel();
                };
                System.out.printf(Locale.ROOT, "timers impl=%s round=%d schedule_ns=%.1f cancel_ns=%.1f fire_ns=%.1f%s%n",
                        impl, round, r[0], r[1], r[2], round == 0 ? " (warm-up)" : "");
                if (round > 0) {
                    table.add("schedule", impl, r[0]);
                    table.add("cancel", impl, r[1]);
                    table.add("fire", impl, r[2]);
                }
            }
        }
        return table;
    }

    // ---- fdloop ----------------------------------------------------------------------------------

    private int loopFired;

    private double[] fdloop() throws IOException {
        try (EventLoop loop = EventLoop.open()) {
            TimerHandler never = t -> { };
            TimerSource[] handles = new TimerSource[timers];
            long t0 = System.nanoTime();
            for (int i = 0; i < timers; i++) {
                handles[i] = loop.schedule(delayDurations[i], never);
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < timers; i++) {
                handles[cancelOrder[i]].cancel();
            }
            long t2 = System.nanoTime();

            loopFired = 0;
            TimerHandler count = t -> loopFired++;
            for (int i = 0; i < fired; i++) {
                loop.schedule(fireDurations[i], count);
            }
            sleep(FIRE_SLEEP_MILLIS);
            long t3 = System.nanoTime();
            while (loopFired < fired) {
                loop.runOnce(Duration.ZERO);
            }
            long t4 = System.nanoTime();
            return new double[] {(double) (t1 - t0) / timers, (double) (t2 - t1) / timers, (double) (t4 - t3) / fired};
        }
    }

    // ---- ScheduledThreadPoolExecutor ---------------------------------------------------------------

    /**
     * With {@code removeOnCancel} a cancel takes the task out of the executor's heap under its lock,
     * as fdloop's does; without it (the default) a cancel only marks the task, which stays queued
     * until its delay has passed (here 1 to 1000 s: the 1,000,000 cancelled tasks stay in memory).
     */
    private double[] executor(boolean removeOnCancel) throws InterruptedException {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
        executor.setRemoveOnCancelPolicy(removeOnCancel);
        try {
            Runnable never = () -> { };
            @SuppressWarnings("unchecked")
            ScheduledFuture<?>[] handles = new ScheduledFuture<?>[timers];
            long t0 = System.nanoTime();
            for (int i = 0; i < timers; i++) {
                handles[i] = executor.schedule(never, delays[i], TimeUnit.NANOSECONDS);
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < timers; i++) {
                handles[cancelOrder[i]].cancel(false);
            }
            long t2 = System.nanoTime();

            Gate gate = new Gate(fired);
            executor.execute(gate::hold);
            gate.awaitHeld();
            for (int i = 0; i < fired; i++) {
                executor.schedule(gate::count, fireDelays[i], TimeUnit.NANOSECONDS);
            }
            sleep(FIRE_SLEEP_MILLIS);
            long t3 = gate.release();
            return new double[] {(double) (t1 - t0) / timers, (double) (t2 - t1) / timers, (double) (gate.awaitLast() - t3) / fired};
        } finally {
            executor.getQueue().clear(); // the cancelled tasks left queued without removeOnCancel
            executor.shutdownNow();
            executor.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    // ---- HashedWheelTimer ------------------------------------------------------------------------

    private double[] wheel() throws InterruptedException {
        HashedWheelTimer wheel = new HashedWheelTimer(Thread.ofPlatform().name("wheel").factory(), 1, TimeUnit.MILLISECONDS, 512);
        try {
            wheel.start();
            TimerTask never = t -> { };
            Timeout[] handles = new Timeout[timers];
            long t0 = System.nanoTime();
            for (int i = 0; i < timers; i++) {
                handles[i] = wheel.newTimeout(never, delays[i], TimeUnit.NANOSECONDS);
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < timers; i++) {
                handles[cancelOrder[i]].cancel();
            }
            long t2 = System.nanoTime();
            // the worker removes cancelled timeouts at its next ticks: let it finish before the fire phase
            long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (wheel.pendingTimeouts() > 0) {
                if (System.nanoTime() > drainDeadline) {
                    throw new IllegalStateException(wheel.pendingTimeouts() + " cancelled timeouts still pending after 60 s");
                }
                sleep(1);
            }

            Gate gate = new Gate(fired);
            wheel.newTimeout(t -> gate.hold(), 0, TimeUnit.NANOSECONDS);
            gate.awaitHeld();
            TimerTask count = t -> gate.count();
            for (int i = 0; i < fired; i++) {
                wheel.newTimeout(count, fireDelays[i], TimeUnit.NANOSECONDS);
            }
            sleep(FIRE_SLEEP_MILLIS);
            long t3 = gate.release();
            return new double[] {(double) (t1 - t0) / timers, (double) (t2 - t1) / timers, (double) (gate.awaitLast() - t3) / fired};
        } finally {
            wheel.stop();
        }
    }

    // ---- C: timer_heap.c, libev's heap ---------------------------------------------------------

    /** One round of the C program (its own warm-up round first, not counted), in its own process. */
    private double[] cHeap() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cProgram, "-m", Integer.toString(timers), "-f", Integer.toString(fired), "-r", "1")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(cProgram + " exited with " + p.exitValue() + ": " + out);
        }
        for (String line : out.split("\n")) {
            if (line.startsWith("timers ") && line.contains(" round=1 ")) {
                var f = SideBySide.fields(line);
                return new double[] {Double.parseDouble(f.get("schedule_ns")), Double.parseDouble(f.get("cancel_ns")),
                        Double.parseDouble(f.get("fire_ns"))};
            }
        }
        throw new IOException(cProgram + " printed no round 1: " + out);
    }

    /** Holds a peer's worker thread busy, then counts the fired timers on it. */
    private static final class Gate {
        private final int expected;
        private final CountDownLatch held = new CountDownLatch(1);
        private final CountDownLatch open = new CountDownLatch(1);
        private final CountDownLatch last = new CountDownLatch(1);
        private int count; // on the worker thread only
        private volatile long lastNanos;

        Gate(int expected) {
            this.expected = expected;
        }

        /** Runs on the worker: blocks it until {@link #release}. */
        void hold() {
            held.countDown();
            try {
                open.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void awaitHeld() throws InterruptedException {
            if (!held.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the worker did not start the blocking task within 10 s");
            }
        }

        long release() {
            long now = System.nanoTime();
            open.countDown();
            return now;
        }

        void count() {
            if (++count == expected) {
                lastNanos = System.nanoTime();
                last.countDown();
            }
        }

        long awaitLast() throws InterruptedException {
            if (!last.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("only " + count + " of " + expected + " timers fired within 60 s");
            }
            return lastNanos;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
