package org.fdloop;

import static org.fdloop.internal.linux.Constants.EMFILE;
import static org.fdloop.internal.linux.Constants.ENFILE;
import static org.fdloop.internal.linux.Constants.SOCK_CLOEXEC;
import static org.fdloop.internal.linux.Constants.SOCK_NONBLOCK;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import org.fdloop.fd.EventFd;
import org.fdloop.fd.LinuxException;
import org.fdloop.fd.ListeningSocket;
import org.fdloop.internal.linux.LibC;

/**
 * What a loop does when a {@link ListeningSocket}'s handler runs out of file descriptors: libuv's
 * reserved descriptor. A listening socket whose accept fails with EMFILE (this process's
 * RLIMIT_NOFILE) or ENFILE (the system's file-max) stays readable while its queue is full, so a
 * level-triggered handler would be called in every iteration, at full CPU, accepting nothing.
 * The loop keeps one descriptor in reserve (an eventfd, opened when the first listening socket is
 * registered); at EMFILE it gives that number back, accepts each waiting connection and closes it
 * at once (the client sees its connection closed rather than waiting in the queue), and takes
 * the reserve again. The source stays enabled, so it accepts again as soon as descriptors are
 * free; the error handler hears of it once per source.
 */
final class AcceptReserve implements AutoCloseable {
    private EventFd reserve;

    /** Opens the reserve, if it is not open yet: when a listening socket is registered. */
    void ensureOpen() throws IOException {
        if (reserve == null) {
            reserve = EventFd.open();
        }
    }

    /** Whether {@code error}, thrown by {@code source}'s handler, is an accept out of descriptors. */
    static boolean outOfDescriptors(Source source, Throwable error) {
        return source instanceof IoSource io && io.fd() instanceof ListeningSocket
                && error instanceof LinuxException e && (e.errno() == EMFILE || e.errno() == ENFILE);
    }

    /**
     * Accepts and closes every connection waiting on {@code listening} (its pinned number), with
     * the reserve's number given back meanwhile. Returns how many it dropped, or -1 when it has no
     * reserve (it could not be opened again after the last time).
     */
    int dropWaiting(int listening) {
        if (reserve == null) {
            return -1;
        }
        reserve.close();
        reserve = null;
        int dropped = 0;
        try {
            int connection;
            // stops at EAGAIN (the queue is empty), or at EMFILE when another thread took the number
            while ((connection = LibC.accept4(listening, MemorySegment.NULL, MemorySegment.NULL,
                    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                LibC.close(connection);
                dropped++;
            }
        } finally {
            try {
                reserve = EventFd.open();
            } catch (IOException e) {
                // taken meanwhile by another thread: the next time the listener fails, the source is disabled, ignoring
            }
        }
        return dropped;
    }

    @Override
    public void close() {
        if (reserve != null) {
            reserve.close();
            reserve = null;
        }
    }
}
