package org.fdloop;

import org.fdloop.fd.SignalInfo;

/**
 * Handles a signal with its siginfo: sent to the process ({@link EventLoop#onSignal(org.fdloop.fd.Signal,
 * SignalInfoHandler)}, on the {@link SignalRoute#NATIVE} route) or to the loop thread
 * ({@link EventLoop#onThreadSignal}).
 */
@FunctionalInterface
public interface SignalInfoHandler {
    /**
     * Called on the loop thread once per signal delivered.
     *
     * @param source the registration
     * @param info the signal's record: sender pid and uid, {@code si_code}, the value of a queued signal
     * @throws Exception anything the handler throws goes to the loop's {@link ErrorHandler}, and the loop goes on
     */
    void received(SignalSource source, SignalInfo info) throws Exception;

    /**
     * Called on the loop thread when {@code lost} process-directed signals were delivered to the
     * process but their records did not fit in the loop's pipe (a storm of realtime signals
     * faster than the loop reads them): the native handler counted them, so the number is exact,
     * but their siginfo is gone. Never called for thread-directed signals (for those the kernel's
     * own queue limit applies: {@link EventLoop#signalQueueOverflows()}). Does nothing by default.
     *
     * @param source the registration
     * @param lost how many signals were lost since the last call
     * @throws Exception anything the handler throws goes to the loop's {@link ErrorHandler}, and the loop goes on
     */
    default void overflowed(SignalSource source, long lost) throws Exception {}
}
