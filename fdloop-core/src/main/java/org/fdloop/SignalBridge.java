package org.fdloop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalSet;

/**
 * Process-directed signals into event loops through the JVM's own handler: the SIGIO + eventfd
 * bridge, with HotSpot's native handler as the minimal handler. {@code sun.misc.Signal.handle}
 * installs a Java handler that the JVM runs on a thread of its own, outside signal context; it
 * counts the signal in each subscribed source and wakes the source's loop through its task
 * queue ({@link LoopSignals#wake}).
 * The loop dispatches on its own thread.
 *
 * <p>This is the only class that touches {@code sun.misc.Signal}. It is the
 * {@link SignalRoute#JVM} route: the fallback where fdloop's native handler cannot be used, and
 * a loop's explicit choice. The reasons a signal is refused on either route live here too.
 *
 * <p>The handler is process-wide, so one per signal serves every loop. It is installed with the
 * first subscription and the previous handler (for HUP, INT and TERM: the JVM's shutdown) is put
 * back when the last one closes.
 */
final class SignalBridge {
    private SignalBridge() {}

    /** Signals a program receives from others, which the JVM lets a Java handler have. */
    private static final List<Signal> ALLOWED = List.of(
            Signal.HUP, Signal.INT, Signal.TERM, Signal.USR1, Signal.WINCH, Signal.CONT, Signal.TSTP, Signal.ALRM,
            Signal.TTIN, Signal.TTOU, Signal.URG, Signal.VTALRM, Signal.PROF, Signal.XCPU, Signal.PWR);
    /** The signals whose JVM handler starts the shutdown (java.lang.Terminator). */
    private static final List<Signal> SHUTDOWN = List.of(Signal.HUP, Signal.INT, Signal.TERM);

    /** What the bridge holds for one signal while it has subscribers. */
    private static final class Installed {
        final sun.misc.SignalHandler previous;
        volatile SignalSource[] subscribers = new SignalSource[0];

        Installed(sun.misc.SignalHandler previous) {
            this.previous = previous;
        }
    }

    /** The installed handlers by signal number; read freely, changed only under {@link #handlerChanges}. */
    private static final Map<Integer, Installed> installed = new ConcurrentHashMap<>();
    /** Held while a handler is installed or put back, so that the JVM's handler and our map agree. */
    private static final Object handlerChanges = new Object();
    private static volatile Boolean javaHandlersRun;

    /**
     * Refuses a process-directed {@code signal} that cannot reach a loop, saying why.
     *
     * @throws IllegalArgumentException for a signal that is not a loop's to take
     * @throws IllegalStateException when the JVM would never run the handler: -Xrs, or an ignored
     *     HUP, INT or TERM
     */
    static void check(String method, Signal signal) throws IOException {
        String call = refuseOnBothRoutes(method, signal);
        if (signal.isRealtime()) {
            throw new IllegalArgumentException(call + signal.name() + " is a realtime signal, and the JVM's signal API "
                    + "knows only the standard ones: use the native route (SignalRoute.NATIVE), or send it to the loop "
                    + "thread (tgkill, pthread_sigqueue) and use onThreadSignal");
        }
        if (!ALLOWED.contains(signal)) {
            throw new IllegalArgumentException(call + signal.name() + " is not a signal a program receives from others; "
                    + method + " takes " + ALLOWED.stream().map(Signal::name).toList());
        }
        if (!javaHandlersRun()) {
            throw new IllegalStateException(call + "this JVM runs with -Xrs (-XX:+ReduceSignalUsage), so it never runs "
                    + "Java signal handlers and a handler for " + signal.name() + " would never be called. Remove -Xrs, "
                    + "or have the sender signal the loop thread itself (tgkill) and use onThreadSignal");
        }
        if (SHUTDOWN.contains(signal) && SignalSet.ignoredByProcess().contains(signal)) {
            throw new IllegalStateException(call + signal.name() + " is ignored by this process (SIG_IGN, inherited from "
                    + "its parent: " + (signal == Signal.HUP ? "nohup does this" : "a shell does this for background jobs")
                    + "), and the JVM leaves an ignored " + signal.name() + " ignored, so a handler would never be called. "
                    + "To take it, start the program with " + signal.name() + " at its default (without nohup, or in the "
                    + "foreground)");
        }
    }

    /**
     * Refuses a process-directed {@code signal} that the native handler cannot take, saying why:
     * the reserved ones, SIGIO, and the standard signals a program does not receive from others.
     * Realtime signals are taken (each queued one is a record), and so are HUP, INT and TERM that
     * the process ignores: the handler runs whatever the JVM thinks, and SIG_IGN comes back when
     * the last source closes.
     */
    static void checkNative(String method, Signal signal) {
        String call = refuseOnBothRoutes(method, signal);
        if (!signal.isRealtime() && !ALLOWED.contains(signal)) {
            throw new IllegalArgumentException(call + signal.name() + " is not a signal a program receives from others; "
                    + method + " takes " + ALLOWED.stream().map(Signal::name).toList() + " and the realtime signals");
        }
    }

    /**
     * Refuses what neither route takes: the reserved signals and SIGIO.
     *
     * @return the start of a refusal's message for the checks that follow, {@code method(NAME): }
     */
    private static String refuseOnBothRoutes(String method, Signal signal) {
        String call = method + "(" + signal.name() + "): ";
        String reserved = reservedReason(signal);
        if (reserved != null) {
            throw new IllegalArgumentException(call + reserved);
        }
        if (signal == Signal.IO) {
            throw new IllegalArgumentException(call + "SIGIO reports signal-driven I/O to the thread that owns the fd: "
                    + "use onAsyncIo, or onThreadSignal for fds you made signal the loop thread yourself");
        }
        return call;
    }

