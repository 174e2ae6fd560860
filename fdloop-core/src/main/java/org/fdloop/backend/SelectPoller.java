package org.fdloop.backend;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.Structs;

/**
 * The select backend: pselect(2) over three {@code fd_set} bitmaps, rebuilt from the table
 * before each wait (the kernel overwrites them with the result).
 *
 * <p>An fd_set has FD_SETSIZE (1024) bits, so an fd at or above 1024 cannot be watched at all:
 * registering one is refused. select reports three things: readable (the read set; also a hang-up
 * or an error, which read(2) then returns as end of file or -errno), writable (the write set),
 * and exceptional (the except set: POLLPRI, urgent data). So a hang-up arrives here as READABLE,
 * and READ_HANGUP (a peer's shutdown, told apart from data only by poll's POLLRDHUP) is refused.
 * The timeout reaches the kernel in nanoseconds; the wait runs with the loop thread's own mask.
 */
final class SelectPoller extends PollSetPoller {

    private final Arena arena = Arena.ofShared();
    private final MemorySegment readSet = arena.allocate(Structs.FD_SET);
    private final MemorySegment writeSet = arena.allocate(Structs.FD_SET);
    private final MemorySegment exceptSet = arena.allocate(Structs.FD_SET);
    private final MemorySegment timeout = arena.allocate(Structs.TIMESPEC);
    private boolean closed;

    SelectPoller(int maxEvents) {
        super(maxEvents);
    }

    @Override
    void checkInterest(int fd, int interest) {
        if (fd >= FD_SETSIZE) {
            throw new UnsupportedOperationException("fd " + fd + " is at or above FD_SETSIZE (" + FD_SETSIZE
                    + "), the number of bits in select(2)'s fd_set: the SELECT backend cannot watch it. Open the loop with "
                    + "Backend.EPOLL, POLL, SIGIO or THREADS, which have no such limit");
        }
        if ((interest & EPOLLRDHUP) != 0) {
            throw new UnsupportedOperationException("the SELECT backend cannot report READ_HANGUP (fd " + fd
                    + "): select(2) has no set for a peer's shutdown, which it reports as readable. Ask for READABLE and "
                    + "read the end of stream, or open the loop with Backend.EPOLL or POLL");
        }
        super.checkInterest(fd, interest);
    }

    @Override
    void waitFor(long timeoutNanos) throws IOException {
        readSet.fill((byte) 0);
        writeSet.fill((byte) 0);
        exceptSet.fill((byte) 0);
        int nfds = 0;
        for (int i = 0; i < size; i++) {
            int interest = pollEvents(i);
            int fd = fds[i];
            if ((interest & EPOLLIN) != 0) {
                set(readSet, fd);
            }
            if ((interest & EPOLLOUT) != 0) {
                set(writeSet, fd);
            }
            if ((interest & EPOLLPRI) != 0) {
                set(exceptSet, fd);
            }
            if (interest != 0) {
                nfds = Math.max(nfds, fd + 1);
            }
        }
        MemorySegment limit = MemorySegment.NULL;
        if (timeoutNanos >= 0) {
            timeout.set(JAVA_LONG, Structs.TIMESPEC_SEC, timeoutNanos / 1_000_000_000L);
            timeout.set(JAVA_LONG, Structs.TIMESPEC_NSEC, timeoutNanos % 1_000_000_000L);
            limit = timeout;
        }
        int n = IoCalls.pselect(nfds, readSet, writeSet, exceptSet, limit);
        if (n < 0) {
            throw Errno.exception("pselect(" + nfds + ")", -n);
        }
        if (n == 0) {
            return;
        }
        int first = firstIndex();
        for (int k = 0; k < size && !full(); k++) {
            int i = (first + k) % size;
            int fd = fds[i];
            int revents = (isSet(readSet, fd) ? EPOLLIN : 0) | (isSet(writeSet, fd) ? EPOLLOUT : 0)
                    | (isSet(exceptSet, fd) ? EPOLLPRI : 0);
            if (revents != 0) {
                report(i, revents);
            }
        }
    }

    private static void set(MemorySegment set, int fd) {
        long offset = (fd >>> 6) * 8L;
        set.set(JAVA_LONG, offset, set.get(JAVA_LONG, offset) | (1L << (fd & 63)));
    }

    private static boolean isSet(MemorySegment set, int fd) {
        return (set.get(JAVA_LONG, (fd >>> 6) * 8L) & (1L << (fd & 63))) != 0;
    }

    @Override
    public Backend backend() {
        return Backend.SELECT;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
