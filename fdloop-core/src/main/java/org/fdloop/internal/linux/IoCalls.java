package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.fdloop.internal.linux.Constants.EINTR;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The data path and the waits: close, read, write, send, recv, sendto, recvfrom, poll, ppoll,
 * pselect and epoll. Each returns its result or {@code -errno} (see {@link LibC}); the transfers
 * retry EINTR, and the waits answer 0 for it (the caller waits again). The transfers, the epoll
 * calls, ppoll and pselect are system calls through {@link Syscalls}: no errno to capture, nothing
 * allocated per call.
 */
public final class IoCalls {
    private IoCalls() {}

    private static final class Close { static final MethodHandle HANDLE = LibC.bind("close", JAVA_INT, JAVA_INT); }
    private static final class Poll { static final MethodHandle HANDLE = LibC.bind("poll", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT); }
    private static final class EpollCreate1 { static final MethodHandle HANDLE = LibC.bind("epoll_create1", JAVA_INT, JAVA_INT); }

    /** close(2): 0 or -errno; on Linux the descriptor is released even when it fails. */
    public static int close(int fd) {
        try {
            return (int) Close.HANDLE.invokeExact(fd);
        } catch (Throwable t) {
            throw LibC.unexpected("close", t);
        }
    }

    // ---- the data path ------------------------------------------------------------------------

    /** read(2): bytes read (0 at end of file), or -errno (EAGAIN when nothing is ready). */
    public static long read(int fd, MemorySegment buffer, long count) {
        return transfer(READ, fd, buffer, count, 0, MemorySegment.NULL, 0, MemorySegment.NULL);
    }

    /** write(2): bytes written, or -errno (EAGAIN when the fd cannot take more now). */
    public static long write(int fd, MemorySegment buffer, long count) {
        return transfer(WRITE, fd, buffer, count, 0, MemorySegment.NULL, 0, MemorySegment.NULL);
    }

    /**
     * {@link #read} as a critical downcall (no thread-state change, about 10 ns less): ONLY for a
     * non-blocking eventfd, timerfd or signalfd, whose read never sleeps in the kernel. A critical
     * call that blocks stalls every garbage collection until it returns.
     */
    public static long readCritical(int fd, MemorySegment buffer, long count) {
        return transfer(READ_CRITICAL, fd, buffer, count, 0, MemorySegment.NULL, 0, MemorySegment.NULL);
    }

    /** {@link #write} as a critical downcall: ONLY for a non-blocking eventfd (see {@link #readCritical}). */
    public static long writeCritical(int fd, MemorySegment buffer, long count) {
        return transfer(WRITE_CRITICAL, fd, buffer, count, 0, MemorySegment.NULL, 0, MemorySegment.NULL);
    }

    /** send(2): bytes sent, or -errno (EAGAIN when the send buffer is full). */
    public static long send(int fd, MemorySegment buffer, long count, int flags) {
        return transfer(SENDTO, fd, buffer, count, flags, MemorySegment.NULL, 0, MemorySegment.NULL);
    }

    /** recv(2): bytes received (0 at end of stream, or an empty datagram), or -errno (EAGAIN when nothing is ready). */
    public static long recv(int fd, MemorySegment buffer, long count, int flags) {
        return transfer(RECVFROM, fd, buffer, count, flags, MemorySegment.NULL, 0, MemorySegment.NULL);
    }

    /** sendto(2): bytes sent, or -errno. */
    public static long sendto(int fd, MemorySegment buffer, long count, int flags, MemorySegment address, int length) {
        return transfer(SENDTO, fd, buffer, count, flags, address, length, MemorySegment.NULL);
    }

    /** recvfrom(2): bytes received, or -errno; the sender's address goes to {@code address}, its length to {@code length}. */
    public static long recvfrom(int fd, MemorySegment buffer, long count, int flags, MemorySegment address, MemorySegment length) {
        return transfer(RECVFROM, fd, buffer, count, flags, address, 0, length);
    }

    private static final int READ = 0, WRITE = 1, READ_CRITICAL = 2, WRITE_CRITICAL = 3, SENDTO = 4, RECVFROM = 5;
    private static final String[] TRANSFER_NAMES = {"read", "write", "read", "write", "sendto", "recvfrom"};

    /**
     * The data path's one call: {@code call} is a constant at every caller, so the JIT keeps only
     * its branch. Returns the bytes moved or -errno; EINTR is retried.
     */
    private static long transfer(int call, int fd, MemorySegment buffer, long count, int flags,
            MemorySegment address, long addressLength, MemorySegment addressLengthOut) {
        try {
            while (true) {
                long r = switch (call) {
                    case READ -> (long) Direct.RW.invokeExact(Direct.SYS_READ, (long) fd, buffer, count);
                    case WRITE -> (long) Direct.RW.invokeExact(Direct.SYS_WRITE, (long) fd, buffer, count);
                    case READ_CRITICAL -> (long) Direct.RW_CRITICAL.invokeExact(Direct.SYS_READ, (long) fd, buffer, count);
                    case WRITE_CRITICAL -> (long) Direct.RW_CRITICAL.invokeExact(Direct.SYS_WRITE, (long) fd, buffer, count);
                    case SENDTO -> (long) Direct.SENDTO.invokeExact(Direct.SYS_SENDTO, (long) fd, buffer, count,
                            (long) flags, address, addressLength);
                    default -> (long) Direct.RECVFROM.invokeExact(Direct.SYS_RECVFROM, (long) fd, buffer, count,
                            (long) flags, address, addressLengthOut);
                };
                if (r != -EINTR) {
                    return r;
                }
            }
        } catch (Throwable t) {
            throw LibC.unexpected(TRANSFER_NAMES[call], t);
        }
    }

