package org.fdloop.internal.linux;

import static org.fdloop.internal.linux.Constants.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.fdloop.fd.LinuxException;

/**
 * Signal-driven I/O on a descriptor number, in one place: what {@code Fd.enableAsync}, the loop's
 * signal-driven sources and the SIGIO backend all do.
 *
 * <p>The order is fixed: F_SETSIG, then F_SETOWN_EX (a thread, a process or a process group),
 * then O_ASYNC. On a tty, O_ASYNC before the owner is set installs a process-wide owner, and the
 * next byte would send the signal to any thread of the JVM and end it. (F_SETOWN with a process
 * id sets the same owner as F_SETOWN_EX with F_OWNER_PID; the kernel keeps one.)
 *
 * <p>Only a file whose driver has a {@code ->fasync} method raises the signal, and the kernel keeps
 * O_ASYNC set only on such a file (the method sets it; F_SETFL alone does not). Measured on 6.18:
 * pipes, FIFOs, sockets, ttys and ptys, inotify and /dev/urandom keep it; eventfd, timerfd,
 * signalfd, pidfd, epoll and /dev/null drop it silently, and never signal. {@link #arm} says which.
 */
public final class Fasync {
    private Fasync() {}

    /**
     * Has the kernel queue {@code signal} to thread {@code tid} on each readiness change of
     * {@code fd}. Returns whether it will: false when the file has no {@code ->fasync} and dropped
     * O_ASYNC (the caller must poll it instead).
     *
     * @param name the fd as error messages name it ("pipe read end 7")
     */
    public static boolean arm(int fd, int signal, int tid, String name) throws LinuxException {
        return arm(fd, signal, F_OWNER_TID, tid, name);
    }

    /**
     * As {@link #arm(int, int, int, String)}, to any owner: {@code ownerType} F_OWNER_TID,
     * F_OWNER_PID (what F_SETOWN with a process id sets) or F_OWNER_PGRP; {@code signal} 0 for
     * plain SIGIO, which carries no fd.
     */
    public static boolean arm(int fd, int signal, int ownerType, int ownerId, String name) throws LinuxException {
        String what = "fcntl(" + name + ", ";
        LibC.fcntl(fd, F_SETSIG, signal, what + "F_SETSIG, " + signal + ")");
        setOwner(fd, ownerType, ownerId, name);
        int flags = LibC.fcntl(fd, F_GETFL, 0, what + "F_GETFL)");
        LibC.fcntl(fd, F_SETFL, flags | O_ASYNC | O_NONBLOCK, what + "F_SETFL, O_ASYNC)");
        return (LibC.fcntl(fd, F_GETFL, 0, what + "F_GETFL)") & O_ASYNC) != 0;
    }

    /** Sends {@code fd}'s readiness signals to thread {@code tid} from now on (F_SETOWN_EX, F_OWNER_TID). */
    public static void setOwner(int fd, int tid, String name) throws LinuxException {
        setOwner(fd, F_OWNER_TID, tid, name);
    }

    private static void setOwner(int fd, int type, int id, String name) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment owner = arena.allocate(Structs.F_OWNER_EX);
            owner.set(ValueLayout.JAVA_INT, Structs.F_OWNER_EX_TYPE, type);
            owner.set(ValueLayout.JAVA_INT, Structs.F_OWNER_EX_PID, id);
            String who = switch (type) {
                case F_OWNER_TID -> "tid ";
                case F_OWNER_PID -> "pid ";
                default -> "process group ";
            };
            LibC.fcntl(fd, F_SETOWN_EX, owner, "fcntl(" + name + ", F_SETOWN_EX, " + who + id + ")");
        }
    }

    /** Stops signal-driven I/O on {@code fd} (clears O_ASYNC); the signal and owner stay set. */
    public static void disarm(int fd, String name) throws LinuxException {
        String what = "fcntl(" + name + ", ";
        int flags = LibC.fcntl(fd, F_GETFL, 0, what + "F_GETFL)");
        LibC.fcntl(fd, F_SETFL, flags & ~O_ASYNC, what + "F_SETFL)");
    }

    /** Whether O_ASYNC is set on {@code fd}. */
    public static boolean isArmed(int fd, String name) throws LinuxException {
        return (LibC.fcntl(fd, F_GETFL, 0, "fcntl(" + name + ", F_GETFL)") & O_ASYNC) != 0;
    }
}
