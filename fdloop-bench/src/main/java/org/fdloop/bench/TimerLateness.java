package org.fdloop.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import org.fdloop.EventLoop;
import org.fdloop.TimerSource;
import org.fdloop.fd.TimerFd;

/**
 * The Java side of fdloop-bench/src/main/c/timerfd_jitter.c: how late a periodic timer wakes an event
 * loop. A timer with period {@code -p} µs runs for {@code -d} seconds; each expiry's lateness is
 * {@link System#nanoTime()} on the handler's first line minus the expiry's due time (both
 * CLOCK_MONOTONIC).
 *
 * <ul>
 * <li>{@code -m loop}: {@link EventLoop#scheduleAtFixedRate}, the loop's timer queue, which the
 *     loop waits for as the nanosecond timeout of epoll_pwait2: the C program's {@code -m pwait2}
 *     (both subject to the thread's timer slack, 50 µs by default);</li>
 * <li>{@code -m timerfd}: a {@link TimerFd} armed periodic at an absolute first expiry, read by
 *     its handler in the loop: the C program's {@code -m epoll} (a timerfd has no slack).</li>
 * </ul>
 *
 * <p>{@code -s} sets the loop thread's timer slack ({@link EventLoop.Builder#timerSlack}), as the C
 * program's {@code -s} does; without it the thread keeps its own (50 µs by default).
 *
 * <p>Before measuring, the same path runs {@code -w} times back to back (a timer that is always
 * due), so that what is measured is compiled code: a loop that has not warmed up wakes 150-200 µs
 * later than C on this VM, a warm one 30-70 µs.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp 'fdloop-bench/target/fdloop-bench.jar:fdloop-bench/target/lib/*' \
 *     org.fdloop.bench.TimerLateness [-m loop|timerfd] [-p period_us] [-d duration_s] [-w warmup] [-s timer_slack_ns]
 * </pre>
 *
 * Prints one line in the C program's format, {@code mode} prefixed with {@code fdloop-}.
 */
public final class TimerLateness {
    private TimerLateness() {}

    public static void main(String[] args) throws Exception {
        String mode = "loop";
        long periodMicros = 1000;
        double seconds = 5;
        int warm = 300_000;
        long slack = 0;
        for (int i = 0; i < args.length; i += 2) {
            String value = args[i + 1];
            switch (args[i]) {
                case "-m" -> mode = value;
                case "-p" -> periodMicros = Long.parseLong(value);
                case "-d" -> seconds = Double.parseDouble(value);
                case "-w" -> warm = Integer.parseInt(value);
                case "-s" -> slack = Long.parseLong(value);
                default -> throw new IllegalArgumentException(
                        "usage: TimerLateness [-m loop|timerfd] [-p period_us] [-d duration_s] [-w warmup] [-s timer_slack_ns]");
            }
        }
        long period = periodMicros * 1000;
        int expiries = (int) Math.max(1, Math.round(seconds * 1e9 / period));
        long[] lateness = switch (mode) {
            case "loop" -> loopTimer(period, expiries, warm, slack);
            case "timerfd" -> timerFd(period, expiries, warm, slack);
            default -> throw new IllegalArgumentException("-m loop or -m timerfd, not " + mode);
        };
        System.out.println(line("fdloop-" + mode, periodMicros, slack, lateness));
    }

    /** The loop's own timer queue. */
    static long[] loopTimer(long period, int expiries, int warm, long slack) throws Exception {
        long[] lateness = new long[expiries];
        try (EventLoop loop = open(slack)) {
            TimerSource warming = loop.scheduleAtFixedRate(Duration.ZERO, Duration.ofNanos(1), t -> { });
            for (int i = 0; i < warm; i++) {
                loop.runOnce(Duration.ZERO);
            }
            warming.close();
            int[] k = {0};
            loop.scheduleAtFixedRate(Duration.ofNanos(period), Duration.ofNanos(period), t -> {
                long now = System.nanoTime();
                lateness[k[0]++] = now - t.deadlineNanos();
                if (k[0] == expiries) {
                    t.close(); // the loop's last source: run() returns
                }
            });
            loop.run();
        }
        return lateness;
    }

    /** A timerfd in the loop, as the C program's epoll mode. */
    static long[] timerFd(long period, int expiries, int warm, long slack) throws Exception {
        long[] lateness = new long[expiries];
        try (EventLoop loop = open(slack); TimerFd warming = TimerFd.open(TimerFd.Clock.MONOTONIC);
                TimerFd timer = TimerFd.open(TimerFd.Clock.MONOTONIC)) {
            // warm-up: a timerfd that expires every microsecond, read by the same kind of handler
            warming.arm(Duration.ofNanos(1000), Duration.ofNanos(1000));
            var source = loop.onReadable(warming, (s, events) -> warming.readExpirations()); // the read clears readiness
            for (int i = 0; i < warm; i++) {
                loop.runOnce(Duration.ofMillis(1));
            }
            source.close();
            long first = timer.clockNanos() + period;
            timer.armAtClockNanos(first, Duration.ofNanos(period));
            long[] due = {0}; // expiries counted so far
            int[] k = {0};
            loop.onReadable(timer, (s, events) -> {
                long now = System.nanoTime();
                long count = timer.readExpirations();
                if (count <= 0) {
                    return;
                }
                due[0] += count;
                lateness[k[0]++] = now - (first + (due[0] - 1) * period);
                // k[0] <= due[0] (each call adds 1 to k, count >= 1 to due), so k[0] never passes expiries
                if (due[0] >= expiries) {
                    s.close();
                }
            });
            loop.run();
            return Arrays.copyOf(lateness, k[0]);
        }
    }

    /** A loop, with {@link EventLoop.Builder#timerSlack} when {@code slack} is not 0. */
    private static EventLoop open(long slack) throws java.io.IOException {
        EventLoop.Builder builder = EventLoop.builder();
        if (slack != 0) {
            builder.timerSlack(Duration.ofNanos(slack));
        }
        return builder.build();
    }

    /** timerfd_jitter's output line for these latenesses (ns); slack 0 is the thread's own, printed as 50000. */
    static String line(String mode, long periodMicros, long slack, long[] lateness) {
        long[] sorted = lateness.clone();
        Arrays.sort(sorted);
        double mean = Arrays.stream(sorted).average().orElse(0);
        return String.format(Locale.ROOT,
                "timerfd_jitter mode=%s period_us=%d slack_ns=%d wakeups=%d late_p50_us=%.1f late_p90_us=%.1f late_p99_us=%.1f "
                        + "late_max_us=%.1f late_mean_us=%.1f",
                mode, periodMicros, slack == 0 ? 50_000 : slack, sorted.length, SideBySide.percentile(sorted, 0.5),
                SideBySide.percentile(sorted, 0.9), SideBySide.percentile(sorted, 0.99),
                sorted[sorted.length - 1] / 1000.0, mean / 1000.0);
    }
}
