package org.fdloop;

import java.io.IOException;

/**
 * A source whose own fd sits in the loop's poller: an {@link IoSource}, or an {@link ExitSource}
 * on its pidfd. The loop gives it a slot of its table and a token for the poller (the slot, and
 * above it the slot's generation, so that an event reported for an earlier registration of the
 * same slot is recognised as stale); this class keeps the registration that goes with them.
 */
abstract sealed class PolledSource extends Source permits IoSource, ExitSource, InternalSource, ChildSource, ProcessExitSource {
    /** The slot of the loop's table; set by {@link EventLoop#register}. */
    int slot;
    /** What the poller reports for this source: generation << 32 | slot. */
    long token;
    private boolean registered;

    PolledSource(EventLoop loop, String name) {
        super(loop, name);
    }

    /** The fd number the poller watches. */
    abstract int polledNumber();

    /** Whether the fd is in the poller now. */
    final boolean registered() {
        return registered;
    }

    /** Adds the fd to the poller with {@code events}. */
    final void addToPoller(int events) throws IOException {
        loop.poller().add(polledNumber(), events, token);
        registered = true;
    }

    /** Changes the events the poller watches for; the fd must be in it. */
    final void modifyInPoller(int events) throws IOException {
        loop.poller().modify(polledNumber(), events, token);
    }

    /** Takes the fd out of the poller, if it is in it. */
    final void removeFromPoller() throws IOException {
        if (registered) {
            registered = false;
            loop.poller().remove(polledNumber());
        }
    }

    /** {@link #removeFromPoller()} when closing, where no failure can be reported. */
    final void removeFromPollerQuietly() {
        try {
            removeFromPoller();
        } catch (IOException e) {
            // the fd is still the source's own (IoSource pins it, ExitSource owns its pidfd), so a
            // failure means the poller is gone with its fds. Ignoring.
        }
    }

    /** Puts the fd in the poller for the first time; called once, from {@link EventLoop#register}. */
    abstract void register() throws IOException;

    /** Undoes what opening the source did when {@link #register()} failed. */
    abstract void registrationFailed();
}
