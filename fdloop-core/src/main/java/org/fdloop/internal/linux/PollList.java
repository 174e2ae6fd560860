package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.fdloop.fd.LinuxException;

/**
 * A growable array of {@code struct pollfd} for one poll(2) over many fds: how the event loop
 * looks at every signal-driven fd once when the signal queue overflowed, and how the POLL,
 * THREADS and SIGIO backends wait.
 *
 * <p>The memory is shared (a loop moves to the thread {@code start()} creates); use it from
 * one thread at a time.
 */
public final class PollList implements AutoCloseable {
    private static final long SIZE = Structs.POLLFD.byteSize();

    private final Arena arena = Arena.ofShared();
    private MemorySegment fds = arena.allocate(SIZE * 16, 8);
    private final MemorySegment timeout = arena.allocate(Structs.TIMESPEC);
    private int size;

    /** Empties the list. */
    public void clear() {
        size = 0;
    }

    /** Adds {@code fd}, watched for {@code events} (POLLIN, POLLOUT, POLLPRI). */
    public void add(int fd, int events) {
        if ((size + 1) * SIZE > fds.byteSize()) {
            MemorySegment bigger = arena.allocate(fds.byteSize() * 2, 8);
            bigger.copyFrom(fds);
            fds = bigger;
        }
        size++;
        set(size - 1, fd, events);
    }

    /**
     * Sets entry {@code i} to {@code fd} and {@code events}; a negative {@code fd} makes poll(2)
     * skip the entry (and report nothing for it, not even POLLHUP).
     */
    public void set(int i, int fd, int events) {
        fds.set(JAVA_INT, i * SIZE + Structs.POLLFD_FD, fd);
        fds.set(JAVA_SHORT, i * SIZE + Structs.POLLFD_EVENTS, (short) events);
        fds.set(JAVA_SHORT, i * SIZE + Structs.POLLFD_REVENTS, (short) 0);
    }

    /** Copies entry {@code from} over entry {@code to}. */
    public void copy(int from, int to) {
        MemorySegment.copy(fds, from * SIZE, fds, to * SIZE, SIZE);
    }

    /** Drops the last entry. */
    public void removeLast() {
        size--;
    }

    /** How many fds the list holds. */
    public int size() {
        return size;
    }

    /** Looks at every fd without waiting; returns how many are ready. */
    public int pollNow() throws LinuxException {
        if (size == 0) {
            return 0;
        }
        int ready = IoCalls.poll(fds, size, 0);
        if (ready < 0) {
            throw Errno.exception("poll(" + size + " fds, 0 ms)", -ready);
        }
        return ready;
    }

    /**
     * Waits with ppoll(2) until an entry is ready or {@code timeoutNanos} passed (-1: no limit;
     * nanoseconds reach the kernel as they are). Returns how many are ready; 0 also when a signal
     * interrupted the wait.
     */
    public int ppoll(long timeoutNanos) throws LinuxException {
        MemorySegment limit = MemorySegment.NULL;
        if (timeoutNanos >= 0) {
            timeout.set(java.lang.foreign.ValueLayout.JAVA_LONG, Structs.TIMESPEC_SEC, timeoutNanos / 1_000_000_000L);
            timeout.set(java.lang.foreign.ValueLayout.JAVA_LONG, Structs.TIMESPEC_NSEC, timeoutNanos % 1_000_000_000L);
            limit = timeout;
        }
        int ready = IoCalls.ppoll(fds, size, limit);
        if (ready < 0) {
            throw Errno.exception("ppoll(" + size + " fds)", -ready);
        }
        return ready;
    }

    /** The fd of entry {@code i}. */
    public int fd(int i) {
        return fds.get(JAVA_INT, i * SIZE + Structs.POLLFD_FD);
    }

    /** The events entry {@code i} reported in the last {@link #pollNow} or {@link #ppoll}. */
    public int revents(int i) {
        return fds.get(JAVA_SHORT, i * SIZE + Structs.POLLFD_REVENTS) & 0xffff;
    }

    @Override
    public void close() {
        arena.close();
    }
}
