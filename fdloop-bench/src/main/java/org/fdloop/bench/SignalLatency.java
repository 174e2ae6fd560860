package org.fdloop.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import org.fdloop.EventLoop;
import org.fdloop.SignalRoute;
import org.fdloop.fd.EventFd;
import org.fdloop.fd.Signal;

/**
 * The Java side of ../shared/bench-c/signal_latency.c: a process-directed SIGUSR1
 * ({@code kill(getpid(), SIGUSR1)}) to a handler on an event loop thread, one sample at a time.
 * latency = {@link System#nanoTime()} on the handler's first line minus the same clock just before
 * kill(); the main thread then waits for the handler's ack on an eventfd, sleeps {@code -g} ms
 * and sends the next. The {@code -w} warm-up samples (default 20,000) run back to back, so that
 * the JIT has compiled the loop's path before the measured ones (with 200, as the C program
 * uses, the p50 was twice as high: the path was still interpreted or in C1 code). The C program's handler is its epoll loop reading a signalfd; here it is
 * {@link EventLoop#onSignal} on the chosen route:
 *
 * <ul>
 * <li>{@code -m native}: fdloop's machine-code handler writes the siginfo into the loop's pipe;</li>
 * <li>{@code -m jvm}: the JVM's handler ({@code sun.misc.Signal}) on a thread the JVM starts,
 *     which wakes the loop through an eventfd.</li>
 * </ul>
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp 'fdloop-bench/target/fdloop-bench.jar:fdloop-bench/target/lib/*' \
 *     org.fdloop.bench.SignalLatency [-m native|jvm] [-n samples] [-w warmup] [-g gap_ms]
 * </pre>
 *
 * Prints one line in the C program's format ({@code name=value}). {@code affinity} is "same" when
 * the process may run on one CPU only ({@code taskset -c 0}), else "none" ({@link SideBySide#affinity}).
 */
public final class SignalLatency {
    private SignalLatency() {}

    private static volatile long handlerNanos;

    public static void main(String[] args) throws Exception {
        String mode = "native";
        int n = 2000;
        int warm = 20_000;
        long gap = 2;
        for (int i = 0; i < args.length; i += 2) {
            String value = args[i + 1];
            switch (args[i]) {
                case "-m" -> mode = value;
                case "-n" -> n = Integer.parseInt(value);
                case "-w" -> warm = Integer.parseInt(value);
                case "-g" -> gap = Long.parseLong(value);
                default -> throw new IllegalArgumentException("usage: SignalLatency [-m native|jvm] [-n samples] [-w warmup] [-g gap_ms]");
            }
        }
        SignalRoute route = switch (mode) {
            case "native" -> SignalRoute.NATIVE;
            case "jvm" -> SignalRoute.JVM;
            default -> throw new IllegalArgumentException("-m native or -m jvm, not " + mode);
        };
        System.out.println(run(route, n, warm, gap));
    }

    /** Measures {@code n} signals after {@code warm} back-to-back ones; the result line. */
    static String run(SignalRoute route, int n, int warm, long gap) throws Exception {
        String mode = route == SignalRoute.NATIVE ? "native" : "jvm";
        long pid = ProcessHandle.current().pid();
        long[] latency = new long[n];
        try (EventLoop loop = EventLoop.builder().signalRoute(route).threadName("signal-loop").build();
                EventFd ack = EventFd.open()) {
            loop.onSignal(Signal.USR1, (source, signal, count) -> {
                handlerNanos = System.nanoTime();
                ack.write(1);
            });
            Thread thread = loop.start();
            try {
                for (int i = 0; i < warm + n; i++) {
                    if (i >= warm) {
                        Thread.sleep(gap); // the warm-up runs back to back: it is there for the JIT
                    }
                    long t0 = System.nanoTime();
                    Signal.USR1.sendToProcess(pid);
                    do {
                        if (!ack.awaitReadable(Duration.ofSeconds(10))) {
                            throw new IllegalStateException("no handler ack for sample " + i + " within 10 s");
                        }
                    } while (ack.read() == 0); // a read that found the count taken: wait again
                    if (i >= warm) {
                        latency[i - warm] = handlerNanos - t0;
                    }
                }
            } finally {
                loop.stop();
                thread.join();
            }
        }
        Arrays.sort(latency);
        double mean = Arrays.stream(latency).average().orElse(0) / 1000.0;
        return String.format(Locale.ROOT, "signal_latency mode=%s sig=SIGUSR1 samples=%d gap_ms=%d affinity=%s p50_us=%.1f "
                        + "p90_us=%.1f p99_us=%.1f max_us=%.1f mean_us=%.1f",
                mode, n, gap, SideBySide.affinity(), SideBySide.percentile(latency, 0.5), SideBySide.percentile(latency, 0.9),
                SideBySide.percentile(latency, 0.99), latency[n - 1] / 1000.0, mean);
    }
}
