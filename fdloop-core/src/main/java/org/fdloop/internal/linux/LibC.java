package org.fdloop.internal.linux;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.fdloop.internal.linux.Constants.EINTR;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import org.fdloop.fd.LinuxException;

/**
 * One thin wrapper per system call or libc function fdloop uses, named after it.
 *
 * <p>Each function is bound once, as a downcall handle that captures errno. Setup calls throw
 * a {@link LinuxException} on failure (see {@link Errno} for the message). The calls on the
 * I/O path ({@link #read}, {@link #write}, {@link #close}) return {@code -errno} instead, as
 * libuv does, so that EAGAIN costs no exception; EINTR is retried and never returned.
 *
 * <p>The data path and the loop's own calls (read, write, send, recv, sendto, recvfrom, the
 * epoll waits, epoll_ctl, timerfd_settime) are not libc calls but system calls, made through
 * {@link Syscalls}: no errno to capture, nothing allocated per call (see {@code Direct} below).
 *
 * <p>Functions that return their error instead of setting errno ({@code pthread_sigmask},
 * {@code ptsname_r}, {@code pthread_sigqueue}) are bound without the errno capture.
 */
public final class LibC {
    private LibC() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final long ERRNO_OFFSET = Linker.Option.captureStateLayout().byteOffset(groupElement("errno"));

    static {
        // fail at first use on an unknown architecture, before any struct is read
        Arch current = Arch.CURRENT;
        assert current != null;
    }

