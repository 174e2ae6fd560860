package org.fdloop;

import java.util.Objects;

/**
 * Something an {@link EventLoop} dispatches: an fd's readiness, a timer, a hook.
 *
 * <p>A source belongs to one loop and, like the loop, to its thread: its methods throw
 * {@link IllegalStateException} from any other thread, except where a method says it is
 * thread-safe. A closed source gets no further event, even one the kernel had already reported
 * in the same batch. Among sources ready in the same iteration, lower {@link #priority()}
 * runs first; equal priorities run in the order the kernel reported them.
 */
public abstract class Source implements AutoCloseable {
    final EventLoop loop;
    private String name;
    int priority;
    boolean enabled = true;
    boolean closed;
    /** Whether the loop counts this source among those that keep run() going. */
    boolean counted;
    /** Set by {@link #unref()}: the source does not keep run() going, whatever its kind. */
    private boolean unreferenced;
    /** Whether the source is in the loop's pending list through {@link EventLoop#addPendingOnce}; the dispatch clears it. */
    boolean queued;

    Source(EventLoop loop, String name) {
        this.loop = loop;
        this.name = name;
    }

    /** {@return the loop this source belongs to} */
    public final EventLoop loop() {
        return loop;
    }

    /** {@return the source's name, as errors and {@link LoopStats} show it} */
    public final String name() {
        return name;
    }

    /**
     * Renames the source (for errors and statistics); returns it.
     *
     * @param name the new name
     * @return this source
     */
    public Source named(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return this;
    }

    /** {@return the dispatch priority: lower runs first among sources ready in the same iteration. Default 0} */
    public final int priority() {
        return priority;
    }

    /**
     * Sets the dispatch priority (lower runs first).
     *
     * @param priority lower runs first; the default is 0
     */
    public final void setPriority(int priority) {
        loop.checkThread("setPriority");
        this.priority = priority;
    }

    /** {@return whether the source is enabled: a disabled source stays registered but is not dispatched} */
    public final boolean isEnabled() {
        return enabled && !closed;
    }

    /**
     * Enables a disabled source (a fired one-shot I/O source is re-armed).
     *
     * @throws java.io.IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public final void enable() throws java.io.IOException {
        loop.checkThread("enable");
        checkOpen();
        if (!enabled) {
            enabled = true;
            onEnable();
            loop.count(this);
        }
    }

    /**
     * Disables the source until {@link #enable()}.
     *
     * @throws java.io.IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public final void disable() throws java.io.IOException {
        loop.checkThread("disable");
        checkOpen();
        if (enabled) {
            enabled = false;
            onDisable();
            loop.uncount(this);
        }
    }

    /**
     * Stops this source from keeping {@link EventLoop#run()} going (libuv's {@code uv_unref}): a
     * loop whose remaining sources are all unreferenced returns from {@code run()}, as one with no
     * source does. The source works as before while the loop runs: for a periodic statistics timer
     * or a listener that should not hold a tool open by itself. A loop on its own thread
     * ({@link EventLoop#start()}) runs until stopped anyway.
     *
     * @return this source
     */
    public final Source unref() {
        loop.checkThread("unref");
        unreferenced = true;
        loop.uncount(this);
        return this;
    }

    /**
     * Undoes {@link #unref()}: the source keeps {@code run()} going again, as its kind does.
     *
     * @return this source
     */
    public final Source ref() {
        loop.checkThread("ref");
        unreferenced = false;
        loop.count(this);
        return this;
    }

    /**
     * {@return whether this source keeps {@link EventLoop#run()} going while it is enabled}: true for I/O,
     * timers, signals, child exits, file watches and defer hooks, unless {@link #unref()} was
     * called; false for post and exit hooks.
     */
    public final boolean hasRef() {
        return !unreferenced && keepsLoopAlive();
    }

    /** {@return whether the source was closed} */
    public final boolean isClosed() {
        return closed;
    }

    /**
     * Removes the source from its loop; calling it again does nothing, and so does calling it
     * after the loop closed (which closed every source), from any thread. No event reaches it
     * after this returns, even one already reported in the current batch. It does not close a
     * user's {@link org.fdloop.fd.Fd}: only what the loop itself created for the source.
     */
    @Override
    public void close() {
        if (closed || loop.isClosed()) {
            return;
        }
        loop.checkThread("close");
        if (!closed) {
            closed = true;
            loop.uncount(this);
            onClose();
        }
    }

    final void checkOpen() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
    }

    /** Whether a source of this kind keeps {@link EventLoop#run()} going while it is enabled. */
    abstract boolean keepsLoopAlive();

    /** Runs the source's handler for {@code events} (the ready mask; 0 where it has none). */
    abstract void dispatch(int events) throws Exception;

    abstract void onEnable() throws java.io.IOException;

    abstract void onDisable() throws java.io.IOException;

    /** Releases what the loop holds for this source; called once. */
    abstract void onClose();

    @Override
    public String toString() {
        return name + (closed ? " (closed)" : enabled ? "" : " (disabled)");
    }
}
