package org.fdloop;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.fdloop.fd.Signal;

/**
 * A program that {@link LoopSignalChildJvmTest} runs in a JVM of its own, for what a test JVM
 * cannot do to itself: take SIGTERM for real, run under nohup or -Xrs.
 *
 * <pre>
 * SignalProbe register SIGNAL     tries onSignal(SIGNAL) and prints "registered" or the refusal
 * SignalProbe term                takes SIGTERM in a loop, closes the source, then sends SIGTERM again
 * </pre>
 */
public final class SignalProbe {
    private SignalProbe() {}

    public static void main(String[] args) throws Exception {
        long pid = ProcessHandle.current().pid();
        try (EventLoop loop = EventLoop.open()) {
            switch (args[0]) {
                case "register" -> {
                    try {
                        loop.onSignal(Signal.parse(args[1]), (s, signal, count) -> {});
                        System.out.println("registered");
                    } catch (IllegalStateException | IllegalArgumentException e) {
                        System.out.println("refused: " + e.getClass().getSimpleName() + ": " + e.getMessage());
                    }
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
                default -> throw new IllegalArgumentException("unknown mode " + args[0]);
            }
        }
    }
}
