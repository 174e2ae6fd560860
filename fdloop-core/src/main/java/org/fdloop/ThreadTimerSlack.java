package org.fdloop;

import java.io.IOException;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.ProcessCalls;

/**
 * The timer slack a loop asks for ({@link EventLoop.Builder#timerSlack}): set on the thread that
 * runs the loop, once per thread, before its first iteration there (prctl PR_SET_TIMERSLACK), and
 * given back to that thread, the slack it had, when the loop closes on it. Loop thread only.
 */
final class ThreadTimerSlack {
    /** The slack asked for, in nanoseconds; 0 for none. */
    private final long nanos;
    /** The thread it was set on last, and the slack that thread had before. */
    private Thread thread;
    private long before;

    ThreadTimerSlack(long nanos) {
        this.nanos = nanos;
    }

    /** Sets the slack on {@code owner} unless it has it already (or none was asked for). */
    void setOn(Thread owner) throws IOException {
        if (nanos == 0 || thread == owner) {
            return;
        }
        long had = ProcessCalls.timerSlack();
        if (had < 0) {
            throw Errno.exception("prctl(PR_GET_TIMERSLACK)", (int) -had);
        }
        Errno.check(ProcessCalls.setTimerSlack(nanos), "prctl(PR_SET_TIMERSLACK, " + nanos + ")");
        thread = owner;
        before = had;
    }

    /** Gives {@code current} its slack back, if it is the thread this set it on. */
    void restore(Thread current) {
        if (thread == current) {
            // prctl(PR_SET_TIMERSLACK) fails only for a value it cannot take, and this one it gave: its answer is ignored
            ProcessCalls.setTimerSlack(before);
        }
    }
}
