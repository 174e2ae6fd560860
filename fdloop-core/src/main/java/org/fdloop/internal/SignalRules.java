package org.fdloop.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.fdloop.fd.AsyncOwner;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalSet;

/**
 * Every rule by which fdloop refuses a signal, in one place, for both routes of
 * {@code onSignal} and for the other readers; each refusal says why and what to do.
 *
 * <ul>
 * <li>Which signals a loop may take at all ({@link #reservedReason}: the JVM's, glibc's, the
 *     JDK's, SIGCHLD), and which each route takes: the {@code JVM} route the standard signals a
 *     program receives from others, when the JVM runs Java handlers and the process does not
 *     ignore them ({@link #checkJvmRoute}); the {@code NATIVE} route those and the realtime ones
 *     ({@link #checkNativeRoute}); {@code onThreadSignal} and {@code onAsyncIo} any signal not
 *     reserved, the latter a realtime one or plain SIGIO.</li>
 * <li>Who may own signal-driven I/O: a thread that blocks or handles the signal, this process or
 *     its group only where the process handles the signal and SIGIO ({@link #checkOwner}), and a
 *     process owner only on the native route ({@link #checkProcessOwnerRoute}).</li>
 * <li>One kind of reader per signal in the process ({@link #claim}). A signal sent to the process
 *     is taken once, by one of: fdloop's native handler (the {@code NATIVE} route of
 *     {@code onSignal}), the JVM's handler (the {@code JVM} route), or a signalfd, which reads the
 *     process-directed signals of its mask as well as its thread's own ({@code onThreadSignal},
 *     {@code onAsyncIo}'s signal and SIGIO, the SIGIO backend's readiness signal). Two kinds for
 *     one signal would split its deliveries between them, and what a signalfd took from a
 *     handler's loop would reach neither that loop's count nor its lost ones. So the second kind
 *     is refused, saying which the first is. Loops of one kind share a signal: each native or JVM
 *     loop gets every delivery, and signalfds are per thread. A claim is held from the
 *     registration that needs it to its release: a handler's while a source of the signal is
 *     open in the loop, a signalfd's until its loop (or backend) closes, since the signal stays
 *     in its mask and blocked in its thread.</li>
 * </ul>
 */
public final class SignalRules {
    private SignalRules() {}

    /** Signals a program receives from others, which the JVM lets a Java handler have. */
    private static final List<Signal> ALLOWED = List.of(
            Signal.HUP, Signal.INT, Signal.TERM, Signal.USR1, Signal.WINCH, Signal.CONT, Signal.TSTP, Signal.ALRM,
            Signal.TTIN, Signal.TTOU, Signal.URG, Signal.VTALRM, Signal.PROF, Signal.XCPU, Signal.PWR);
    /** The signals whose JVM handler starts the shutdown (java.lang.Terminator). */
    private static final List<Signal> SHUTDOWN = List.of(Signal.HUP, Signal.INT, Signal.TERM);

    private static volatile Boolean javaHandlersRun;

    // ---- which signals a route takes ---------------------------------------------------------------

