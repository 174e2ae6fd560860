package org.fdloop.cli;

import java.io.IOException;
import java.util.Collection;
import org.fdloop.EventLoop;
import org.fdloop.fd.Signal;

/**
 * Ctrl-C (SIGINT) and SIGTERM end a command cleanly: they arrive as the loop's own signal
 * sources, so the loop stops between two handlers and the command prints its summary, with no
 * shutdown hook racing the loop thread.
 */
final class StopSignals {
    private volatile Signal received;

    private StopSignals() {}

    /**
     * Stops {@code loop} on SIGINT or SIGTERM, except for the signals in {@code except} (which the
     * command takes itself).
     */
    static StopSignals install(EventLoop loop, Collection<Signal> except) throws IOException {
        StopSignals stop = new StopSignals();
        for (Signal signal : new Signal[] {Signal.INT, Signal.TERM}) {
            if (except.contains(signal)) {
                continue;
            }
            try {
                loop.onSignal(signal, (source, s, count) -> {
                    stop.received = s;
                    loop.stop();
                });
            } catch (IllegalStateException e) {
                // the process ignores it (nohup, a background job) or runs under -Xrs: it cannot end us, ignoring
            }
        }
        return stop;
    }

    /** The signal that stopped the loop, or null. */
    Signal received() {
        return received;
    }
}
