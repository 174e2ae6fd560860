package org.fdloop.internal.backend;

import java.io.IOException;
import org.fdloop.backend.Backend;
import org.fdloop.internal.linux.PollList;

/**
 * The poll backend: ppoll(2) over an array of {@code struct pollfd} kept in step with the table.
 * Each wait hands the kernel the whole array and the kernel looks at every fd in it, so a wait
 * costs time in proportion to the fds registered, ready or not. The timeout reaches the kernel in
 * nanoseconds, and the wait runs with the loop thread's own signal mask (the loop blocks the
 * signals it reads from its signalfd, and they stay blocked while it waits).
 */
final class PollPoller extends PollSetPoller {
    /** {@code struct pollfd} entry i is table entry i; a disarmed one-shot entry has a negative fd, which poll skips. */
    private final PollList pollfds = new PollList();
    private boolean closed;

    PollPoller(int maxEvents) {
        super(maxEvents);
    }

    @Override
    void added(int i) {
        pollfds.add(fds[i], pollEvents(i));
        mirror(i);
    }

    @Override
    void modified(int i) {
        mirror(i);
    }

    @Override
    void disarmed(int i) {
        mirror(i);
    }

    @Override
    void moved(int from, int to) {
        pollfds.copy(from, to);
    }

    @Override
    void removed(int i) {
        pollfds.removeLast(); // its memory stays: moved() copies the last entry into place i next
    }

    private void mirror(int i) {
        // ~fd: poll(2) ignores an entry with a negative fd, so a disarmed one-shot fd reports nothing, not even POLLHUP
        pollfds.set(i, armed[i] ? fds[i] : ~fds[i], pollEvents(i));
    }

    @Override
    void waitFor(long timeoutNanos) throws IOException {
        if (pollfds.ppoll(timeoutNanos) <= 0) {
            return;
        }
        int first = firstIndex();
        for (int k = 0; k < size && !full(); k++) {
            int i = (first + k) % size;
            int revents = pollfds.revents(i);
            if (revents != 0) {
                report(i, revents);
            }
        }
    }

    @Override
    public Backend backend() {
        return Backend.POLL;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            pollfds.close();
        }
    }
}
