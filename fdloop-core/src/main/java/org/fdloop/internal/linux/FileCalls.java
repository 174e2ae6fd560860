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

    private static final class FcntlInt { static final MethodHandle HANDLE = LibC.bindVariadic("fcntl", 2, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT); }
    private static final class FcntlPtr { static final MethodHandle HANDLE = LibC.bindVariadic("fcntl", 2, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS); }
    private static final class Open { static final MethodHandle HANDLE = LibC.bindVariadic("open", 2, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT); }
    private static final class Statx { static final MethodHandle HANDLE = LibC.bind("statx", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS); }
    private static final class Getdents64 { static final MethodHandle HANDLE = LibC.bind("getdents64", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG); }
    private static final class Pipe2 { static final MethodHandle HANDLE = LibC.bind("pipe2", JAVA_INT, ADDRESS, JAVA_INT); }
    private static final class Mkfifo { static final MethodHandle HANDLE = LibC.bind("mkfifo", JAVA_INT, ADDRESS, JAVA_INT); }
    private static final class Getrlimit { static final MethodHandle HANDLE = LibC.bind("getrlimit", JAVA_INT, JAVA_INT, ADDRESS); }
    private static final class Setrlimit { static final MethodHandle HANDLE = LibC.bind("setrlimit", JAVA_INT, JAVA_INT, ADDRESS); }
    private static final class PosixOpenpt { static final MethodHandle HANDLE = LibC.bind("posix_openpt", JAVA_INT, JAVA_INT); }
    private static final class Grantpt { static final MethodHandle HANDLE = LibC.bind("grantpt", JAVA_INT, JAVA_INT); }
    private static final class Unlockpt { static final MethodHandle HANDLE = LibC.bind("unlockpt", JAVA_INT, JAVA_INT); }
    private static final class PtsnameR { static final MethodHandle HANDLE = LibC.bindReturningError("ptsname_r", JAVA_INT, ADDRESS, JAVA_LONG); }
    private static final class Tcgetattr { static final MethodHandle HANDLE = LibC.bind("tcgetattr", JAVA_INT, JAVA_INT, ADDRESS); }
    private static final class Cfmakeraw { static final MethodHandle HANDLE = LibC.bindPlain("cfmakeraw", FunctionDescriptor.ofVoid(ADDRESS)); }

    /** fcntl(2) with an int argument (or none: pass 0): the command's result, or -errno. */
    public static int fcntl(int fd, int command, int argument) {
        try {
            return (int) FcntlInt.HANDLE.invokeExact(fd, command, argument);
        } catch (Throwable t) {
            throw LibC.unexpected("fcntl", t);
        }
    }

    /** fcntl(2) with a pointer argument (F_SETOWN_EX, F_GETOWN_EX): the command's result, or -errno. */
    public static int fcntl(int fd, int command, MemorySegment argument) {
        try {
            return (int) FcntlPtr.HANDLE.invokeExact(fd, command, argument);
        } catch (Throwable t) {
            throw LibC.unexpected("fcntl", t);
        }
    }

    /** open(2): the new descriptor, or -errno. */
    public static int open(String path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) Open.HANDLE.invokeExact(arena.allocateFrom(path), flags, mode);
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
            int r = (int) Statx.HANDLE.invokeExact(dirfd, arena.allocateFrom(path), flags, Constants.STATX_TYPE, buffer);
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
            return (int) Statx.HANDLE.invokeExact(dirfd, path, flags, mask, buffer);
        } catch (Throwable t) {
            throw LibC.unexpected("statx", t);
        }
    }

    /** getdents64(2): the bytes of {@link Structs#DIRENT64} records read into {@code buffer}, 0 at the end, or -errno. */
    public static long getdents64(int fd, MemorySegment buffer, long size) {
        try {
            return (long) Getdents64.HANDLE.invokeExact(fd, buffer, size);
        } catch (Throwable t) {
            throw LibC.unexpected("getdents64", t);
        }
    }

    /** pipe2(2) into {@code fds}, two ints: the read end, then the write end. 0 or -errno. */
    public static int pipe2(MemorySegment fds, int flags) {
        try {
            return (int) Pipe2.HANDLE.invokeExact(fds, flags);
        } catch (Throwable t) {
            throw LibC.unexpected("pipe2", t);
        }
    }

    /** mkfifo(3): 0 or -errno. */
    public static int mkfifo(String path, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) Mkfifo.HANDLE.invokeExact(arena.allocateFrom(path), mode);
        } catch (Throwable t) {
            throw LibC.unexpected("mkfifo", t);
        }
    }

    /** getrlimit(2) into a {@link Structs#RLIMIT} (RLIM_INFINITY is -1): 0 or -errno. */
    public static int getrlimit(int resource, MemorySegment limit) {
        try {
            return (int) Getrlimit.HANDLE.invokeExact(resource, limit);
        } catch (Throwable t) {
            throw LibC.unexpected("getrlimit", t);
        }
    }

    /** setrlimit(2) from a {@link Structs#RLIMIT}: 0 or -errno. */
    public static int setrlimit(int resource, MemorySegment limit) {
        try {
            return (int) Setrlimit.HANDLE.invokeExact(resource, limit);
        } catch (Throwable t) {
            throw LibC.unexpected("setrlimit", t);
        }
    }

    // ---- terminals ----------------------------------------------------------------------------

    /** posix_openpt(3): the master's descriptor, or -errno. */
    public static int posixOpenpt(int flags) {
        try {
            return (int) PosixOpenpt.HANDLE.invokeExact(flags);
        } catch (Throwable t) {
            throw LibC.unexpected("posix_openpt", t);
        }
    }

    /** grantpt(3): 0 or -errno. */
    public static int grantpt(int fd) {
        try {
            return (int) Grantpt.HANDLE.invokeExact(fd);
        } catch (Throwable t) {
            throw LibC.unexpected("grantpt", t);
        }
    }

    /** unlockpt(3): 0 or -errno. */
    public static int unlockpt(int fd) {
        try {
            return (int) Unlockpt.HANDLE.invokeExact(fd);
        } catch (Throwable t) {
            throw LibC.unexpected("unlockpt", t);
        }
    }

    /** ptsname_r(3): the path of a pty master's slave into {@code name}, a C string; 0 or -errno. */
    public static int ptsname(int fd, MemorySegment name) {
        try {
            return (int) PtsnameR.HANDLE.invokeExact(fd, name, name.byteSize());
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
            return (int) Tcgetattr.HANDLE.invokeExact(fd, termios);
        } catch (Throwable t) {
            throw LibC.unexpected("tcgetattr", t);
        }
    }

    /** cfmakeraw(3): sets a {@link Structs#TERMIOS} to raw mode; it cannot fail. The tests compare fdloop's raw mode with it. */
    public static void cfmakeraw(MemorySegment termios) {
        try {
            Cfmakeraw.HANDLE.invokeExact(termios);
        } catch (Throwable t) {
            throw LibC.unexpected("cfmakeraw", t);
        }
    }
}
