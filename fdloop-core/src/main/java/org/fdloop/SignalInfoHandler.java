package org.fdloop;

import org.fdloop.fd.SignalInfo;

/** Handles a signal sent to the loop thread, with its siginfo: {@link EventLoop#onThreadSignal}. */
@FunctionalInterface
public interface SignalInfoHandler {
    /**
     * Called on the loop thread once per signal read from the loop's signalfd.
     *
     * @param source the registration
     * @param info the signal's record: sender pid and uid, {@code si_code}, the value of a queued signal
     */
    void received(SignalSource source, SignalInfo info) throws Exception;
}