    // ---- waits --------------------------------------------------------------------------------

    /**
     * poll(2) on an array of {@link Structs#POLLFD}: the number of ready entries, 0 when the
     * timeout passed or a signal interrupted the wait (the caller polls again), or -errno.
     */
    public static int poll(MemorySegment fds, long count, int timeoutMillis) {
        try {
            return waitResult((int) Poll.HANDLE.invokeExact(fds, count, timeoutMillis));
        } catch (Throwable t) {
            throw LibC.unexpected("poll", t);
        }
    }

    /**
     * ppoll(2) on an array of {@link Structs#POLLFD}, with a {@link Structs#TIMESPEC} timeout (NULL:
     * no limit) and the thread's own signal mask (sigmask NULL): the number of ready entries, 0
     * when the timeout passed or a signal interrupted the wait, or -errno.
     */
    public static int ppoll(MemorySegment fds, long count, MemorySegment timeout) {
        try {
            return waitResult((long) Direct.PPOLL.invokeExact(Direct.SYS_PPOLL, fds, count, timeout, MemorySegment.NULL,
                    Direct.KERNEL_SIGSET_SIZE));
        } catch (Throwable t) {
            throw LibC.unexpected("ppoll", t);
        }
    }

    /**
     * pselect(2) on three {@link Structs#FD_SET}s (any may be NULL), with a {@link Structs#TIMESPEC}
     * timeout (NULL: no limit) and the thread's own signal mask (sigmask NULL): the number of bits
     * left set, 0 when the timeout passed or a signal interrupted the wait (the sets are then
     * undefined), or -errno.
     */
    public static int pselect(int nfds, MemorySegment read, MemorySegment write, MemorySegment except, MemorySegment timeout) {
        try {
            // pselect6's sixth argument is a {sigset pointer, size} pair; NULL keeps the thread's mask
            return waitResult((long) Direct.PSELECT6.invokeExact(Direct.SYS_PSELECT6, (long) nfds, read, write, except, timeout,
                    MemorySegment.NULL));
        } catch (Throwable t) {
            throw LibC.unexpected("pselect", t);
        }
    }

    /**
     * pselect6(2) as the kernel has it, with {@code maskAndSize} (a {@code {const sigset_t *,
     * size_t}} pair, the kernel's 8-byte sigset; NULL: select(2), the thread's own mask): the
     * number of bits left set, 0 when the timeout passed, or -errno, -EINTR included (a signal
     * handled during the wait: never restarted, SA_RESTART or not). For the select race
     * demonstration, which must tell a timeout from a wake-up.
     */
    public static int pselect6(int nfds, MemorySegment read, MemorySegment timeout, MemorySegment maskAndSize) {
        try {
            return (int) (long) Direct.PSELECT6.invokeExact(Direct.SYS_PSELECT6, (long) nfds, read, MemorySegment.NULL,
                    MemorySegment.NULL, timeout, maskAndSize);
        } catch (Throwable t) {
            throw LibC.unexpected("pselect6", t);
        }
    }

    /** epoll_create1(2): the new descriptor, or -errno. */
    public static int epollCreate1(int flags) {
        try {
            return (int) EpollCreate1.HANDLE.invokeExact(flags);
        } catch (Throwable t) {
            throw LibC.unexpected("epoll_create1", t);
        }
    }

    /** epoll_ctl(2) with an {@link Structs#EPOLL_EVENT} (NULL for EPOLL_CTL_DEL): 0 or -errno. */
    public static int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) (long) Direct.ARGS3_STRUCT.invokeExact(Direct.SYS_EPOLL_CTL, (long) epfd, (long) op, (long) fd, event);
        } catch (Throwable t) {
            throw LibC.unexpected("epoll_ctl", t);
        }
    }

    /**
     * epoll_wait(2) (as epoll_pwait with no mask, which every architecture has): the number of
     * events, 0 when a signal interrupted the wait, or -errno.
     */
    public static int epollWait(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        try {
            return waitResult((long) Direct.EPOLL_PWAIT.invokeExact(Direct.SYS_EPOLL_PWAIT, (long) epfd, events,
                    (long) maxEvents, (long) timeoutMillis, MemorySegment.NULL, Direct.KERNEL_SIGSET_SIZE));
        } catch (Throwable t) {
            throw LibC.unexpected("epoll_wait", t);
        }
    }

    /**
     * epoll_pwait2(2): waits with a nanosecond {@link Structs#TIMESPEC} timeout (NULL: forever).
     * Returns the number of events, 0 when a signal interrupted the wait, or -errno (ENOSYS on
     * kernels before 5.11).
     */
    public static int epollPwait2(int epfd, MemorySegment events, int maxEvents, MemorySegment timeout) {
        try {
            return waitResult((long) Direct.EPOLL_PWAIT2.invokeExact(Direct.SYS_EPOLL_PWAIT2, (long) epfd, events,
                    (long) maxEvents, timeout, MemorySegment.NULL, Direct.KERNEL_SIGSET_SIZE));
        } catch (Throwable t) {
            throw LibC.unexpected("epoll_pwait2", t);
        }
    }

    /** A wait's answer: the count, 0 for EINTR (the caller waits again), or -errno. */
    private static int waitResult(long r) {
        return r == -EINTR ? 0 : (int) r;
    }
}
