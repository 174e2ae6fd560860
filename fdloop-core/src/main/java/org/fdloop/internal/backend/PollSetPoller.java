package org.fdloop.internal.backend;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.util.Arrays;
import org.fdloop.backend.Backend;

/**
 * What the backends without a kernel-side interest list share (POLL, SELECT, THREADS, SIGIO): the
 * table of registrations (fd, interest, token), one-shot emulation, and the list of what the last
 * wait found ready. Each subclass adds only its wait, and keeps whatever it mirrors of the table
 * (a pollfd array, worker threads, O_ASYNC) in step through the hooks.
 *
 * <p>The kernel keeps no interest list for poll(2), select(2) or a blocking read: every wait hands
 * it the whole set again, so the set lives here. The table is dense (index 0 to {@code size - 1});
 * removing an entry moves the last one into its place ({@link #moved}).
 *
 * <p>Interest and readiness use epoll's bits, which are poll's bits for everything the loop asks
 * for (EPOLLIN = POLLIN, EPOLLPRI, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP = POLLRDHUP). A
 * ONESHOT registration is disarmed once reported, until {@link #modify} arms it again. EDGE is
 * refused: these waits tell what is ready, not what changed.
 */
abstract class PollSetPoller extends Poller {
    /** The interest bits a registration may carry (besides ONESHOT). */
    static final int INTEREST = EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDHUP;
    /** What is reported without being asked for. */
    static final int ALWAYS = EPOLLERR | EPOLLHUP;

    private final int capacity;

    // the registrations, index 0 to size - 1
    int size;
    int[] fds = new int[16];
    /** The interest as registered, ONESHOT included. */
    int[] events = new int[16];
    long[] tokens = new long[16];
    /** False once a one-shot registration was reported, until it is modified. */
    boolean[] armed = new boolean[16];
    /** Index + 1 of each fd's registration; 0 when it has none. */
    private int[] indexPlusOne = new int[64];

    // what the last poll() found
    private final int[] readyEvents;
    private final long[] readyTokens;
    private int readyCount;
    /** Where the next scan starts, so that a full ready list does not always favour the same fds. */
    private int rotation;

