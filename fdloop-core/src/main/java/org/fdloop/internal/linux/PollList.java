package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.fdloop.fd.LinuxException;

/**
 * A growable array of {@code struct pollfd} for one poll(2) over many fds: how the event loop
 * looks at every signal-driven fd once when the signal queue overflowed.
 *
 * <p>The memory is shared (a loop moves to the thread {@code start()} creates); use it from
 * one thread at a time.
 */
public final class PollList implements AutoCloseable {
    private static final long SIZE = Structs.POLLFD.byteSize();

    private final Arena arena = Arena.ofShared();
    private MemorySegment fds = arena.allocate(SIZE * 16, 8);
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
        fds.set(JAVA_INT, size * SIZE + Structs.POLLFD_FD, fd);
        fds.set(JAVA_SHORT, size * SIZE + Structs.POLLFD_EVENTS, (short) events);
        fds.set(JAVA_SHORT, size * SIZE + Structs.POLLFD_REVENTS, (short) 0);
        size++;
    }

    /** How many fds the list holds. */
    public int size() {
        return size;
    }

    /** Looks at every fd without waiting; returns how many are ready. */
    public int pollNow() throws LinuxException {
        return size == 0 ? 0 : LibC.poll(fds, size, 0);
    }

    /** The events entry {@code i} reported in the last {@link #pollNow}. */
    public int revents(int i) {
        return fds.get(JAVA_SHORT, i * SIZE + Structs.POLLFD_REVENTS) & 0xffff;
    }

    @Override
    public void close() {
        arena.close();
    }
}
