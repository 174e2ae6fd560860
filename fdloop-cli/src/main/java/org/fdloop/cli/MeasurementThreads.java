package org.fdloop.cli;

import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Waits for the threads of one measurement without waiting forever: a stop signal ends them early, and
 * so does a stall (no progress for a while: a lost wake-up would otherwise hang {@code fdloop bench}
 * with nothing on the screen). Each check runs every {@link #TICK}; stopping is the caller's
 * {@code stop}, which must be callable from any thread.
 */
final class MeasurementThreads {

    static final Duration TICK = Duration.ofMillis(200);

    private MeasurementThreads() {}

    /**
     * Joins {@code threads}. Returns null when they ended by themselves or after a stop request;
     * otherwise why they were cut: no progress for {@code stall}, or a thread that did not end within
     * {@code grace} of being told to stop (left running; the threads should be daemons).
     *
     * @param progress a count the threads advance while they measure
     * @param stopRequested true once the user asked to stop
     * @param stop tells the threads to end
     */
    static String await(List<Thread> threads, LongSupplier progress, BooleanSupplier stopRequested, Duration stall,
            Duration grace, Runnable stop) throws InterruptedException {
        long seen = progress.getAsLong();
        long lastMove = System.nanoTime();
        String cut = null;
        for (Thread t : threads) {
            while (!t.join(TICK)) {
                long now = progress.getAsLong();
                if (now != seen) {
                    seen = now;
                    lastMove = System.nanoTime();
                }
                if (stopRequested.getAsBoolean()) {
                    stop.run();
                    return joinWithin(threads, grace, null);
                }
                if (System.nanoTime() - lastMove > stall.toNanos()) {
                    cut = "no progress for " + stall.toSeconds() + " s (stuck at " + seen
                            + "): a wake-up was lost or a thread is blocked; the measurement was stopped";
                    stop.run();
                    return joinWithin(threads, grace, cut);
                }
            }
        }
        return null;
    }

    private static String joinWithin(List<Thread> threads, Duration grace, String cut) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                String stuck = t.getName() + " did not end within " + grace.toSeconds() + " s of being told to stop; left running";
                return cut == null ? stuck : cut + "; " + stuck;
            }
        }
        return cut;
    }
}
