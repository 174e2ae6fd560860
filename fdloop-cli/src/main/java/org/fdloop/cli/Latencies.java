package org.fdloop.cli;

import java.util.Arrays;
import java.util.Locale;

/** Latencies of one kind of event, in nanoseconds, and how many events came without one. */
final class Latencies {
    private long[] values = new long[64];
    private int size;
    private int unmeasured;

    void add(long nanos) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = nanos;
    }

    /** An event whose cause time is not known. */
    void countOnly() {
        unmeasured++;
    }

    int count() {
        return size + unmeasured;
    }

    int measured() {
        return size;
    }

    /** The nearest-rank percentile of the measured latencies ({@code fraction} 0..1); 0 when there is none. */
    long percentile(double fraction) {
        if (size == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        return sorted[(int) Math.min(size - 1, Math.max(0, Math.ceil(fraction * size) - 1))];
    }

    /** {@code json} with this summary's median_us and p99_us (microseconds) added. */
    Json addTo(Json json) {
        return json.field("median_us", micros(percentile(0.5))).field("p99_us", micros(percentile(0.99)));
    }

    /** The median and the p99, formatted: {"415.4 us", "2.94 ms"}; "-" where nothing was measured. */
    String[] formatted() {
        return measured() == 0 ? new String[] {"-", "-"} : new String[] {format(percentile(0.5)), format(percentile(0.99))};
    }

    /** {@code nanos} for people: {@code 45.1 us}, {@code 2.61 ms}. */
    static String format(long nanos) {
        return nanos >= 1_000_000 ? String.format(Locale.ROOT, "%.2f ms", nanos / 1e6)
                : String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
    }

    /** {@code nanos} in microseconds with one decimal, for JSON. */
    static double micros(long nanos) {
        return Math.round(nanos / 100.0) / 10.0;
    }
}
