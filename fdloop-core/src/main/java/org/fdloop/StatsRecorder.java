package org.fdloop;

/**
 * What {@link EventLoop#stats()} reports, recorded on the loop thread: counts always, and with
 * {@link EventLoop.Builder#timing(boolean) timing} the time spent waiting and in each handler.
 *
 * <p>It also keeps the loop's clock: the latest {@link System#nanoTime()} reading, taken after
 * each wait and, with timing, after each handler, so that one reading ends a handler and starts
 * the next (a reading costs 20-50 ns).
 */
final class StatsRecorder {
    final boolean timing;
    /** The latest reading of System.nanoTime() (see the class comment). */
    long clock;

    private long iterations;
    private long eventsDispatched;
    private long wakeups;
    private long handlerNanos;
    private long waitNanos;
    private final long[] histogram = new long[64];
    private long slowestNanos;
    private String slowestName;

    StatsRecorder(boolean timing) {
        this.timing = timing;
    }

    void iteration() {
        iterations++;
    }

    void wakeup() {
        wakeups++;
    }

    /** A wait that began at {@code before} ended at {@code now} (the new clock). */
    void waited(long before, long now) {
        clock = now;
        if (timing) {
            waitNanos += now - before;
        }
    }

    /** The loop's own work since the last reading (taking timers off the heap): not the next handler's. */
    void skipLoopTime() {
        if (timing) {
            clock = System.nanoTime();
        }
    }

    /** A handler or task that started at {@code start} returned: counted, and timed with timing. */
    void finished(String name, long start) {
        eventsDispatched++;
        if (timing) {
            long end = System.nanoTime();
            clock = end;
            long nanos = end - start;
            handlerNanos += nanos;
            histogram[63 - Long.numberOfLeadingZeros(nanos | 1)]++;
            if (nanos > slowestNanos) {
                slowestNanos = nanos;
                slowestName = name;
            }
        }
    }

    /** A snapshot. Thread-safe in the sense of LoopStats: approximate from another thread. */
    LoopStats snapshot() {
        return new LoopStats(iterations, eventsDispatched, wakeups, handlerNanos, waitNanos, histogram, slowestNanos,
                slowestName, timing);
    }
}