    // file descriptors
    private static final MethodHandle CLOSE = bind("close", JAVA_INT, JAVA_INT);
    private static final MethodHandle FCNTL_INT = bindVariadic("fcntl", 2, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle FCNTL_PTR = bindVariadic("fcntl", 2, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle OPEN = bindVariadic("open", 2, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle STATX = bind("statx", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle PIPE2 = bind("pipe2", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle MKFIFO = bind("mkfifo", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle POLL = bind("poll", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle GETRLIMIT = bind("getrlimit", JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle SETRLIMIT = bind("setrlimit", JAVA_INT, JAVA_INT, ADDRESS);

    // event fds
    private static final MethodHandle EVENTFD = bind("eventfd", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle TIMERFD_CREATE = bind("timerfd_create", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle TIMERFD_GETTIME = bind("timerfd_gettime", JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle CLOCK_GETTIME = bind("clock_gettime", JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle CLOCK_SETTIME = bind("clock_settime", JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle SIGNALFD = bind("signalfd", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle INOTIFY_INIT1 = bind("inotify_init1", JAVA_INT, JAVA_INT);
    private static final MethodHandle INOTIFY_ADD_WATCH = bind("inotify_add_watch", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle INOTIFY_RM_WATCH = bind("inotify_rm_watch", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle EPOLL_CREATE1 = bind("epoll_create1", JAVA_INT, JAVA_INT);

    // terminals
    private static final MethodHandle POSIX_OPENPT = bind("posix_openpt", JAVA_INT, JAVA_INT);
    private static final MethodHandle GRANTPT = bind("grantpt", JAVA_INT, JAVA_INT);
    private static final MethodHandle UNLOCKPT = bind("unlockpt", JAVA_INT, JAVA_INT);
    private static final MethodHandle PTSNAME_R = bindPlain("ptsname_r", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle TCGETATTR = bind("tcgetattr", JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle TCSETATTR = bind("tcsetattr", JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle CFMAKERAW = bindPlain("cfmakeraw", FunctionDescriptor.ofVoid(ADDRESS));

    // processes, threads, signals
    private static final MethodHandle GETPID = bindPlain("getpid", FunctionDescriptor.of(JAVA_INT));
    // prctl(2) is variadic; both timer-slack options take one unsigned long (or nothing)
    private static final MethodHandle PRCTL = bindVariadic("prctl", 1, JAVA_INT, JAVA_INT, JAVA_LONG);
    private static final MethodHandle GETTID = bindPlain("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle KILL = bind("kill", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle TGKILL = bind("tgkill", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle PTHREAD_SELF = bindPlain("pthread_self", FunctionDescriptor.of(JAVA_LONG));
    private static final MethodHandle PTHREAD_SIGQUEUE = bindPlain("pthread_sigqueue", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
    private static final MethodHandle PTHREAD_SIGMASK = bindPlain("pthread_sigmask", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGRTMIN = bindPlain("__libc_current_sigrtmin", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SIGRTMAX = bindPlain("__libc_current_sigrtmax", FunctionDescriptor.of(JAVA_INT));

    // sockets
    private static final MethodHandle SOCKET = bind("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle BIND = bind("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle LISTEN = bind("listen", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle ACCEPT4 = bind("accept4", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    private static final MethodHandle CONNECT = bind("connect", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle SHUTDOWN = bind("shutdown", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle GETSOCKOPT = bind("getsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle SETSOCKOPT = bind("setsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle GETSOCKNAME = bind("getsockname", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle GETPEERNAME = bind("getpeername", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    // machine code (the native signal handler, the system call stub) and the handler's sigaction
    private static final MethodHandle MMAP = bind("mmap", ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG);
    private static final MethodHandle MPROTECT = bind("mprotect", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle SIGACTION = bind("sigaction", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    // union sigval is one 8-byte word, passed in a general register on x86_64 and aarch64
    private static final MethodHandle SIGQUEUE = bind("sigqueue", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG);

    /**
     * The calls made as system calls, through {@link Syscalls} (result or -errno, no errno
     * capture), in a class of their own so that LibC itself loads without the stub.
     *
     * <p>The data path: glibc's read, write, send, recv, sendto, recvfrom and epoll_pwait are
     * thread-cancellation points, and in a multithreaded process (every JVM) each call pays two
     * atomic updates of the thread's cancel state, about as much again as the downcall itself;
     * fdloop never cancels threads. epoll_ctl and timerfd_settime re-arm one-shot fds and timers.
     * epoll_pwait2 and the pidfd calls work this way with a glibc older than the kernel.
     */
    private static final class Direct {
        static final MethodHandle RW = Syscalls.handle(JAVA_LONG, ADDRESS, JAVA_LONG);
        static final MethodHandle RW_CRITICAL = Syscalls.criticalHandle(JAVA_LONG, ADDRESS, JAVA_LONG);
        // sendto(2) and recvfrom(2) serve all four: send is sendto without an address, recv recvfrom without one
        static final MethodHandle SENDTO = Syscalls.handle(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG);
        static final MethodHandle RECVFROM = Syscalls.handle(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS);
        // the sigmask is always NULL: the loop thread's mask stays as it is
        static final MethodHandle EPOLL_PWAIT = Syscalls.handle(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG);
        static final MethodHandle EPOLL_PWAIT2 = Syscalls.handle(JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG);
        // epoll_ctl(2) and rt_tgsigqueueinfo(2): three numbers and a struct
        static final MethodHandle ARGS3_STRUCT = Syscalls.handle(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS);
        static final MethodHandle TIMERFD_SETTIME = Syscalls.handle(JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS);
        // the poll-set backends' waits (org.fdloop.backend), with the thread's own signal mask (NULL)
        static final MethodHandle PPOLL = Syscalls.handle(ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG);
        static final MethodHandle PSELECT6 = Syscalls.handle(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        static final MethodHandle ARGS2 = Syscalls.handle(JAVA_LONG, JAVA_LONG);
        static final MethodHandle ARGS4 = Syscalls.handle(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
        static final long SYS_READ = Arch.CURRENT.sysRead;
        static final long SYS_WRITE = Arch.CURRENT.sysWrite;
        static final long SYS_SENDTO = Arch.CURRENT.sysSendto;
        static final long SYS_RECVFROM = Arch.CURRENT.sysRecvfrom;
        static final long SYS_EPOLL_PWAIT = Arch.CURRENT.sysEpollPwait;
        static final long SYS_EPOLL_PWAIT2 = Arch.CURRENT.sysEpollPwait2;
        static final long SYS_EPOLL_CTL = Arch.CURRENT.sysEpollCtl;
        static final long SYS_TIMERFD_SETTIME = Arch.CURRENT.sysTimerfdSettime;
        static final long SYS_PPOLL = Arch.CURRENT.sysPpoll;
        static final long SYS_PSELECT6 = Arch.CURRENT.sysPselect6;
        static final long SYS_RT_TGSIGQUEUEINFO = Arch.CURRENT.sysRtTgsigqueueinfo;
        static final long KERNEL_SIGSET_SIZE = 8;
    }

    // ---- file descriptors -------------------------------------------------------------------

    /** close(2). Returns 0 or -errno; on Linux the descriptor is released even when it fails. */
    public static int close(int fd) {
        MemorySegment errno = errnoSlot();
        try {
            int r = (int) CLOSE.invokeExact(errno, fd);
            return r < 0 ? -errno(errno) : r;
        } catch (Throwable t) {
            throw unexpected("close", t);
        }
    }

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
            throw unexpected(TRANSFER_NAMES[call], t);
        }
    }

    /** fcntl(2) with an int argument (or none: pass 0). */
    public static int fcntl(int fd, int command, int argument, String what) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) FCNTL_INT.invokeExact(errno, fd, command, argument);
        } catch (Throwable t) {
            throw unexpected("fcntl", t);
        }
        return check(r, errno, what);
    }

    /** fcntl(2) with a pointer argument (F_SETOWN_EX, F_GETOWN_EX). */
    public static int fcntl(int fd, int command, MemorySegment argument, String what) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) FCNTL_PTR.invokeExact(errno, fd, command, argument);
        } catch (Throwable t) {
            throw unexpected("fcntl", t);
        }
        return check(r, errno, what);
    }

    /** open(2). {@code what} names the call for the error message, with the path and flags. */
    public static int open(String path, int flags, int mode, String what) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = errnoSlot();
            int r = (int) OPEN.invokeExact(errno, arena.allocateFrom(path), flags, mode);
            return check(r, errno, what);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("open", t);
        }
    }

    /** statx(2) of a path (following symbolic links), returning stx_mode. */
    public static int statxMode(String path) throws LinuxException {
        return statxMode(Constants.AT_FDCWD, path, 0, "statx(" + path + ")");
    }

    /** statx(2) of an open descriptor, returning stx_mode. */
    public static int statxMode(int fd, String what) throws LinuxException {
        return statxMode(fd, "", Constants.AT_EMPTY_PATH, what);
    }

    private static int statxMode(int dirfd, String path, int flags, String what) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Structs.STATX);
            MemorySegment errno = errnoSlot();
            int r = (int) STATX.invokeExact(errno, dirfd, arena.allocateFrom(path), flags, Constants.STATX_TYPE, buffer);
            check(r, errno, what);
            return Short.toUnsignedInt(buffer.get(java.lang.foreign.ValueLayout.JAVA_SHORT, Structs.STATX_MODE));
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("statx", t);
        }
    }

    /** pipe2(2): {read end, write end}. */
    public static int[] pipe2(int flags) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            MemorySegment errno = errnoSlot();
            int r = (int) PIPE2.invokeExact(errno, fds, flags);
            check(r, errno, "pipe2()");
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("pipe2", t);
        }
    }

    /** mkfifo(3). */
    public static void mkfifo(String path, int mode) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = errnoSlot();
            int r = (int) MKFIFO.invokeExact(errno, arena.allocateFrom(path), mode);
            check(r, errno, "mkfifo(" + path + ", 0" + Integer.toOctalString(mode) + ")");
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("mkfifo", t);
        }
    }

    /**
     * poll(2) on an array of {@link Structs#POLLFD}. Returns the number of ready entries, or 0
     * when the timeout passed or a signal interrupted the wait (the caller polls again).
     */
    public static int poll(MemorySegment fds, long count, int timeoutMillis) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) POLL.invokeExact(errno, fds, count, timeoutMillis);
        } catch (Throwable t) {
            throw unexpected("poll", t);
        }
        if (r >= 0) {
            return r;
        }
        int e = errno(errno);
        if (e == EINTR) {
            return 0;
        }
        throw Errno.exception("poll(" + count + " fds, " + timeoutMillis + " ms)", e); // the message only on failure
    }

    /**
     * ppoll(2) on an array of {@link Structs#POLLFD}, with a {@link Structs#TIMESPEC} timeout (NULL:
     * no limit) and the thread's own signal mask (sigmask NULL). Returns the number of ready
     * entries, or 0 when the timeout passed or a signal interrupted the wait.
     */
    public static int ppoll(MemorySegment fds, long count, MemorySegment timeout) throws LinuxException {
        long r;
        try {
            r = (long) Direct.PPOLL.invokeExact(Direct.SYS_PPOLL, fds, count, timeout, MemorySegment.NULL, Direct.KERNEL_SIGSET_SIZE);
        } catch (Throwable t) {
            throw unexpected("ppoll", t);
        }
        return waitResult(r, "ppoll", count, " fds");
    }

    /**
     * pselect(2) on three {@link Structs#FD_SET}s (any may be NULL), with a {@link Structs#TIMESPEC}
     * timeout (NULL: no limit) and the thread's own signal mask (sigmask NULL). Returns the number
     * of bits left set, or 0 when the timeout passed or a signal interrupted the wait (the sets
     * are then undefined).
     */
    public static int pselect(int nfds, MemorySegment read, MemorySegment write, MemorySegment except, MemorySegment timeout)
            throws LinuxException {
        long r;
        try {
            // pselect6's sixth argument is a {sigset pointer, size} pair; NULL keeps the thread's mask
            r = (long) Direct.PSELECT6.invokeExact(Direct.SYS_PSELECT6, (long) nfds, read, write, except, timeout, MemorySegment.NULL);
        } catch (Throwable t) {
            throw unexpected("pselect", t);
        }
        return waitResult(r, "pselect", nfds, "");
    }

    /** A wait's result or -errno as the waits return it: the count, 0 for EINTR, else the exception, made only then. */
    private static int waitResult(long r, String call, long count, String unit) throws LinuxException {
        if (r >= 0) {
            return (int) r;
        }
        if (r == -EINTR) {
            return 0;
        }
        throw Errno.exception(call + "(" + count + unit + ")", (int) -r);
    }

    /** getrlimit(2): {soft, hard}; RLIM_INFINITY is -1. */
    public static long[] getrlimit(int resource) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment limit = arena.allocate(Structs.RLIMIT);
            MemorySegment errno = errnoSlot();
            int r = (int) GETRLIMIT.invokeExact(errno, resource, limit);
            check(r, errno, "getrlimit(" + resource + ")");
            return new long[] {limit.get(JAVA_LONG, Structs.RLIMIT_CUR), limit.get(JAVA_LONG, Structs.RLIMIT_MAX)};
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("getrlimit", t);
        }
    }

    /** setrlimit(2). */
    public static void setrlimit(int resource, long soft, long hard) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment limit = arena.allocate(Structs.RLIMIT);
            limit.set(JAVA_LONG, Structs.RLIMIT_CUR, soft);
            limit.set(JAVA_LONG, Structs.RLIMIT_MAX, hard);
            MemorySegment errno = errnoSlot();
            int r = (int) SETRLIMIT.invokeExact(errno, resource, limit);
            check(r, errno, "setrlimit(" + resource + ", " + soft + ", " + hard + ")");
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("setrlimit", t);
        }
    }

    // ---- event fds ----------------------------------------------------------------------------

    /** eventfd(2). */
    public static int eventfd(int initialValue, int flags) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) EVENTFD.invokeExact(errno, initialValue, flags);
        } catch (Throwable t) {
            throw unexpected("eventfd", t);
        }
        return check(r, errno, "eventfd(" + Integer.toUnsignedString(initialValue) + ")");
    }

    /** timerfd_create(2). */
    public static int timerfdCreate(int clock, int flags) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) TIMERFD_CREATE.invokeExact(errno, clock, flags);
        } catch (Throwable t) {
            throw unexpected("timerfd_create", t);
        }
        return check(r, errno, "timerfd_create(clock " + clock + ")");
    }

    /** timerfd_settime(2) with an {@link Structs#ITIMERSPEC}; {@code old} may be NULL. Returns 0 or -errno, as {@link #epollCtl}. */
    public static int timerfdSettime(int fd, int flags, MemorySegment value, MemorySegment old) {
        try {
            return (int) (long) Direct.TIMERFD_SETTIME.invokeExact(Direct.SYS_TIMERFD_SETTIME, (long) fd, (long) flags, value, old);
        } catch (Throwable t) {
            throw unexpected("timerfd_settime", t);
        }
    }

    /** timerfd_gettime(2) into an {@link Structs#ITIMERSPEC}. */
    public static void timerfdGettime(int fd, MemorySegment value) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) TIMERFD_GETTIME.invokeExact(errno, fd, value);
        } catch (Throwable t) {
            throw unexpected("timerfd_gettime", t);
        }
        check(r, errno, "timerfd_gettime(" + fd + ")");
    }

    /** clock_gettime(2) in nanoseconds. */
    public static long clockGettime(int clock) throws LinuxException {
        MemorySegment ts = ThreadScratch.get().record;
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) CLOCK_GETTIME.invokeExact(errno, clock, ts);
        } catch (Throwable t) {
            throw unexpected("clock_gettime", t);
        }
        check(r, errno, "clock_gettime(clock " + clock + ")");
        return ts.get(JAVA_LONG, Structs.TIMESPEC_SEC) * 1_000_000_000L + ts.get(JAVA_LONG, Structs.TIMESPEC_NSEC);
    }