    /**
     * Refuses a process-directed {@code signal} that cannot reach a loop, saying why.
     *
     * @throws IllegalArgumentException for a signal that is not a loop's to take
     * @throws IllegalStateException when the JVM would never run the handler: -Xrs, or an ignored
     *     HUP, INT or TERM
     */
    public static void checkJvmRoute(String method, Signal signal) throws IOException {
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
    public static void checkNativeRoute(String method, Signal signal) {
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

    /**
     * Why {@code signal} is no loop's to take on either route, or null: the JVM's, glibc's, and
     * SIGCHLD, which {@code EventLoop.onExit} covers.
     */
    public static String reservedReason(Signal signal) {
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

    /** {@code onAsyncIo}'s signal: a realtime signal or plain SIGIO, none reserved. */
    public static void checkAsyncIoSignal(Signal signal) {
        if (!signal.isRealtime() && signal != Signal.IO) {
            throw new IllegalArgumentException("signal-driven I/O needs a realtime signal (Signal.realtime(n)), not "
                    + signal.name() + ": a standard signal coalesces and the loop could not tell which fd is ready "
                    + "(Signal.IO is plain SIGIO, which the loop answers by polling)");
        }
        String reserved = reservedReason(signal);
        if (reserved != null) {
            throw new IllegalArgumentException("onAsyncIo with " + signal.name() + ": " + reserved);
        }
    }

    /** {@code onThreadSignal}'s signal: none reserved. */
    public static void checkThreadSignal(Signal signal) {
        String reserved = reservedReason(signal);
        if (reserved != null) {
            throw new IllegalArgumentException("onThreadSignal(" + signal.name() + "): " + reserved);
        }
    }

    // ---- who may own signal-driven I/O -----------------------------------------------------------

    /** Refuses a thread owner of signal-driven I/O with {@code signal} that neither blocks nor handles it. */
    public static void checkThreadOwner(int tid, Signal signal) throws IOException {
        if (!SignalSet.blockedInThread(tid).contains(signal) && !SignalSet.handledByProcess().contains(signal)) {
            throw new IllegalStateException("thread " + tid + " neither blocks nor handles " + signal.name()
                    + ": its default action would end the JVM on the first event. Block it in that thread first: "
                    + "SignalSet.of(" + signal.name() + ").block()");
        }
    }

    /**
     * Refuses an owner that the signal {@code sent} (SIGIO when plain) would kill the JVM through:
     * a thread that neither blocks nor handles plain SIGIO, or this process (or its group) when the
     * process does not handle {@code sent} and SIGIO (the kernel's "realtime queue full").
     */
    public static void checkOwner(AsyncOwner owner, Signal sent) throws IOException {
        if (owner.kind() == AsyncOwner.Kind.THREAD) {
            if (sent != Signal.IO) {
                checkThreadOwner(owner.id(), sent);
            } else if (!SignalSet.blockedInThread(owner.id()).contains(Signal.IO)
                    && !SignalSet.handledByProcess().contains(Signal.IO)) {
                throw new IllegalStateException("thread " + owner.id() + " neither blocks nor handles SIGIO: its default "
                        + "action would end the JVM on the first event. Block it in that thread first: "
                        + "SignalSet.of(SIGIO).block()");
            }
        } else if (owner.includesThisProcess()) {
            SignalSet handled = SignalSet.handledByProcess();
            for (Signal needed : List.of(sent, Signal.IO)) {
                if (!handled.contains(needed)) {
                    throw new IllegalStateException("signal-driven I/O to " + owner + " sends " + sent.name()
                            + (sent == Signal.IO ? "" : " (and SIGIO when the realtime queue is full)")
                            + " to any thread of this process, and no handler is installed for " + needed.name()
                            + ": its default action would end the JVM on the first event. Use EventLoop.onAsyncIo with "
                            + "this owner (fdloop's native handler takes both), or install handlers first");
                }
            }
        }
    }

    /**
     * Refuses signal-driven I/O to {@code owner} (this process or its group) in a loop that does
     * not take signals through fdloop's native handler: only that handler takes such a signal,
     * landing on any thread, with its fd and band.
     */
    public static void checkProcessOwnerRoute(String call, AsyncOwner.Kind owner, boolean nativeRoute) {
        if (owner != AsyncOwner.Kind.THREAD && !nativeRoute) {
            throw new IllegalStateException(call + ": signal-driven I/O to " + owner + " lands on any thread of "
                    + "the JVM, and only fdloop's native handler takes such a signal with its fd and band; this loop takes "
                    + "signals sent to the process through the JVM (SignalRoute.JVM). Build it with SignalRoute.NATIVE, or "
                    + "use AsyncOwner.Kind.THREAD");
        }
    }

    /**
     * Refuses an fd in signal-driven I/O already to an owner other than the thread {@code tid}
     * (another loop's, or other code's).
     */
    public static void checkNotAsyncElsewhere(org.fdloop.fd.Fd fd, int tid) throws IOException {
        if (fd.isAsync()) {
            AsyncOwner owner = fd.asyncOwner();
            if (owner.kind() != AsyncOwner.Kind.THREAD || owner.id() != tid) {
                throw new IllegalStateException(fd + " is in signal-driven I/O already (O_ASYNC), to " + owner
                        + " (another loop, or other code): close that registration, or call disableAsync() on it first");
            }
        }
    }

    // ---- one kind of reader per signal ---------------------------------------------------------------

    /** The kinds of reader, each named as a user meets it. */
    public enum Reader {
        NATIVE_HANDLER("fdloop's native signal handler (onSignal on the default route, SignalRoute.NATIVE)"),
        JVM_HANDLER("the JVM's signal handler (onSignal on SignalRoute.JVM)"),
        SIGNALFD("a loop thread's signalfd (onThreadSignal, onAsyncIo, or the SIGIO backend), which would take "
                + "the signals sent to the process too");

        private final String description;

        Reader(String description) {
            this.description = description;
        }
    }

    private static final int[][] claims = new int[Reader.values().length][Signal.MAX_NUMBER + 1];

    /**
     * Records one more reader of {@code kind} for {@code signal}.
     *
     * @param call the call that needs it, for the message: {@code onThreadSignal(SIGUSR1)}
     * @throws IllegalStateException when a reader of another kind takes the signal now
     */
    public static synchronized void claim(Signal signal, Reader kind, String call) {
        int n = signal.number();
        for (Reader other : Reader.values()) {
            if (other != kind && claims[other.ordinal()][n] > 0) {
                throw new IllegalStateException(call + ": " + signal.name() + " is taken in this process by "
                        + other.description + ", and a signal sent to the process is taken once: by that reader or by "
                        + kind.description + ", never both, so some would reach neither's count. Use another signal for "
                        + "one of them, or close the other first" + (other == Reader.SIGNALFD
                        ? " (a signalfd keeps its signals until its loop closes)" : ""));
            }
        }
        claims[kind.ordinal()][n]++;
    }

    /** Gives back one claim of {@link #claim}. */
    public static synchronized void release(Signal signal, Reader kind) {
        int[] counts = claims[kind.ordinal()];
        if (counts[signal.number()] > 0) {
            counts[signal.number()]--;
        }
    }

    /** Whether a reader of {@code kind} takes {@code signal} now. */
    public static synchronized boolean isClaimed(Signal signal, Reader kind) {
        return claims[kind.ordinal()][signal.number()] > 0;
    }

    /**
     * Whether the JVM runs Java signal handlers at all. HotSpot runs them on its "Signal
     * Dispatcher" thread, which it does not start under -Xrs (ReduceSignalUsage); on another VM
     * the command line and the option variables are searched for the flag.
     *
     * @return whether the JVM runs Java signal handlers at all
     */
    public static boolean javaHandlersRun() throws IOException {
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