    PollSetPoller(int maxEvents) {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents is at least 1, not " + maxEvents);
        }
        this.capacity = maxEvents;
        this.readyEvents = new int[maxEvents];
        this.readyTokens = new long[maxEvents];
    }

    // ---- the table ------------------------------------------------------------------------------

    @Override
    public final void add(int fd, int interest, long token) throws IOException {
        if (fd < 0) {
            throw new IllegalArgumentException("a file descriptor is a number >= 0, not " + fd);
        }
        if (indexOf(fd) >= 0) {
            throw new IllegalStateException("fd " + fd + " is registered with this " + backend() + " poller already: modify it");
        }
        checkInterest(fd, interest);
        if (size == fds.length) {
            int grown = size * 2;
            fds = Arrays.copyOf(fds, grown);
            events = Arrays.copyOf(events, grown);
            tokens = Arrays.copyOf(tokens, grown);
            armed = Arrays.copyOf(armed, grown);
        }
        if (fd >= indexPlusOne.length) {
            indexPlusOne = Arrays.copyOf(indexPlusOne, Math.max(fd + 1, indexPlusOne.length * 2));
        }
        int i = size++;
        fds[i] = fd;
        events[i] = interest;
        tokens[i] = token;
        armed[i] = true;
        indexPlusOne[fd] = i + 1;
        try {
            added(i);
        } catch (IOException | RuntimeException e) {
            indexPlusOne[fd] = 0;
            size--;
            throw e;
        }
    }

    @Override
    public final void modify(int fd, int interest, long token) throws IOException {
        int i = require(fd, "modify");
        checkInterest(fd, interest);
        events[i] = interest;
        tokens[i] = token;
        armed[i] = true;
        modified(i);
    }

    @Override
    public final void remove(int fd) throws IOException {
        int i = require(fd, "remove");
        try {
            removed(i);
        } finally {
            int last = --size;
            indexPlusOne[fd] = 0;
            if (i != last) {
                fds[i] = fds[last];
                events[i] = events[last];
                tokens[i] = tokens[last];
                armed[i] = armed[last];
                indexPlusOne[fds[i]] = i + 1;
                moved(last, i);
            }
        }
    }

    /** The index of {@code fd}'s registration, or -1. */
    final int indexOf(int fd) {
        return fd >= 0 && fd < indexPlusOne.length ? indexPlusOne[fd] - 1 : -1;
    }

    private int require(int fd, String what) {
        int i = indexOf(fd);
        if (i < 0) {
            throw new IllegalStateException("cannot " + what + " fd " + fd + ": it is not registered with this " + backend() + " poller");
        }
        return i;
    }

    /**
     * Refuses what this backend cannot wait for, before anything changes. Here: EDGE, which no
     * readiness-list wait can offer. Subclasses add their own limits.
     */
    void checkInterest(int fd, int interest) {
        if ((interest & EPOLLET) != 0) {
            throw new UnsupportedOperationException("the " + backend() + " backend has no edge-triggered mode (EDGE, fd " + fd
                    + "): it learns what is ready, not what changed. Register level-triggered (or ONESHOT and enable() after "
                    + "each event), or open the loop with Backend.EPOLL");
        }
    }

    /** The interest of entry {@code i} as poll(2) takes it: 0 while a one-shot registration is disarmed. */
    final int pollEvents(int i) {
        return armed[i] ? events[i] & INTEREST : 0;
    }

    // hooks for what a subclass mirrors; each is called after the table changed (removed: before)

    /** Entry {@code i} is new. A failure undoes the add. */
    void added(int i) throws IOException {}

    /** Entry {@code i} has a new interest or token, and is armed. */
    void modified(int i) throws IOException {}

    /** Entry {@code i} is about to go; its fd is still the registration's (the loop pins it until remove returns). */
    void removed(int i) throws IOException {}

    /** Entry {@code from} (the last) now lives at {@code to}. */
    void moved(int from, int to) {}

    /** One-shot entry {@code i} was reported and is disarmed now. */
    void disarmed(int i) {}

    // ---- waiting ----------------------------------------------------------------------------------

    @Override
    public final int poll(long timeoutNanos) throws IOException {
        readyCount = 0;
        waitFor(timeoutNanos);
        return readyCount;
    }

    /**
     * Waits as {@link #poll} describes and calls {@link #report} for what is ready. Scans that go
     * over the whole table start at {@link #firstIndex()}.
     */
    abstract void waitFor(long timeoutNanos) throws IOException;

    /** Where a scan of the table starts this time. */
    final int firstIndex() {
        return size == 0 ? 0 : rotation % size;
    }

    /** Whether the ready list is full: what is not reported now is reported by a later poll. */
    final boolean full() {
        return readyCount == capacity;
    }

    /**
     * Reports entry {@code i} with poll's {@code revents}, keeping what it asked for and what is
     * always reported (POLLNVAL counts as an error), and disarms a one-shot entry. Returns whether
     * it was reported: not when disarmed, when nothing it wants is in {@code revents}, or when the
     * list is {@link #full()}.
     */
    final boolean report(int i, int revents) {
        if (!armed[i] || readyCount == capacity) {
            return false;
        }
        int ready = revents & ((events[i] & INTEREST) | ALWAYS);
        if ((revents & POLLNVAL) != 0) {
            ready |= EPOLLERR;
        }
        if (ready == 0) {
            return false;
        }
        readyEvents[readyCount] = ready;
        readyTokens[readyCount] = tokens[i];
        if (++readyCount == capacity) {
            rotation = i + 1; // the next full scan starts after the last entry reported
        }
        if ((events[i] & EPOLLONESHOT) != 0) {
            armed[i] = false;
            disarmed(i);
        }
        return true;
    }

    /** How many entries the current wait reported so far. */
    final int readyCount() {
        return readyCount;
    }

    @Override
    public final int readyEvents(int index) {
        return readyEvents[index];
    }

    @Override
    public final long readyToken(int index) {
        return readyTokens[index];
    }
}
