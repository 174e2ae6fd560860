package org.fdloop.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import org.fdloop.EventLoop;
import org.fdloop.SignalRoute;
import org.fdloop.fd.EventFd;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalSet;

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
 * <p>{@code -t own} (the default) runs the loop on a thread of its own, and main sends; {@code -t
 * main} runs the loop on the thread that runs {@code main}, and a thread of its own sends. The
 * native route's signals wake a loop on main in one step from the second on (the process's main
 * thread blocks them once it took one, see {@code NativeSignalHandler.blockInMainThread}), a loop
 * elsewhere in two.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp 'fdloop-bench/target/fdloop-bench.jar:fdloop-bench/target/lib/*' \
 *     org.fdloop.bench.SignalLatency [-m native|jvm] [-t own|main] [-n samples] [-w warmup] [-g gap_ms]
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
        String thread = "own";
        for (int i = 0; i < args.length; i += 2) {
            String value = args[i + 1];
            switch (args[i]) {
                case "-m" -> mode = value;
                case "-n" -> n = Integer.parseInt(value);
                case "-w" -> warm = Integer.parseInt(value);
                case "-g" -> gap = Long.parseLong(value);
                case "-t" -> thread = value;
                default -> throw new IllegalArgumentException(
                        "usage: SignalLatency [-m native|jvm] [-t own|main] [-n samples] [-w warmup] [-g gap_ms]");
            }
        }
        SignalRoute route = switch (mode) {
            case "native" -> SignalRoute.NATIVE;
            case "jvm" -> SignalRoute.JVM;
            default -> throw new IllegalArgumentException("-m native or -m jvm, not " + mode);
        };
        if (!thread.equals("own") && !thread.equals("main")) {
            throw new IllegalArgumentException("-t own (the loop on a thread of its own) or -t main (on the thread that runs main), not " + thread);
        }
        System.out.println(run(route, n, warm, gap, thread.equals("main")));
    }

    /** Sends {@code warm + n} signals one at a time, each after the handler's ack of the last; records the last n. */
    private static void send(long pid, EventFd ack, int warm, int n, long gap, long[] latency) throws Exception {
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
    }

    /**
     * Measures {@code n} signals after {@code warm} back-to-back ones; the result line. With
     * {@code loopOnMain} the loop runs on the thread that runs {@code main} and a thread of its own
     * sends; else the loop has a thread of its own and main sends.
     */
    static String run(SignalRoute route, int n, int warm, long gap, boolean loopOnMain) throws Exception {
        String mode = route == SignalRoute.NATIVE ? "native" : "jvm";
        long pid = ProcessHandle.current().pid();
        long[] latency = new long[n];
        try (EventLoop loop = EventLoop.builder().signalRoute(route).threadName("signal-loop").build();
                EventFd ack = EventFd.open()) {
            loop.onSignal(Signal.USR1, (source, signal, count) -> {
                handlerNanos = System.nanoTime();
                ack.write(1);
            });
            Callable<Void> sender = () -> {
                // as in the C programs, the sending thread never takes the signal itself
                SignalSet before = SignalSet.of(Signal.USR1).block();
                try {
                    send(pid, ack, warm, n, gap, latency);
                } finally {
                    before.setAsThreadMask();
                }
                return null;
            };
            if (loopOnMain) {
                FutureTask<Void> sending = new FutureTask<>(sender);
                Thread thread = Thread.ofPlatform().name("signal-sender").start(() -> {
                    sending.run();
                    loop.stop();
                });
                loop.run();
                thread.join();
                sending.get(); // its failure, if it failed
            } else {
                Thread thread = loop.start();
                try {
                    sender.call();
                } finally {
                    loop.stop();
                    thread.join();
                }
            }
        }
        Arrays.sort(latency);
        double mean = Arrays.stream(latency).average().orElse(0) / 1000.0;
        return String.format(Locale.ROOT, "signal_latency mode=%s loop_thread=%s sig=SIGUSR1 samples=%d gap_ms=%d affinity=%s "
                        + "p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f mean_us=%.1f",
                mode, loopOnMain ? "main" : "own", n, gap, SideBySide.affinity(), SideBySide.percentile(latency, 0.5), SideBySide.percentile(latency, 0.9),
                SideBySide.percentile(latency, 0.99), latency[n - 1] / 1000.0, mean);
    }
}
