package org.fdloop;

import java.io.IOException;
import org.fdloop.fd.Fd;
import org.fdloop.internal.FdAccess;

/**
 * One of the loop's own fds, registered like any other: a slot of the loop's table, a token for
 * the poller, and a small handler of its own that the loop calls when the fd is ready (one wakeup
 * type per registration, as sd-event has it). The loop's wake-up eventfd is one; so are the
 * signalfd, the native signal handler's pipe and the inotify behind file watches.
 *
 * <p>How it differs from a user's {@link IoSource}:
 * <ul>
 * <li>Its handler runs while the loop <em>collects</em> what the wait reported, before any
 *     user's handler: it reads its fd and hands what it found to the sources it serves, with
 *     {@link EventLoop#addPending} (dispatched in this iteration, by priority) or
 *     {@link EventLoop#addPendingOnce}. It is not a dispatch: it is neither counted in
 *     {@link LoopStats#eventsDispatched()} nor timed, and the {@link ErrorHandler} never sees it;
 *     an exception it throws ends {@code run()}/{@code runOnce()} as a failed wait would.</li>
 * <li>It never keeps {@code run()} going: the sources it serves do, if they should.</li>
 * <li>It owns its fd: {@link #close()} takes the fd out of the poller and closes it.</li>
 * <li>The loop closes it after every user's source, timer, hook, signal and watch, so that whoever
 *     made it can still use the fd while closing theirs (closing it first is fine too).</li>
 * </ul>
 *
 * <p>Make one with {@link EventLoop#addInternal(String, Fd, int, Handler)}, on the loop thread.
 * {@link #disable()} and {@link #enable()} take the fd out of the poller and put it back.
 */
final class InternalSource extends PolledSource {
    /** What the loop calls when the fd is ready. */
    @FunctionalInterface
    interface Handler {
        /**
         * @param events the ready events the poller reported ({@link IoSource#READABLE} and friends)
         */
        void ready(int events) throws IOException;
    }

    private final Fd fd;
    private final int number;
    private final int events;
    private final Handler handler;

    InternalSource(EventLoop loop, String name, Fd fd, int number, int events, Handler handler) {
        super(loop, name);
        this.fd = fd;
        this.number = number;
        this.events = events;
        this.handler = handler;
    }

    /** The fd. */
    Fd fd() {
        return fd;
    }

    /** Runs the handler; called by the loop's collect step. */
    void collect(int ready) throws IOException {
        handler.ready(ready);
    }

    @Override
    int polledNumber() {
        return number;
    }

    @Override
    void register() throws IOException {
        addToPoller(events);
    }

    @Override
    void registrationFailed() {
        FdAccess.get().unpin(fd);
    }

    @Override
    boolean keepsLoopAlive() {
        return false;
    }

    @Override
    void dispatch(int events) throws IOException {
        collect(events); // not reached: the loop collects internal sources instead of queueing them
    }

    @Override
    void onEnable() throws IOException {
        if (!registered()) {
            addToPoller(events);
        }
    }

    @Override
    void onDisable() throws IOException {
        removeFromPoller();
    }

    @Override
    void onClose() {
        removeFromPollerQuietly();
        loop.release(this);
        fd.close();
    }
}