    /** Whether the JVM's handler is installed for {@code signal} by this bridge now. */
    static boolean isInstalled(Signal signal) {
        return installed.containsKey(signal.number());
    }

    /**
     * Why {@code signal} is no loop's to take on either route, or null: the JVM's, glibc's, and
     * SIGCHLD, which {@link EventLoop#onExit} covers.
     */
    static String reservedReason(Signal signal) {
        int n = signal.number();
        if (signal == Signal.KILL || signal == Signal.STOP) {
            return signal.name() + " cannot be caught, blocked or ignored";
        }
        if (signal == Signal.SEGV || signal == Signal.BUS || signal == Signal.FPE || signal == Signal.ILL) {
            return signal.name() + " is HotSpot's own: it turns faults in compiled code into exceptions (null checks, "
                    + "safepoints, truncated mapped files); taking it would crash the JVM";
        }
        if (signal == Signal.QUIT) {
            return "SIGQUIT is the JVM's: it prints a thread dump (kill -3)";
        }
        if (signal == Signal.USR2) {
            return "SIGUSR2 is HotSpot's: it suspends and resumes threads with it";
        }
        if (signal == Signal.PIPE || signal == Signal.XFSZ) {
            return signal.name() + " is HotSpot's: it handles it so that a write fails with an error instead of "
                    + "ending the process";
        }
        if (signal == Signal.ABRT || signal == Signal.TRAP || signal == Signal.SYS) {
            return signal.name() + " reports a crash, a breakpoint or a forbidden system call; it is not for event handling";
        }
        if (signal == Signal.CHLD) {
            return "SIGCHLD belongs to the JDK's process reaper (and ProcessBuilder.start() resets it): "
                    + "use onExit(Process, ...) to learn that a child exited";
        }
        if (!signal.isRealtime() && n >= 32) {
            return signal.name() + " is glibc's own (thread cancellation and setxid)";
        }
        if (n == Signal.MAX_NUMBER - 2) {
            return signal.name() + " is the JDK's: it interrupts threads blocked in I/O with it";
        }
        return null;
    }

    /** Counts every delivery of {@code source}'s signal in the source and wakes its loop, until {@link #unsubscribe}. */
    static void subscribe(SignalSource source) throws IOException {
        Signal signal = source.signal();
        synchronized (handlerChanges) {
            Installed entry = installed.get(signal.number());
            if (entry == null) {
                sun.misc.SignalHandler previous;
                try {
                    previous = sun.misc.Signal.handle(new sun.misc.Signal(signal.name().substring(3)), SignalBridge::deliver);
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException("the JVM refuses a handler for " + signal.name() + ": " + e.getMessage(), e);
                }
                entry = new Installed(previous);
                installed.put(signal.number(), entry);
            }
            SignalSource[] now = Arrays.copyOf(entry.subscribers, entry.subscribers.length + 1);
            now[now.length - 1] = source;
            entry.subscribers = now;
        }
    }

    /** Stops counting for {@code source}; the last subscriber of a signal puts the previous handler back. */
    static void unsubscribe(SignalSource source) {
        Signal signal = source.signal();
        synchronized (handlerChanges) {
            Installed entry = installed.get(signal.number());
            if (entry == null) {
                return;
            }
            SignalSource[] now = Arrays.stream(entry.subscribers).filter(s -> s != source).toArray(SignalSource[]::new);
            entry.subscribers = now;
            if (now.length == 0) {
                installed.remove(signal.number());
                sun.misc.Signal.handle(new sun.misc.Signal(signal.name().substring(3)), entry.previous);
            }
        }
    }

    /** Runs on the JVM's signal handler thread. */
    private static void deliver(sun.misc.Signal jvmSignal) {
        Installed entry = installed.get(jvmSignal.getNumber());
        if (entry == null) {
            return; // the last subscriber closed while this delivery was on its way, ignoring
        }
        // count it for every subscriber first, then wake: a loop woken by the first count would
        // otherwise dispatch that source alone, and a handler there that disables another source
        // of the same signal would not see that source's count, which comes after
        SignalSource[] subscribers = entry.subscribers;
        for (SignalSource source : subscribers) {
            source.addCount(1);
        }
        for (SignalSource source : subscribers) {
            source.wakeLoop();
        }
    }

    /**
     * Whether the JVM runs Java signal handlers at all. HotSpot runs them on its "Signal
     * Dispatcher" thread, which it does not start under -Xrs (ReduceSignalUsage); on another VM
     * the command line and the option variables are searched for the flag.
     *
     * @return whether the JVM runs Java signal handlers at all
     */
    static boolean javaHandlersRun() throws IOException {
        Boolean known = javaHandlersRun;
        if (known == null) {
            known = System.getProperty("java.vm.name", "").matches(".*(HotSpot|OpenJDK).*")
                    ? hasThreadNamed("Signal Dispatch") // comm holds the first 15 characters
                    : !mentionsReducedSignalUsage();
            javaHandlersRun = known;
        }
        return known;
    }

    private static boolean hasThreadNamed(String comm) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(task.resolve("comm")).strip().equals(comm)) {
                        return true;
                    }
                } catch (IOException e) {
                    // the thread ended while we listed it, ignoring
                }
            }
        }
        return false;
    }

    private static boolean mentionsReducedSignalUsage() {
        StringBuilder all = new StringBuilder();
        ProcessHandle.current().info().arguments().ifPresent(args -> all.append(String.join(" ", args)));
        for (String variable : List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")) {
            all.append(' ').append(System.getenv().getOrDefault(variable, ""));
        }
        String text = all.toString().toLowerCase(Locale.ROOT);
        return text.contains("-xrs") || text.contains("+reducesignalusage");
    }
}