    /** clock_settime(2) from nanoseconds (needs CAP_SYS_TIME). */
    public static void clockSettime(int clock, long nanos) throws LinuxException {
        MemorySegment ts = ThreadScratch.get().record;
        ts.set(JAVA_LONG, Structs.TIMESPEC_SEC, Math.floorDiv(nanos, 1_000_000_000L));
        ts.set(JAVA_LONG, Structs.TIMESPEC_NSEC, Math.floorMod(nanos, 1_000_000_000L));
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) CLOCK_SETTIME.invokeExact(errno, clock, ts);
        } catch (Throwable t) {
            throw unexpected("clock_settime", t);
        }
        check(r, errno, "clock_settime(clock " + clock + ")");
    }

    /** signalfd(2) with a glibc {@link Structs#SIGSET}; {@code fd} -1 creates a new one; {@code what} names it for the error. */
    public static int signalfd(int fd, MemorySegment mask, int flags, String what) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) SIGNALFD.invokeExact(errno, fd, mask, flags);
        } catch (Throwable t) {
            throw unexpected("signalfd", t);
        }
        return check(r, errno, what);
    }

    /** inotify_init1(2). */
    public static int inotifyInit1(int flags) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) INOTIFY_INIT1.invokeExact(errno, flags);
        } catch (Throwable t) {
            throw unexpected("inotify_init1", t);
        }
        return check(r, errno, "inotify_init1()");
    }

    /** inotify_add_watch(2); {@code what} describes path and mask for the error message. */
    public static int inotifyAddWatch(int fd, String path, int mask, String what) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = errnoSlot();
            int r = (int) INOTIFY_ADD_WATCH.invokeExact(errno, fd, arena.allocateFrom(path), mask);
            return check(r, errno, what);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("inotify_add_watch", t);
        }
    }

    /** inotify_rm_watch(2); {@code what} names the instance and wd for the error message. */
    public static void inotifyRmWatch(int fd, int wd, String what) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) INOTIFY_RM_WATCH.invokeExact(errno, fd, wd);
        } catch (Throwable t) {
            throw unexpected("inotify_rm_watch", t);
        }
        check(r, errno, what);
    }

    /** epoll_create1(2). */
    public static int epollCreate1(int flags) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) EPOLL_CREATE1.invokeExact(errno, flags);
        } catch (Throwable t) {
            throw unexpected("epoll_create1", t);
        }
        return check(r, errno, "epoll_create1()");
    }

    /**
     * epoll_ctl(2) with an {@link Structs#EPOLL_EVENT} (NULL for EPOLL_CTL_DEL): 0, or -errno for
     * the caller to report with {@link Errno#exception(String, int)}, so that the message is made
     * only when the call fails.
     */
    public static int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) (long) Direct.ARGS3_STRUCT.invokeExact(Direct.SYS_EPOLL_CTL, (long) epfd, (long) op, (long) fd, event);
        } catch (Throwable t) {
            throw unexpected("epoll_ctl", t);
        }
    }

    /** epoll_wait(2) (as epoll_pwait with no mask, which every architecture has); returns the number of events, or 0 when a signal interrupted the wait. */
    public static int epollWait(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) throws LinuxException {
        long r;
        try {
            r = (long) Direct.EPOLL_PWAIT.invokeExact(Direct.SYS_EPOLL_PWAIT, (long) epfd, events, (long) maxEvents,
                    (long) timeoutMillis, MemorySegment.NULL, Direct.KERNEL_SIGSET_SIZE);
        } catch (Throwable t) {
            throw unexpected("epoll_wait", t);
        }
        if (r >= 0) {
            return (int) r;
        }
        if (r == -EINTR) {
            return 0;
        }
        throw Errno.exception("epoll_wait(" + epfd + ")", (int) -r);
    }

    /**
     * epoll_pwait2(2): waits with a nanosecond {@link Structs#TIMESPEC} timeout (NULL: forever).
     * Returns the number of events, 0 when a signal interrupted the wait, or -errno (ENOSYS on
     * kernels before 5.11); other failures throw.
     */
    public static int epollPwait2(int epfd, MemorySegment events, int maxEvents, MemorySegment timeout) throws LinuxException {
        long r;
        try {
            r = (long) Direct.EPOLL_PWAIT2.invokeExact(Direct.SYS_EPOLL_PWAIT2, (long) epfd, events, (long) maxEvents,
                    timeout, MemorySegment.NULL, Direct.KERNEL_SIGSET_SIZE);
        } catch (Throwable t) {
            throw unexpected("epoll_pwait2", t);
        }
        if (r >= 0) {
            return (int) r;
        }
        if (r == -EINTR) {
            return 0;
        }
        if (r == -Constants.ENOSYS) {
            return (int) r;
        }
        throw Errno.exception("epoll_pwait2(" + epfd + ")", (int) -r);
    }

    /** pidfd_open(2), as a system call so that it works with any glibc. */
    public static int pidfdOpen(long pid, int flags) throws LinuxException {
        long r;
        try {
            r = (long) Direct.ARGS2.invokeExact((long) Constants.SYS_pidfd_open, pid, (long) flags);
        } catch (Throwable t) {
            throw unexpected("pidfd_open", t);
        }
        if (r < 0) {
            throw Errno.exception("pidfd_open(pid " + pid + ")", (int) -r);
        }
        return (int) r;
    }

    /** pidfd_send_signal(2) without a siginfo (it arrives as from kill(2)); {@code what} names it for the error. */
    public static void pidfdSendSignal(int pidfd, int signal, String what) throws LinuxException {
        long r;
        try {
            r = (long) Direct.ARGS4.invokeExact((long) Constants.SYS_pidfd_send_signal, (long) pidfd, (long) signal, 0L, 0L);
        } catch (Throwable t) {
            throw unexpected("pidfd_send_signal", t);
        }
        if (r < 0) {
            throw Errno.exception(what, (int) -r);
        }
    }

    // ---- terminals ----------------------------------------------------------------------------

    /** posix_openpt(3). */
    public static int posixOpenpt(int flags) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) POSIX_OPENPT.invokeExact(errno, flags);
        } catch (Throwable t) {
            throw unexpected("posix_openpt", t);
        }
        return check(r, errno, "posix_openpt()");
    }

    /** grantpt(3). */
    public static void grantpt(int fd) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) GRANTPT.invokeExact(errno, fd);
        } catch (Throwable t) {
            throw unexpected("grantpt", t);
        }
        check(r, errno, "grantpt(" + fd + ")");
    }

    /** unlockpt(3). */
    public static void unlockpt(int fd) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) UNLOCKPT.invokeExact(errno, fd);
        } catch (Throwable t) {
            throw unexpected("unlockpt", t);
        }
        check(r, errno, "unlockpt(" + fd + ")");
    }

    /** ptsname_r(3): the path of a pty master's slave. */
    public static String ptsname(int fd) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(128);
            int error = (int) PTSNAME_R.invokeExact(fd, name, name.byteSize());
            if (error != 0) {
                throw Errno.exception("ptsname_r(" + fd + ")", error);
            }
            return name.getString(0);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("ptsname_r", t);
        }
    }

    /** tcgetattr(3) into a {@link Structs#TERMIOS}. */
    public static void tcgetattr(int fd, MemorySegment termios) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) TCGETATTR.invokeExact(errno, fd, termios);
        } catch (Throwable t) {
            throw unexpected("tcgetattr", t);
        }
        check(r, errno, "tcgetattr(" + fd + ")");
    }

    /** tcsetattr(3) from a {@link Structs#TERMIOS}. */
    public static void tcsetattr(int fd, int action, MemorySegment termios) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) TCSETATTR.invokeExact(errno, fd, action, termios);
        } catch (Throwable t) {
            throw unexpected("tcsetattr", t);
        }
        check(r, errno, "tcsetattr(" + fd + ")");
    }

    /** cfmakeraw(3): sets a {@link Structs#TERMIOS} to raw mode. */
    public static void cfmakeraw(MemorySegment termios) {
        try {
            CFMAKERAW.invokeExact(termios);
        } catch (Throwable t) {
            throw unexpected("cfmakeraw", t);
        }
    }

    // ---- sockets ------------------------------------------------------------------------------
    // Every socket call returns -errno instead of throwing: only the caller knows the address and
    // the family that make the message useful (EADDRINUSE on a port or on a path). Addresses are
    // struct sockaddr_* (Structs.SOCKADDR_*); a socklen_t is an int.

    /** socket(2): the new descriptor, or -errno. */
    public static int socket(int domain, int type, int protocol) {
        MemorySegment errno = errnoSlot();
        try {
            int r = (int) SOCKET.invokeExact(errno, domain, type, protocol);
            return r < 0 ? -errno(errno) : r;
        } catch (Throwable t) {
            throw unexpected("socket", t);
        }
    }

    /** bind(2): 0 or -errno. */
    public static int bind(int fd, MemorySegment address, int length) {
        MemorySegment errno = errnoSlot();
        try {
            int r = (int) BIND.invokeExact(errno, fd, address, length);
            return r < 0 ? -errno(errno) : r;
        } catch (Throwable t) {
            throw unexpected("bind", t);
        }
    }

    /** listen(2): 0 or -errno. */
    public static int listen(int fd, int backlog) {
        MemorySegment errno = errnoSlot();
        try {
            int r = (int) LISTEN.invokeExact(errno, fd, backlog);
            return r < 0 ? -errno(errno) : r;
        } catch (Throwable t) {
            throw unexpected("listen", t);
        }
    }

    /** accept4(2): the new descriptor, or -errno (EAGAIN when no connection is pending); {@code address} may be NULL. */
    public static int accept4(int fd, MemorySegment address, MemorySegment length, int flags) {
        MemorySegment errno = errnoSlot();
        try {
            while (true) {
                int r = (int) ACCEPT4.invokeExact(errno, fd, address, length, flags);
                if (r >= 0) {
                    return r;
                }
                int e = errno(errno);
                if (e != EINTR) {
                    return -e;
                }
            }
        } catch (Throwable t) {
            throw unexpected("accept4", t);
        }
    }

    /**
     * connect(2): 0 or -errno (EINPROGRESS: a non-blocking TCP connect goes on in the background).
     * Never retried on EINTR: the connection goes on, and a second connect would say EALREADY.
     */
    public static int connect(int fd, MemorySegment address, int length) {
        MemorySegment errno = errnoSlot();
        try {
            int r = (int) CONNECT.invokeExact(errno, fd, address, length);
            return r < 0 ? -errno(errno) : r;
        } catch (Throwable t) {
            throw unexpected("connect", t);
        }
    }

    /** shutdown(2): 0 or -errno. */
    public static int shutdown(int fd, int how) {
        MemorySegment errno = errnoSlot();
        try {
            int r = (int) SHUTDOWN.invokeExact(errno, fd, how);
            return r < 0 ? -errno(errno) : r;
        } catch (Throwable t) {
            throw unexpected("shutdown", t);
        }
    }

    /** getsockopt(2): 0 or -errno; {@code length} holds the value's size in, its length out. */
    public static int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment length) {
        MemorySegment errno = errnoSlot();
        try {
            int r = (int) GETSOCKOPT.invokeExact(errno, fd, level, name, value, length);
            return r < 0 ? -errno(errno) : r;
        } catch (Throwable t) {
            throw unexpected("getsockopt", t);
        }
    }

    /** setsockopt(2): 0 or -errno. */
    public static int setsockopt(int fd, int level, int name, MemorySegment value, int length) {
        MemorySegment errno = errnoSlot();
        try {
            int r = (int) SETSOCKOPT.invokeExact(errno, fd, level, name, value, length);
            return r < 0 ? -errno(errno) : r;
        } catch (Throwable t) {
            throw unexpected("setsockopt", t);
        }
    }

    /** getsockname(2): 0 or -errno; {@code length} holds the buffer's size in, the address length out. */
    public static int getsockname(int fd, MemorySegment address, MemorySegment length) {
        MemorySegment errno = errnoSlot();
        try {
            int r = (int) GETSOCKNAME.invokeExact(errno, fd, address, length);
            return r < 0 ? -errno(errno) : r;
        } catch (Throwable t) {
            throw unexpected("getsockname", t);
        }
    }

    /** getpeername(2): 0 or -errno (ENOTCONN when not connected). */
    public static int getpeername(int fd, MemorySegment address, MemorySegment length) {
        MemorySegment errno = errnoSlot();
        try {
            int r = (int) GETPEERNAME.invokeExact(errno, fd, address, length);
            return r < 0 ? -errno(errno) : r;
        } catch (Throwable t) {
            throw unexpected("getpeername", t);
        }
    }

    // ---- processes, threads, signals ----------------------------------------------------------

    /** getpid(2). */
    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw unexpected("getpid", t);
        }
    }

    /** gettid(2): the kernel's id of the calling thread. */
    public static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw unexpected("gettid", t);
        }
    }

    /**
     * The calling thread's timer slack in nanoseconds (prctl PR_GET_TIMERSLACK): how much later
     * than asked the kernel may end its timed waits, to coalesce wake-ups (50,000 by default).
     */
    public static long timerSlack() throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) PRCTL.invokeExact(errno, Constants.PR_GET_TIMERSLACK, 0L);
        } catch (Throwable t) {
            throw unexpected("prctl", t);
        }
        // the return value is the slack; values above 2^31 come back truncated, so read them as unsigned
        return Integer.toUnsignedLong(check(r, errno, "prctl(PR_GET_TIMERSLACK)"));
    }

    /** Sets the calling thread's timer slack (prctl PR_SET_TIMERSLACK); 0 means the thread's default. */
    public static void setTimerSlack(long nanos) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) PRCTL.invokeExact(errno, Constants.PR_SET_TIMERSLACK, nanos);
        } catch (Throwable t) {
            throw unexpected("prctl", t);
        }
        check(r, errno, "prctl(PR_SET_TIMERSLACK, " + nanos + ")");
    }

    /** kill(2). */
    public static void kill(int pid, int signal) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) KILL.invokeExact(errno, pid, signal);
        } catch (Throwable t) {
            throw unexpected("kill", t);
        }
        if (r < 0) {
            throw Errno.exception("kill(" + pid + ", " + signal + ")", errno(errno));
        }
    }

    /** tgkill(2): a signal to one thread of a process. */
    public static void tgkill(int pid, int tid, int signal) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) TGKILL.invokeExact(errno, pid, tid, signal);
        } catch (Throwable t) {
            throw unexpected("tgkill", t);
        }
        if (r < 0) {
            throw Errno.exception("tgkill(" + pid + ", " + tid + ", " + signal + ")", errno(errno));
        }
    }

    /** pthread_sigqueue(3) to the calling thread, carrying {@code value} (si_code SI_QUEUE). */
    public static void sigqueueSelf(int signal, long value) throws LinuxException {
        try {
            long self = (long) PTHREAD_SELF.invokeExact();
            int error = (int) PTHREAD_SIGQUEUE.invokeExact(self, signal, value);
            if (error != 0) {
                throw Errno.exception("pthread_sigqueue(self, " + signal + ")", error);
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("pthread_sigqueue", t);
        }
    }

    /** pthread_sigmask(3) with glibc {@link Structs#SIGSET}s; {@code set} or {@code old} may be NULL. */
    public static void pthreadSigmask(int how, MemorySegment set, MemorySegment old) throws LinuxException {
        int error;
        try {
            error = (int) PTHREAD_SIGMASK.invokeExact(how, set, old);
        } catch (Throwable t) {
            throw unexpected("pthread_sigmask", t);
        }
        if (error != 0) {
            throw Errno.exception("pthread_sigmask(" + how + ")", error);
        }
    }

    /** glibc's SIGRTMIN: the first realtime signal left for applications (34: glibc keeps 32 and 33). */
    public static int sigrtmin() {
        try {
            return (int) SIGRTMIN.invokeExact();
        } catch (Throwable t) {
            throw unexpected("__libc_current_sigrtmin", t);
        }
    }

    /** glibc's SIGRTMAX. */
    public static int sigrtmax() {
        try {
            return (int) SIGRTMAX.invokeExact();
        } catch (Throwable t) {
            throw unexpected("__libc_current_sigrtmax", t);
        }
    }

    // ---- machine code: the native signal handler, the system call stub -------------------------

    /**
     * Maps {@code code} into a page of its own that is executable and no longer writable: mmap(2)
     * read-write, the copy, then mprotect(2) to read-execute, so the page is never writable and
     * executable at once. The page stays mapped for the life of the process. {@code what} names
     * the code for the error, which is what a W^X policy (SELinux's execmem, a seccomp filter)
     * answers.
     */
    public static MemorySegment mapExecutable(byte[] code, String what) throws LinuxException {
        long length = code.length;
        MemorySegment errno = errnoSlot();
        MemorySegment page;
        int r;
        try {
            page = (MemorySegment) MMAP.invokeExact(errno, MemorySegment.NULL, length,
                    Constants.PROT_READ | Constants.PROT_WRITE, Constants.MAP_PRIVATE | Constants.MAP_ANONYMOUS, -1, 0L);
            if (page.address() == -1L) { // MAP_FAILED
                throw Errno.exception("mmap(" + length + ", PROT_READ|PROT_WRITE) for " + what, errno(errno));
            }
            page = page.reinterpret(length);
            MemorySegment.copy(code, 0, page, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, code.length);
            r = (int) MPROTECT.invokeExact(errno, page, length, Constants.PROT_READ | Constants.PROT_EXEC);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("mmap", t);
        }
        check(r, errno, "mprotect(" + what + ", PROT_READ|PROT_EXEC)");
        return page;
    }

    /** sigaction(2) through glibc (which adds its SA_RESTORER trampoline); {@code action} or {@code old} may be NULL. */
    public static void sigaction(int signal, MemorySegment action, MemorySegment old) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) SIGACTION.invokeExact(errno, signal, action, old);
        } catch (Throwable t) {
            throw unexpected("sigaction", t);
        }
        check(r, errno, "sigaction(" + signal + ")");
    }

    /**
     * rt_tgsigqueueinfo(2): {@code signal} with the siginfo {@code info} (whose si_code must be
     * negative) to thread {@code tid} of this process. Returns 0, or -EAGAIN when the queue of
     * realtime signals is full; other failures throw.
     */
    public static int tgsigqueueinfo(int tid, int signal, MemorySegment info) throws LinuxException {
        long r;
        try {
            r = (long) Direct.ARGS3_STRUCT.invokeExact(Direct.SYS_RT_TGSIGQUEUEINFO, ProcessHandle.current().pid(), (long) tid,
                    (long) signal, info);
        } catch (Throwable t) {
            throw unexpected("rt_tgsigqueueinfo", t);
        }
        if (r < 0 && r != -Constants.EAGAIN) {
            throw Errno.exception("rt_tgsigqueueinfo(" + tid + ", " + signal + ")", (int) -r);
        }
        return (int) r;
    }

    /**
     * sigqueue(3): {@code signal} to process {@code pid} with {@code value} (si_code SI_QUEUE).
     * Returns 0, or -EAGAIN when the receiver's queue of realtime signals is full
     * (RLIMIT_SIGPENDING); other failures throw.
     */
    public static int sigqueue(int pid, int signal, long value) throws LinuxException {
        MemorySegment errno = errnoSlot();
        int r;
        try {
            r = (int) SIGQUEUE.invokeExact(errno, pid, signal, value);
        } catch (Throwable t) {
            throw unexpected("sigqueue", t);
        }
        if (r < 0 && errno(errno) == Constants.EAGAIN) {
            return -Constants.EAGAIN;
        }
        if (r < 0) {
            throw Errno.exception("sigqueue(" + pid + ", " + signal + ", " + value + ")", errno(errno));
        }
        return r;
    }

    // ---- binding and errno --------------------------------------------------------------------

    /** This thread's errno capture slot, to pass as a captured call's first argument. */
    private static MemorySegment errnoSlot() {
        return ThreadScratch.get().errno;
    }

    /** The errno a captured call left in {@code slot}. */
    public static int errno(MemorySegment slot) {
        return slot.get(JAVA_INT, ERRNO_OFFSET);
    }

    private static int check(int result, MemorySegment errnoSlot, String what) throws LinuxException {
        if (result < 0) {
            throw Errno.exception(what, errno(errnoSlot));
        }
        return result;
    }

    /** An error that is not the system call's: a bug in a binding, never an errno. */
    static IllegalStateException unexpected(String function, Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("calling " + function + " failed in the Java binding: " + t, t);
    }

    private static MemorySegment symbol(String name) {
        return LOOKUP.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
                "libc has no " + name + ": fdloop needs glibc 2.28 or newer"));
    }

    private static MethodHandle bind(String name, java.lang.foreign.MemoryLayout result, java.lang.foreign.MemoryLayout... arguments) {
        return LINKER.downcallHandle(symbol(name), FunctionDescriptor.of(result, arguments), CAPTURE_ERRNO);
    }

    private static MethodHandle bindVariadic(String name, int firstVariadic, java.lang.foreign.MemoryLayout result,
            java.lang.foreign.MemoryLayout... arguments) {
        return LINKER.downcallHandle(symbol(name), FunctionDescriptor.of(result, arguments), CAPTURE_ERRNO,
                Linker.Option.firstVariadicArg(firstVariadic));
    }

    private static MethodHandle bindPlain(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor);
    }

    /** A {@code const char *f(int)} function that may be missing from this libc; null if it is. */
    static MethodHandle optional(String name) {
        return LOOKUP.find(name)
                .map(s -> LINKER.downcallHandle(s, FunctionDescriptor.of(ADDRESS, JAVA_INT)))
                .orElse(null);
    }
}
