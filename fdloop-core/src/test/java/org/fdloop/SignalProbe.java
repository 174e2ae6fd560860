package org.fdloop;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalSet;

/**
 * A program that {@link LoopSignalChildJvmTest} runs in a JVM of its own, for what a test JVM
 * cannot do to itself: take SIGTERM for real, run under nohup or -Xrs, without the native
 * handler. {@code -Dfdloop.test.route=JVM|NATIVE} builds its loops with that route.
 *
 * <pre>
 * SignalProbe register SIGNAL     tries onSignal(SIGNAL) in two loops and prints "registered ROUTE" or the refusal
 * SignalProbe take SIGNAL         takes SIGNAL sent to itself, closes the source, says whether it is ignored then
 * SignalProbe term                takes SIGTERM in a loop, closes the source, then sends SIGTERM again
 * SignalProbe steer SIGNAL main|own  takes SIGNAL in a loop on main or on a thread of its own, and says
 *                                 whether the process's main thread blocks SIGNAL then and after close
 * SignalProbe senders SIGNAL...   takes the SIGNALs in a loop on main, sends each to itself once the loop
 *                                 waited, prints the sender of every signal it takes, until its own came
 * SignalProbe asyncio OWNER       signal-driven I/O on a pipe to OWNER (PROCESS, PROCESS_GROUP), one write
 * </pre>
 */
public final class SignalProbe {
    private SignalProbe() {}

    /**
     * Whether the process's main thread (id = pid) blocks {@code signal} for good, from its /proc
     * status. While a handler for the signal runs there, the kernel blocks it for the handler's
     * few instructions too: so one look that finds it unblocked within 200 ms says no, and only
     * a mask that stays blocked that long says yes.
     */
    private static String blockedInMain(Signal signal) {
        int main = (int) ProcessHandle.current().pid();
        long deadline = System.nanoTime() + Duration.ofMillis(200).toNanos();
        try {
            do {
                if (!SignalSet.blockedInThread(main).contains(signal)) {
                    return "false";
                }
                Thread.sleep(1);
            } while (System.nanoTime() - deadline < 0);
            return "true";
        } catch (java.io.IOException | InterruptedException e) {
            return e.toString();
        }
    }

