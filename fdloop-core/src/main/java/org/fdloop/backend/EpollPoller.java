package org.fdloop.backend;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.Structs;

/**
 * The epoll backend: one epoll instance, a native array of {@code struct epoll_event} for
 * results, and one more for epoll_ctl. Timeouts go to the kernel in nanoseconds through
 * epoll_pwait2; on a kernel without it (before 5.11) in milliseconds, rounded up so that the
 * wait is never shorter than asked.
 */
final class EpollPoller extends Poller {
    private static final long EVENT_SIZE = Structs.EPOLL_EVENT.byteSize();
    /**
     * epoll_event.data as a long at a 4-aligned offset (x86_64 packs the struct). Made once: a
     * layout made per call allocates, and each one costs a var handle lookup on every access.
     */
    private static final ValueLayout.OfLong DATA = JAVA_LONG.withByteAlignment(4);
    /** Whether epoll_pwait2 works here; cleared on the first ENOSYS. */
    private static volatile boolean pwait2 = true;

    private final Arena arena = Arena.ofShared();
    private final int epfd;
    private final int capacity;
    private final MemorySegment events;
    private final MemorySegment ctlEvent;
    private final MemorySegment timeout;
    private boolean closed;

    EpollPoller(int maxEvents) throws IOException {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents is at least 1, not " + maxEvents);
        }
        this.capacity = maxEvents;
        this.epfd = Errno.check(IoCalls.epollCreate1(EPOLL_CLOEXEC), "epoll_create1()");
        this.events = arena.allocate(EVENT_SIZE * maxEvents, 8);
        this.ctlEvent = arena.allocate(Structs.EPOLL_EVENT);
        this.timeout = arena.allocate(Structs.TIMESPEC);
    }

    @Override
    public void add(int fd, int events, long token) throws IOException {
        ctl(EPOLL_CTL_ADD, fd, events, token, "ADD");
    }

    @Override
    public void modify(int fd, int events, long token) throws IOException {
        ctl(EPOLL_CTL_MOD, fd, events, token, "MOD");
    }

    @Override
    public void remove(int fd) throws IOException {
        int r = IoCalls.epollCtl(epfd, EPOLL_CTL_DEL, fd, MemorySegment.NULL);
        if (r < 0) {
            throw Errno.exception("epoll_ctl(DEL, fd " + fd + ")", -r);
        }
    }

    private void ctl(int op, int fd, int interest, long token, String name) throws IOException {
        ctlEvent.set(JAVA_INT, Structs.EPOLL_EVENT_EVENTS, interest);
        ctlEvent.set(DATA, Structs.EPOLL_EVENT_DATA, token);
        int r = IoCalls.epollCtl(epfd, op, fd, ctlEvent);
        if (r < 0) {
            throw Errno.exception("epoll_ctl(" + name + ", fd " + fd + ", events 0x" + Integer.toHexString(interest) + ")", -r);
        }
    }

    @Override
    public int poll(long timeoutNanos) throws IOException {
        if (pwait2) {
            MemorySegment limit = MemorySegment.NULL;
            if (timeoutNanos >= 0) {
                timeout.set(JAVA_LONG, Structs.TIMESPEC_SEC, timeoutNanos / 1_000_000_000L);
                timeout.set(JAVA_LONG, Structs.TIMESPEC_NSEC, timeoutNanos % 1_000_000_000L);
                limit = timeout;
            }
            int n = IoCalls.epollPwait2(epfd, events, capacity, limit);
            if (n >= 0) {
                return n;
            }
            if (n != -ENOSYS) {
                throw Errno.exception("epoll_pwait2(" + epfd + ")", -n);
            }
            pwait2 = false; // ENOSYS: a kernel before 5.11; milliseconds from now on
        }
        int millis = timeoutNanos < 0 ? -1 : (int) Math.min(Integer.MAX_VALUE, (timeoutNanos + 999_999) / 1_000_000);
        int n = IoCalls.epollWait(epfd, events, capacity, millis);
        if (n < 0) {
            throw Errno.exception("epoll_wait(" + epfd + ")", -n);
        }
        return n;
    }

    @Override
    public int readyEvents(int index) {
        return events.get(JAVA_INT, index * EVENT_SIZE + Structs.EPOLL_EVENT_EVENTS);
    }

    @Override
    public long readyToken(int index) {
        return events.get(DATA, index * EVENT_SIZE + Structs.EPOLL_EVENT_DATA);
    }

    @Override
    public Backend backend() {
        return Backend.EPOLL;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            IoCalls.close(epfd);
            arena.close();
        }
    }
}
