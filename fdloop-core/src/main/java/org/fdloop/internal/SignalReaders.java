package org.fdloop.internal;

import org.fdloop.fd.Signal;

/**
 * Who takes each signal in this process, and the rule that one signal has one kind of reader.
 *
 * <p>A signal sent to the process is taken once, by one of: fdloop's native handler (the
 * {@code NATIVE} route of {@code onSignal}), the JVM's handler (the {@code JVM} route), or a
 * signalfd, which reads the process-directed signals of its mask as well as its thread's own
 * ({@code onThreadSignal}, {@code onAsyncIo}'s signal and SIGIO, the SIGIO backend's readiness
 * signal). Two kinds for one signal would split its deliveries between them, and what a
 * signalfd took from a handler's loop would reach neither that loop's count nor its lost ones.
 * So the second kind is refused, saying which the first is. Loops of one kind share a signal:
 * each native or JVM loop gets every delivery, and signalfds are per thread.
 *
 * <p>A claim is held from the registration that needs it to its release: a handler's while a
 * source of the signal is open in the loop, a signalfd's until its loop (or backend) closes,
 * since the signal stays in its mask and blocked in its thread.
 */
public final class SignalReaders {
    private SignalReaders() {}

    /** The kinds of reader, each named as a user meets it. */
    public enum Kind {
        NATIVE_HANDLER("fdloop's native signal handler (onSignal on the default route, SignalRoute.NATIVE)"),
        JVM_HANDLER("the JVM's signal handler (onSignal on SignalRoute.JVM)"),
        SIGNALFD("a loop thread's signalfd (onThreadSignal, onAsyncIo, or the SIGIO backend), which would take "
                + "the signals sent to the process too");

        private final String description;

        Kind(String description) {
            this.description = description;
        }
    }

    private static final int[][] claims = new int[Kind.values().length][Signal.MAX_NUMBER + 1];

    /**
     * Records one more reader of {@code kind} for {@code signal}.
     *
     * @param call the call that needs it, for the message: {@code onThreadSignal(SIGUSR1)}
     * @throws IllegalStateException when a reader of another kind takes the signal now
     */
    public static synchronized void claim(Signal signal, Kind kind, String call) {
        int n = signal.number();
        for (Kind other : Kind.values()) {
            if (other != kind && claims[other.ordinal()][n] > 0) {
                throw new IllegalStateException(call + ": " + signal.name() + " is taken in this process by "
                        + other.description + ", and a signal sent to the process is taken once: by that reader or by "
                        + kind.description + ", never both, so some would reach neither's count. Use another signal for "
                        + "one of them, or close the other first" + (other == Kind.SIGNALFD
                        ? " (a signalfd keeps its signals until its loop closes)" : ""));
            }
        }
        claims[kind.ordinal()][n]++;
    }

    /** Gives back one claim of {@link #claim}. */
    public static synchronized void release(Signal signal, Kind kind) {
        int[] counts = claims[kind.ordinal()];
        if (counts[signal.number()] > 0) {
            counts[signal.number()]--;
        }
    }

    /** Whether a reader of {@code kind} takes {@code signal} now. */
    public static synchronized boolean isClaimed(Signal signal, Kind kind) {
        return claims[kind.ordinal()][signal.number()] > 0;
    }
}
