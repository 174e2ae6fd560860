package org.fdloop;

import java.time.Duration;
import java.util.Arrays;

/**
 * What an event loop has done so far. Read on the loop thread it is exact; from another
 * thread it is a recent approximation.
 *
 * @param iterations loop iterations (each is one wait plus the dispatch that follows)
 * @param eventsDispatched handler calls (I/O readiness, timers, hooks, tasks)
 * @param wakeups times the loop was woken by another thread (execute, schedule, stop)
 * @param handlerNanos total time spent in handlers (0 unless the loop was built with
 *     {@code EventLoop.builder().timing(true)}, as are the next four)
 * @param waitNanos total time spent waiting in the kernel
 * @param handlerHistogram handler durations: entry i counts those of 2^i to 2^(i+1)-1 nanoseconds
 * @param slowestHandlerNanos the longest single handler call
 * @param slowestHandlerSource the name of the source whose handler took that long, or null
 * @param timed whether the loop was built with {@code timing(true)}: without it the five
 *     fields above are not measured (0 and null), and {@link #toString()} says "not timed"
 */
public record LoopStats(long iterations, long eventsDispatched, long wakeups, long handlerNanos, long waitNanos,
        long[] handlerHistogram, long slowestHandlerNanos, String slowestHandlerSource, boolean timed) {

    /** Statistics as the loop counted them; the histogram is copied. */
    public LoopStats {
        handlerHistogram = handlerHistogram.clone();
    }

    /** {@return the histogram (a copy)} */
    @Override
    public long[] handlerHistogram() {
        return handlerHistogram.clone();
    }

    /**
     * The handler duration below which {@code fraction} (0..1) of handler calls fell, rounded up to a power of two.
     *
     * @param fraction from 0 to 1: 0.5 for the median, 0.99 for the 99th percentile
     * @return the duration, rounded up to a power of two nanoseconds
     */
    public Duration handlerPercentile(double fraction) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("a fraction is from 0 to 1, not " + fraction);
        }
        long total = Arrays.stream(handlerHistogram).sum();
        long seen = 0;
        for (int i = 0; i < handlerHistogram.length; i++) {
            seen += handlerHistogram[i];
            if (total > 0 && seen >= Math.ceil(fraction * total)) {
                return Duration.ofNanos(i >= 62 ? Long.MAX_VALUE : (1L << (i + 1)) - 1);
            }
        }
        return Duration.ZERO;
    }

    @Override
    public String toString() {
        if (!timed) {
            return String.format("%d iterations, %d events, %d wake-ups, not timed (EventLoop.builder().timing(true) measures "
                    + "the time in handlers and waiting)", iterations, eventsDispatched, wakeups);
        }
        return String.format("%d iterations, %d events, %d wake-ups, %.3f ms in handlers, %.3f ms waiting, slowest %s (%.3f ms)",
                iterations, eventsDispatched, wakeups, handlerNanos / 1e6, waitNanos / 1e6,
                slowestHandlerSource, slowestHandlerNanos / 1e6);
    }
}
