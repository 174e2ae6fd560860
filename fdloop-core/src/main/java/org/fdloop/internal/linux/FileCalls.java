package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Files, pipes, terminals and resource limits: fcntl, open, statx, getdents64, pipe2, mkfifo, getrlimit,
 * setrlimit, and the pseudo-terminal and termios functions. Each returns its result or
 * {@code -errno} (see {@link LibC}).
 */
public final class FileCalls {
    private FileCalls() {}

    private static final MethodHandle FCNTL_INT = LibC.bindVariadic("fcntl", 2, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle FCNTL_PTR = LibC.bindVariadic("fcntl", 2, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle OPEN = LibC.bindVariadic("open", 2, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle STATX = LibC.bind("statx", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle GETDENTS64 = LibC.bind("getdents64", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle PIPE2 = LibC.bind("pipe2", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle MKFIFO = LibC.bind("mkfifo", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle GETRLIMIT = LibC.bind("getrlimit", JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle SETRLIMIT = LibC.bind("setrlimit", JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle POSIX_OPENPT = LibC.bind("posix_openpt", JAVA_INT, JAVA_INT);
    private static final MethodHandle GRANTPT = LibC.bind("grantpt", JAVA_INT, JAVA_INT);
    private static final MethodHandle UNLOCKPT = LibC.bind("unlockpt", JAVA_INT, JAVA_INT);
    private static final MethodHandle PTSNAME_R = LibC.bindReturningError("ptsname_r", JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle TCGETATTR = LibC.bind("tcgetattr", JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle CFMAKERAW = LibC.bindPlain("cfmakeraw", FunctionDescriptor.ofVoid(ADDRESS));

    /** fcntl(2) with an int argument (or none: pass 0): the command's result, or -errno. */
    public static int fcntl(int fd, int command, int argument) {
        try {
            return (int) FCNTL_INT.invokeExact(fd, command, argument);
        } catch (Throwable t) {
            throw LibC.unexpected("fcntl", t);
        }
    }

    /** fcntl(2) with a pointer argument (F_SETOWN_EX, F_GETOWN_EX): the command's result, or -errno. */
    public static int fcntl(int fd, int command, MemorySegment argument) {
        try {
            return (int) FCNTL_PTR.invokeExact(fd, command, argument);
        } catch (Throwable t) {
            throw LibC.unexpected("fcntl", t);
        }
    }

    /** open(2): the new descriptor, or -errno. */
    public static int open(String path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) OPEN.invokeExact(arena.allocateFrom(path), flags, mode);
        } catch (Throwable t) {
            throw LibC.unexpected("open", t);
        }
    }

    /** statx(2) of a path (following symbolic links): its stx_mode, or -errno. */
    public static int statxMode(String path) {
        return statxMode(Constants.AT_FDCWD, path, 0);
    }

    /** statx(2) of an open descriptor: its stx_mode, or -errno. */
    public static int statxMode(int fd) {
        return statxMode(fd, "", Constants.AT_EMPTY_PATH);
    }

    private static int statxMode(int dirfd, String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Structs.STATX);
            int r = (int) STATX.invokeExact(dirfd, arena.allocateFrom(path), flags, Constants.STATX_TYPE, buffer);
            return r < 0 ? r : Short.toUnsignedInt(buffer.get(JAVA_SHORT, Structs.STATX_MODE));
        } catch (Throwable t) {
            throw LibC.unexpected("statx", t);
        }
    }

    /**
     * statx(2) into {@code buffer} (a {@link Structs#STATX}), of {@code path} (a NUL-terminated
     * string) relative to {@code dirfd}: 0 or -errno. Allocates nothing.
     */
    public static int statx(int dirfd, MemorySegment path, int flags, int mask, MemorySegment buffer) {
        try {
            return (int) STATX.invokeExact(dirfd, path, flags, mask, buffer);
        } catch (Throwable t) {
            throw LibC.unexpected("statx", t);
        }
    }

    /** getdents64(2): the bytes of {@link Structs#DIRENT64} records read into {@code buffer}, 0 at the end, or -errno. */
    public static long getdents64(int fd, MemorySegment buffer, long size) {
        try {
            return (long) GETDENTS64.invokeExact(fd, buffer, size);
        } catch (Throwable t) {
            throw LibC.unexpected("getdents64", t);
        }
    }

    /** pipe2(2) into {@code fds}, two ints: the read end, then the write end. 0 or -errno. */
    public static int pipe2(MemorySegment fds, int flags) {
        try {
            return (int) PIPE2.invokeExact(fds, flags);
        } catch (Throwable t) {
            throw LibC.unexpected("pipe2", t);
        }
    }

    /** mkfifo(3): 0 or -errno. */
    public static int mkfifo(String path, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) MKFIFO.invokeExact(arena.allocateFrom(path), mode);
        } catch (Throwable t) {
            throw LibC.unexpected("mkfifo", t);
        }
    }

    /** getrlimit(2) into a {@link Structs#RLIMIT} (RLIM_INFINITY is -1): 0 or -errno. */
    public static int getrlimit(int resource, MemorySegment limit) {
        try {
            return (int) GETRLIMIT.invokeExact(resource, limit);
        } catch (Throwable t) {
            throw LibC.unexpected("getrlimit", t);
        }
    }

    /** setrlimit(2) from a {@link Structs#RLIMIT}: 0 or -errno. */
    public static int setrlimit(int resource, MemorySegment limit) {
        try {
            return (int) SETRLIMIT.invokeExact(resource, limit);
        } catch (Throwable t) {
            throw LibC.unexpected("setrlimit", t);
        }
    }

    // ---- terminals ----------------------------------------------------------------------------

    /** posix_openpt(3): the master's descriptor, or -errno. */
    public static int posixOpenpt(int flags) {
        try {
            return (int) POSIX_OPENPT.invokeExact(flags);
        } catch (Throwable t) {
            throw LibC.unexpected("posix_openpt", t);
        }
    }

    /** grantpt(3): 0 or -errno. */
    public static int grantpt(int fd) {
        try {
            return (int) GRANTPT.invokeExact(fd);
        } catch (Throwable t) {
            throw LibC.unexpected("grantpt", t);
        }
    }

    /** unlockpt(3): 0 or -errno. */
    public static int unlockpt(int fd) {
        try {
            return (int) UNLOCKPT.invokeExact(fd);
        } catch (Throwable t) {
            throw LibC.unexpected("unlockpt", t);
        }
    }

    /** ptsname_r(3): the path of a pty master's slave into {@code name}, a C string; 0 or -errno. */
    public static int ptsname(int fd, MemorySegment name) {
        try {
            return (int) PTSNAME_R.invokeExact(fd, name, name.byteSize());
        } catch (Throwable t) {
            throw LibC.unexpected("ptsname_r", t);
        }
    }

    /**
     * tcgetattr(3) into a {@link Structs#TERMIOS}: 0 or -errno. fdloop reads and sets terminals
     * through the kernel's termios2 (DeviceCalls); the tests read them through glibc too.
     */
    public static int tcgetattr(int fd, MemorySegment termios) {
        try {
            return (int) TCGETATTR.invokeExact(fd, termios);
        } catch (Throwable t) {
            throw LibC.unexpected("tcgetattr", t);
        }
    }

    /** cfmakeraw(3): sets a {@link Structs#TERMIOS} to raw mode; it cannot fail. The tests compare fdloop's raw mode with it. */
    public static void cfmakeraw(MemorySegment termios) {
        try {
            CFMAKERAW.invokeExact(termios);
        } catch (Throwable t) {
            throw LibC.unexpected("cfmakeraw", t);
        }
    }
}
