package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.fdloop.internal.linux.Constants.EINTR;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The socket calls: socket, bind, listen, accept4, connect, shutdown, getsockopt, setsockopt,
 * getsockname and getpeername. Each returns its result or {@code -errno} (see {@link LibC}): only
 * the caller knows the address and the family that make the message useful (EADDRINUSE on a port
 * or on a path). Addresses are struct sockaddr_* ({@link SockAddr}); a socklen_t is an int. The
 * transfers (send, recv, sendto, recvfrom) are in {@link IoCalls}.
 */
public final class SocketCalls {
    private SocketCalls() {}

    private static final class Socket { static final MethodHandle HANDLE = LibC.bind("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT); }
    private static final class Bind { static final MethodHandle HANDLE = LibC.bind("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT); }
    private static final class Listen { static final MethodHandle HANDLE = LibC.bind("listen", JAVA_INT, JAVA_INT, JAVA_INT); }
    private static final class Accept4 { static final MethodHandle HANDLE = LibC.bind("accept4", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT); }
    private static final class Connect { static final MethodHandle HANDLE = LibC.bind("connect", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT); }
    private static final class Shutdown { static final MethodHandle HANDLE = LibC.bind("shutdown", JAVA_INT, JAVA_INT, JAVA_INT); }
    private static final class Getsockopt { static final MethodHandle HANDLE = LibC.bind("getsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS); }
    private static final class Setsockopt { static final MethodHandle HANDLE = LibC.bind("setsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT); }
    private static final class Getsockname { static final MethodHandle HANDLE = LibC.bind("getsockname", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS); }
    private static final class Getpeername { static final MethodHandle HANDLE = LibC.bind("getpeername", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS); }

    /** socket(2): the new descriptor, or -errno. */
    public static int socket(int domain, int type, int protocol) {
        try {
            return (int) Socket.HANDLE.invokeExact(domain, type, protocol);
        } catch (Throwable t) {
            throw LibC.unexpected("socket", t);
        }
    }

    /** bind(2): 0 or -errno. */
    public static int bind(int fd, MemorySegment address, int length) {
        try {
            return (int) Bind.HANDLE.invokeExact(fd, address, length);
        } catch (Throwable t) {
            throw LibC.unexpected("bind", t);
        }
    }

    /** listen(2): 0 or -errno. */
    public static int listen(int fd, int backlog) {
        try {
            return (int) Listen.HANDLE.invokeExact(fd, backlog);
        } catch (Throwable t) {
            throw LibC.unexpected("listen", t);
        }
    }

    /** accept4(2): the new descriptor, or -errno (EAGAIN when no connection is pending); {@code address} may be NULL. EINTR is retried. */
    public static int accept4(int fd, MemorySegment address, MemorySegment length, int flags) {
        try {
            while (true) {
                int r = (int) Accept4.HANDLE.invokeExact(fd, address, length, flags);
                if (r != -EINTR) {
                    return r;
                }
            }
        } catch (Throwable t) {
            throw LibC.unexpected("accept4", t);
        }
    }

    /**
     * connect(2): 0 or -errno (EINPROGRESS: a non-blocking TCP connect goes on in the background).
     * Never retried on EINTR: the connection goes on, and a second connect would say EALREADY.
     */
    public static int connect(int fd, MemorySegment address, int length) {
        try {
            return (int) Connect.HANDLE.invokeExact(fd, address, length);
        } catch (Throwable t) {
            throw LibC.unexpected("connect", t);
        }
    }

    /** shutdown(2): 0 or -errno. */
    public static int shutdown(int fd, int how) {
        try {
            return (int) Shutdown.HANDLE.invokeExact(fd, how);
        } catch (Throwable t) {
            throw LibC.unexpected("shutdown", t);
        }
    }

    /** getsockopt(2): 0 or -errno; {@code length} holds the value's size in, its length out. */
    public static int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment length) {
        try {
            return (int) Getsockopt.HANDLE.invokeExact(fd, level, name, value, length);
        } catch (Throwable t) {
            throw LibC.unexpected("getsockopt", t);
        }
    }

    /** setsockopt(2): 0 or -errno. */
    public static int setsockopt(int fd, int level, int name, MemorySegment value, int length) {
        try {
            return (int) Setsockopt.HANDLE.invokeExact(fd, level, name, value, length);
        } catch (Throwable t) {
            throw LibC.unexpected("setsockopt", t);
        }
    }

    /** getsockname(2): 0 or -errno; {@code length} holds the buffer's size in, the address length out. */
    public static int getsockname(int fd, MemorySegment address, MemorySegment length) {
        try {
            return (int) Getsockname.HANDLE.invokeExact(fd, address, length);
        } catch (Throwable t) {
            throw LibC.unexpected("getsockname", t);
        }
    }

    /** getpeername(2): 0 or -errno (ENOTCONN when not connected). */
    public static int getpeername(int fd, MemorySegment address, MemorySegment length) {
        try {
            return (int) Getpeername.HANDLE.invokeExact(fd, address, length);
        } catch (Throwable t) {
            throw LibC.unexpected("getpeername", t);
        }
    }
}
