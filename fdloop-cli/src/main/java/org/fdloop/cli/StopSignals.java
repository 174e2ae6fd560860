package org.fdloop.cli;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.fdloop.ErrorHandler;
import org.fdloop.EventLoop;
import org.fdloop.SignalRoute;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalSet;

/**
 * The stop signals: Ctrl-C (SIGINT), SIGTERM and SIGHUP (a closed terminal) end every command
 * cleanly. They arrive as the command loop's own signal sources, so the loop stops between two
 * handlers and the command prints its summary and exits 0, with no shutdown hook racing the loop
 * thread.
 *
 * <p>They stay taken until the process exits: a loop that closes gives a signal its previous
 * action back (for SIGTERM the JVM's shutdown, exit 143; for a realtime signal death), and one
 * that came after the summary would end the process with that. So each signal a command takes is
 * also held by a keeper, a loop that is never run nor closed: the handler stays installed, and a
 * late signal is a record in the keeper's pipe that no one reads.
 *
 * <p>A stop signal the process ignores (SIGHUP under {@code nohup}, SIGINT in a shell's
 * background job) is left ignored: that is what the caller asked for.
 */
final class StopSignals {
    /** The signals that stop every command. */
    static final List<Signal> STOP = List.of(Signal.INT, Signal.TERM, Signal.HUP);

    /** The loop that holds every signal a command took, until the process exits; made on first use. */
    private static EventLoop keeper;

    /** What a handler of the command's loop threw first (a closed stdout's {@link StandardOutput.ReaderGone}); null if none. */
    private static volatile Throwable handlerFailure;

    /**
     * The command loops' error handler: the first failure stops the loop and is thrown by
     * {@link #run}; the command does not go on past what failed. The source that failed is
     * closed, so that what is already queued for it (a watch's events after a queue overflow, by
     * the thousand) is not handed to it again before the loop gets to its stop.
     */
    static final ErrorHandler STOP_ON_FAILURE = (source, error) -> {
        if (handlerFailure == null) {
            handlerFailure = error;
        }
        if (source != null) {
            source.loop().stop();
            source.close();
        }
    };

    private final EventLoop loop;
    private volatile Signal received;
    private volatile Runnable onStop = () -> {};

    private StopSignals(EventLoop loop) {
        this.loop = loop;
    }

    /**
     * Stops {@code loop} on SIGINT, SIGTERM or SIGHUP, except for the signals in {@code taken}
     * (which the command takes itself); holds the stop signals and {@code taken} until the process
     * exits.
     */
    static StopSignals install(EventLoop loop, Collection<Signal> taken) throws IOException {
        StopSignals stop = new StopSignals(loop);
        SignalSet ignored = SignalSet.ignoredByProcess();
        for (Signal signal : STOP) {
            if (taken.contains(signal) || ignored.contains(signal)) {
                continue;
            }
            loop.onSignal(signal, (source, s, count) -> {
                stop.received = s;
                loop.stop();
                stop.onStop.run();
            });
            keep(loop.signalRoute(), signal);
        }
        for (Signal signal : taken) {
            keep(loop.signalRoute(), signal);
        }
        return stop;
    }

    /** Also runs {@code action} (on the loop's thread) when a stop signal arrives. */
    StopSignals onStop(Runnable action) {
        onStop = action;
        return this;
    }

    /** Runs the loop until it stops; then throws what a handler threw, if one did. */
    void run() throws IOException {
        loop.run();
        Throwable failure = handlerFailure;
        switch (failure) {
            case null -> { }
            case IOException e -> throw e;
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> throw new IllegalStateException("a handler failed: " + failure, failure);
        }
    }

    /** The signal that stopped the loop, or null. */
    Signal received() {
        return received;
    }

    /** Keeps {@code signal} handled until the process exits, on {@code route}, the command loop's. */
    private static synchronized void keep(SignalRoute route, Signal signal) throws IOException {
        if (keeper == null) {
            keeper = EventLoop.builder().signalRoute(route).build(); // never closed: see the class comment
        }
        keeper.onSignal(signal, (source, s, count) -> {
            // never runs: the keeper is never run
        });
    }
}
