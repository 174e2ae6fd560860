package org.fdloop;

/** Handles a timer's expiry. */
@FunctionalInterface
public interface TimerHandler {
    /** Called on the loop thread when the timer is due; {@code timer.cancel()} stops a repeating one. */
    void expired(TimerSource timer) throws Exception;
}
