package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The kernel's event objects and clocks: eventfd, timerfd, clock_gettime and clock_settime,
 * signalfd, inotify and pidfd. Each returns its result or {@code -errno} (see {@link LibC}).
 * timerfd_settime and the pidfd calls are system calls through {@link Syscalls}.
 */
public final class EventCalls {
    private EventCalls() {}

    private static final class Eventfd { static final MethodHandle HANDLE = LibC.bind("eventfd", JAVA_INT, JAVA_INT, JAVA_INT); }
    private static final class TimerfdCreate { static final MethodHandle HANDLE = LibC.bind("timerfd_create", JAVA_INT, JAVA_INT, JAVA_INT); }
    private static final class TimerfdGettime { static final MethodHandle HANDLE = LibC.bind("timerfd_gettime", JAVA_INT, JAVA_INT, ADDRESS); }
    private static final class ClockGettime { static final MethodHandle HANDLE = LibC.bind("clock_gettime", JAVA_INT, JAVA_INT, ADDRESS); }
    private static final class ClockSettime { static final MethodHandle HANDLE = LibC.bind("clock_settime", JAVA_INT, JAVA_INT, ADDRESS); }
    private static final class Signalfd { static final MethodHandle HANDLE = LibC.bind("signalfd", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT); }
    private static final class InotifyInit1 { static final MethodHandle HANDLE = LibC.bind("inotify_init1", JAVA_INT, JAVA_INT); }
    private static final class InotifyAddWatch { static final MethodHandle HANDLE = LibC.bind("inotify_add_watch", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT); }
    private static final class InotifyRmWatch { static final MethodHandle HANDLE = LibC.bind("inotify_rm_watch", JAVA_INT, JAVA_INT, JAVA_INT); }

    /** eventfd(2): the new descriptor, or -errno. */
    public static int eventfd(int initialValue, int flags) {
        try {
            return (int) Eventfd.HANDLE.invokeExact(initialValue, flags);
        } catch (Throwable t) {
            throw LibC.unexpected("eventfd", t);
        }
    }

    /** timerfd_create(2): the new descriptor, or -errno. */
    public static int timerfdCreate(int clock, int flags) {
        try {
            return (int) TimerfdCreate.HANDLE.invokeExact(clock, flags);
        } catch (Throwable t) {
            throw LibC.unexpected("timerfd_create", t);
        }
    }

    /** timerfd_settime(2) with an {@link Structs#ITIMERSPEC}; {@code old} may be NULL. 0 or -errno, allocating nothing. */
    public static int timerfdSettime(int fd, int flags, MemorySegment value, MemorySegment old) {
        try {
            return (int) (long) Direct.TIMERFD_SETTIME.invokeExact(Direct.SYS_TIMERFD_SETTIME, (long) fd, (long) flags, value, old);
        } catch (Throwable t) {
            throw LibC.unexpected("timerfd_settime", t);
        }
    }

    /** timerfd_gettime(2) into an {@link Structs#ITIMERSPEC}: 0 or -errno. */
    public static int timerfdGettime(int fd, MemorySegment value) {
        try {
            return (int) TimerfdGettime.HANDLE.invokeExact(fd, value);
        } catch (Throwable t) {
            throw LibC.unexpected("timerfd_gettime", t);
        }
    }

    /** clock_gettime(2) into a {@link Structs#TIMESPEC}: 0 or -errno. */
    public static int clockGettime(int clock, MemorySegment timespec) {
        try {
            return (int) ClockGettime.HANDLE.invokeExact(clock, timespec);
        } catch (Throwable t) {
            throw LibC.unexpected("clock_gettime", t);
        }
    }

    /** clock_settime(2) from a {@link Structs#TIMESPEC} (needs CAP_SYS_TIME): 0 or -errno. */
    public static int clockSettime(int clock, MemorySegment timespec) {
        try {
            return (int) ClockSettime.HANDLE.invokeExact(clock, timespec);
        } catch (Throwable t) {
            throw LibC.unexpected("clock_settime", t);
        }
    }

    /** signalfd(2) with a glibc {@link Structs#SIGSET}; {@code fd} -1 creates a new one. The descriptor, or -errno. */
    public static int signalfd(int fd, MemorySegment mask, int flags) {
        try {
            return (int) Signalfd.HANDLE.invokeExact(fd, mask, flags);
        } catch (Throwable t) {
            throw LibC.unexpected("signalfd", t);
        }
    }

    /** inotify_init1(2): the new descriptor, or -errno. */
    public static int inotifyInit1(int flags) {
        try {
            return (int) InotifyInit1.HANDLE.invokeExact(flags);
        } catch (Throwable t) {
            throw LibC.unexpected("inotify_init1", t);
        }
    }

    /** inotify_add_watch(2): the watch descriptor, or -errno. */
    public static int inotifyAddWatch(int fd, String path, int mask) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) InotifyAddWatch.HANDLE.invokeExact(fd, arena.allocateFrom(path), mask);
        } catch (Throwable t) {
            throw LibC.unexpected("inotify_add_watch", t);
        }
    }

    /** inotify_rm_watch(2): 0 or -errno. */
    public static int inotifyRmWatch(int fd, int wd) {
        try {
            return (int) InotifyRmWatch.HANDLE.invokeExact(fd, wd);
        } catch (Throwable t) {
            throw LibC.unexpected("inotify_rm_watch", t);
        }
    }

    /** pidfd_open(2), as a system call so that it works with any glibc: the new descriptor, or -errno. */
    public static int pidfdOpen(long pid, int flags) {
        try {
            return (int) (long) Direct.ARGS2.invokeExact((long) Constants.SYS_pidfd_open, pid, (long) flags);
        } catch (Throwable t) {
            throw LibC.unexpected("pidfd_open", t);
        }
    }

    /** pidfd_send_signal(2) without a siginfo (it arrives as from kill(2)): 0 or -errno. */
    public static int pidfdSendSignal(int pidfd, int signal) {
        try {
            return (int) (long) Direct.ARGS4.invokeExact((long) Constants.SYS_pidfd_send_signal, (long) pidfd, (long) signal, 0L, 0L);
        } catch (Throwable t) {
            throw LibC.unexpected("pidfd_send_signal", t);
        }
    }
}
