package org.fdloop;

import org.fdloop.fd.Signal;

/** Handles a process-directed signal that came through the JVM: {@link EventLoop#onSignal}. */
@FunctionalInterface
public interface SignalHandler {
    /**
     * Called on the loop thread after the signal was delivered to the process.
     *
     * @param source the registration, to close it (which puts the previous handler back)
     * @param signal the signal
     * @param count how many deliveries this call stands for: 1, or more when several arrived
     *     before the loop got to them (a standard signal sent again while pending is lost by the
     *     kernel itself, so this counts deliveries, not sends)
     * @throws Exception anything the handler throws goes to the loop's {@link ErrorHandler}, and the loop goes on
     */
    void received(SignalSource source, Signal signal, int count) throws Exception;
}
