package org.fdloop;

/** Handles a timer's expiry. */
@FunctionalInterface
public interface TimerHandler {
    /**
     * Called on the loop thread when the timer is due; {@code timer.cancel()} stops a repeating one.
     *
     * @param timer the timer that is due
     * @throws Exception anything the handler throws goes to the loop's {@link ErrorHandler}, and the loop goes on
     */
    void expired(TimerSource timer) throws Exception;
}
