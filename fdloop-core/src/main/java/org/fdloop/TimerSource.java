package org.fdloop;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;

/**
 * A timer on a loop's monotonic clock ({@link System#nanoTime()}, which is CLOCK_MONOTONIC on
 * Linux): {@link EventLoop#schedule}, {@link EventLoop#scheduleAtFixedRate},
 * {@link EventLoop#scheduleWithFixedDelay}.
 *
 * <p>A timer never fires before its deadline. With an accuracy window ({@link #setAccuracy}) it
 * may fire up to that much later, so that timers with nearby deadlines share one wake-up (like
 * sd-event's accuracy); the default window is zero.
 */
public final class TimerSource extends Source {
    enum Mode { ONCE, FIXED_RATE, FIXED_DELAY }

    final Mode mode;
    final long period;
    private final TimerHandler handler;
    long deadline;
    long accuracy;
    /** Position in the deadline heap that holds this timer, or -1. */
    int deadlineIndex = -1;
    /** Position in the latest-wake-up heap (timers with an accuracy window), or -1. */
    int latestIndex = -1;
    /** Whether the loop has it in its heaps (set on the loop thread only). */
    boolean inHeap;
    /** Whether the loop has taken it in (a timer scheduled from another thread is taken in later). */
    boolean taken;
    /** Set by a cancel() from another thread before the loop took the timer in. */
    volatile boolean cancelled;

    TimerSource(EventLoop loop, String name, long deadline, long period, Mode mode, TimerHandler handler) {
        super(loop, name);
        this.deadline = deadline;
        this.period = period;
        this.mode = mode;
        this.handler = handler;
    }

    /** {@return the next deadline, in {@link System#nanoTime()} units} */
    public long deadlineNanos() {
        return deadline;
    }

    /** {@return the period of a repeating timer, or {@link Duration#ZERO} for a one-shot one} */
    public Duration period() {
        return Duration.ofNanos(period);
    }

    /** {@return the accuracy window} */
    public Duration accuracy() {
        return Duration.ofNanos(accuracy);
    }

    /**
     * Lets the timer fire up to {@code window} after its deadline, so that nearby timers fire in
     * one wake-up. Never earlier than the deadline.
     *
     * @param window how late the timer may fire, to share a wake-up with others
     * @return this timer
     */
    public TimerSource setAccuracy(Duration window) {
        Objects.requireNonNull(window, "window");
        if (window.isNegative()) {
            throw new IllegalArgumentException("an accuracy window is zero or more, not " + window);
        }
        loop.checkThread("setAccuracy");
        boolean wasQueued = inHeap;
        if (wasQueued) {
            loop.timers().remove(this);
        }
        accuracy = EventLoop.saturatedNanos(window);
        if (wasQueued) {
            loop.timers().add(this);
        }
        return this;
    }

    /**
     * Starts the timer again: its next deadline is {@code delay} from now, and a repeating timer
     * goes on with its period from there. An enabled timer is moved, a disabled one enabled (as
     * libuv's {@code uv_timer_again}). For an idle timeout that each bit of activity pushes back:
     * no cancel, no new timer, nothing allocated. Loop thread only; a one-shot timer that fired
     * is closed, and restarting it throws: schedule a new one.
     *
     * @param delay zero or more
     */
    public void restart(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("a delay is zero or more, not " + delay);
        }
        loop.checkThread("restart");
        if (closed) {
            throw new IllegalStateException(name() + " is closed" + (mode == Mode.ONCE
                    ? " (a one-shot timer closes when it fires): schedule a new one" : ": schedule a new one"));
        }
        loop.timers().remove(this);
        deadline = System.nanoTime() + EventLoop.saturatedNanos(delay);
        taken = true; // on the loop thread: it is the loop's from now on
        if (!enabled) {
            enabled = true;
            loop.count(this);
        }
        loop.timers().add(this);
    }

    /** The latest time the timer may fire: its deadline plus the accuracy window. */
    long latest() {
        long l = deadline + accuracy;
        return l < deadline ? Long.MAX_VALUE : l;
    }

    /**
     * Cancels the timer. Thread-safe: on the loop thread it takes effect at once; from another
     * thread it takes effect on the loop thread before the timer's next dispatch. After the loop
     * closed (which closed its timers) it does nothing.
     */
    public void cancel() {
        if (closed || loop.isClosed()) {
            return;
        }
        if (loop.inLoopThread()) {
            close();
        } else {
            cancelled = true;
            try {
                loop.execute(() -> {
                    if (!closed) {
                        close();
                    }
                });
            } catch (RejectedExecutionException e) {
                // the loop ended or closed meanwhile: the timer never fires again (cancelled), ignoring
            }
        }
    }

    @Override
    boolean keepsLoopAlive() {
        return true;
    }

    @Override
    void dispatch(int events) throws Exception {
        handler.expired(this);
    }

    @Override
    void onEnable() {
        if (taken) {
            loop.timers().add(this);
        }
    }

    @Override
    void onDisable() {
        loop.timers().remove(this);
    }

    @Override
    void onClose() {
        loop.timers().discard(this); // a closed timer never comes back: it may leave the heap lazily
        loop.release(this);
    }
}