    public static void main(String[] args) throws Exception {
        long pid = ProcessHandle.current().pid();
        String route = System.getProperty("fdloop.test.route");
        EventLoop.Builder builder = EventLoop.builder();
        if (route != null) {
            builder.signalRoute(SignalRoute.valueOf(route));
        }
        try (EventLoop loop = builder.build()) {
            switch (args[0]) {
                case "register" -> {
                    try (EventLoop other = builder.build()) {
                        loop.onSignal(Signal.parse(args[1]), (s, signal, count) -> {});
                        other.onSignal(Signal.parse(args[1]), (s, signal, count) -> {});
                        System.out.println("registered " + loop.signalRoute() + " " + other.signalRoute());
                    } catch (IllegalStateException | IllegalArgumentException e) {
                        System.out.println("refused: " + e.getClass().getSimpleName() + ": " + e.getMessage());
                    }
                }
                case "take" -> {
                    Signal signal = Signal.parse(args[1]);
                    AtomicInteger handled = new AtomicInteger();
                    SignalSource source = loop.onSignal(signal, (s, sig, count) -> handled.addAndGet(count));
                    signal.sendToProcess(pid);
                    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (handled.get() == 0 && System.nanoTime() - deadline < 0) {
                        loop.runOnce(Duration.ofMillis(100));
                    }
                    source.close();
                    System.out.println("handled " + signal.name() + " x" + handled.get() + " on " + source.route()
                            + "; ignored after close: " + org.fdloop.fd.SignalSet.ignoredByProcess().contains(signal));
                }
                case "term" -> {
                    AtomicInteger handled = new AtomicInteger();
                    SignalSource source = loop.onSignal(Signal.TERM, (s, signal, count) -> {
                        handled.addAndGet(count);
                        System.out.println("handled " + signal.name() + " x" + count);
                    });
                    Signal.TERM.sendToProcess(pid);
                    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (handled.get() == 0 && System.nanoTime() - deadline < 0) {
                        loop.runOnce(Duration.ofMillis(100));
                    }
                    source.close();
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("shutdown hook ran")));
                    System.out.flush();
                    Signal.TERM.sendToProcess(pid); // the JVM's own handler again: it exits with 143
                    Thread.sleep(10_000);
                    System.out.println("still alive");
                }
                case "steer" -> {
                    Signal signal = Signal.parse(args[1]);
                    AtomicInteger handled = new AtomicInteger();
                    String[] during = {"not measured"};
                    loop.onSignal(signal, (s, sig, count) -> {
                        if (handled.addAndGet(count) >= 3) {
                            during[0] = blockedInMain(signal);
                            s.close();
                            loop.stop();
                        }
                    });
                    Thread sender = Thread.ofPlatform().start(() -> {
                        // each after the last was handled: a standard signal sent while one is pending is merged into it
                        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                        for (int i = 0; i < 3 && System.nanoTime() - deadline < 0; i++) {
                            try {
                                signal.sendToProcess(pid);
                                while (handled.get() <= i && System.nanoTime() - deadline < 0) {
                                    Thread.sleep(1);
                                }
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        }
                    });
                    loop.schedule(Duration.ofSeconds(10), t -> loop.stop());
                    if (args[2].equals("main")) {
                        loop.run();
                    } else {
                        loop.start().join();
                    }
                    sender.join();
                    System.out.println("handled " + signal.name() + " x" + handled.get() + "; main thread blocks it: " + during[0]
                            + "; after close: " + blockedInMain(signal));
                }
                case "senders" -> {
                    List<Signal> signals = Arrays.stream(args, 1, args.length).map(Signal::parse).toList();
                    try (var limits = java.nio.file.Files.lines(java.nio.file.Path.of("/proc/self/limits"))) {
                        limits.filter(l -> l.startsWith("Max pending signals"))
                                .forEach(l -> System.out.println("pending signal limit: " + l.split("\\s+")[3]));
                    }
                    Set<Signal> own = new HashSet<>();
                    for (Signal signal : signals) {
                        loop.onSignal(signal, (SignalInfoHandler) (s, info) -> {
                            System.out.println("took " + info.signal().name() + " from pid " + info.pid());
                            if (info.pid() == pid && own.add(info.signal()) && own.size() == signals.size()) {
                                loop.stop();
                            }
                        });
                    }
                    // the loop waits first (where it arranges the main thread's mask), then sends
                    loop.schedule(Duration.ofMillis(100), t -> {
                        for (Signal signal : signals) {
                            try {
                                signal.sendToProcess(pid);
                            } catch (java.io.IOException e) {
                                throw new IllegalStateException(e);
                            }
                        }
                    });
                    loop.schedule(Duration.ofSeconds(10), t -> loop.stop());
                    loop.run();
                    System.out.println("took its own: " + own.size() + " of " + signals.size());
                }
                case "asyncio" -> {
                    org.fdloop.fd.AsyncOwner.Kind owner = org.fdloop.fd.AsyncOwner.Kind.valueOf(args[1]);
                    try (org.fdloop.fd.Pipe pipe = org.fdloop.fd.Pipe.open()) {
                        String[] seen = {null};
                        loop.onAsyncIo(pipe.readEnd(), IoSource.READABLE, Signal.realtime(7), owner, (s, band) -> {
                            seen[0] = "ready " + AsyncIoSource.describeBand(band) + " "
                                    + org.fdloop.testing.Reads.drain(pipe.readEnd()) + " bytes";
                            loop.stop();
                        });
                        org.fdloop.fd.AsyncOwner set = pipe.readEnd().asyncOwner();
                        System.out.println("owner " + set.kind() + ", its own group: "
                                + (set.equals(org.fdloop.fd.AsyncOwner.ofThisProcessGroup()) && set.id() == pid));
                        loop.schedule(Duration.ofMillis(50), t -> {
                            try {
                                pipe.writeEnd().write(java.nio.ByteBuffer.allocate(5));
                            } catch (java.io.IOException e) {
                                throw new IllegalStateException(e);
                            }
                        });
                        loop.schedule(Duration.ofSeconds(10), t -> loop.stop());
                        loop.run();
                        System.out.println(seen[0]);
                    }
                }
                default -> throw new IllegalArgumentException("unknown mode " + args[0]);
            }
        }
    }
}
