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

    private static final MethodHandle SOCKET = LibC.bind("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle BIND = LibC.bind("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle LISTEN = LibC.bind("listen", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle ACCEPT4 = LibC.bind("accept4", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    private static final MethodHandle CONNECT = LibC.bind("connect", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle SHUTDOWN = LibC.bind("shutdown", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle GETSOCKOPT = LibC.bind("getsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle SETSOCKOPT = LibC.bind("setsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle GETSOCKNAME = LibC.bind("getsockname", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle GETPEERNAME = LibC.bind("getpeername", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);

    /** socket(2): the new descriptor, or -errno. */
    public static int socket(int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(domain, type, protocol);
        } catch (Throwable t) {
            throw LibC.unexpected("socket", t);
        }
    }

    /** bind(2): 0 or -errno. */
    public static int bind(int fd, MemorySegment address, int length) {
        try {
            return (int) BIND.invokeExact(fd, address, length);
        } catch (Throwable t) {
            throw LibC.unexpected("bind", t);
        }
    }

    /** listen(2): 0 or -errno. */
    public static int listen(int fd, int backlog) {
        try {
            return (int) LISTEN.invokeExact(fd, backlog);
        } catch (Throwable t) {
            throw LibC.unexpected("listen", t);
        }
    }

    /** accept4(2): the new descriptor, or -errno (EAGAIN when no connection is pending); {@code address} may be NULL. EINTR is retried. */
    public static int accept4(int fd, MemorySegment address, MemorySegment length, int flags) {
        try {
            while (true) {
                int r = (int) ACCEPT4.invokeExact(fd, address, length, flags);
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
            return (int) CONNECT.invokeExact(fd, address, length);
        } catch (Throwable t) {
            throw LibC.unexpected("connect", t);
        }
    }

    /** shutdown(2): 0 or -errno. */
    public static int shutdown(int fd, int how) {
        try {
            return (int) SHUTDOWN.invokeExact(fd, how);
        } catch (Throwable t) {
            throw LibC.unexpected("shutdown", t);
        }
    }

    /** getsockopt(2): 0 or -errno; {@code length} holds the value's size in, its length out. */
    public static int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment length) {
        try {
            return (int) GETSOCKOPT.invokeExact(fd, level, name, value, length);
        } catch (Throwable t) {
            throw LibC.unexpected("getsockopt", t);
        }
    }

    /** setsockopt(2): 0 or -errno. */
    public static int setsockopt(int fd, int level, int name, MemorySegment value, int length) {
        try {
            return (int) SETSOCKOPT.invokeExact(fd, level, name, value, length);
        } catch (Throwable t) {
            throw LibC.unexpected("setsockopt", t);
        }
    }

    /** getsockname(2): 0 or -errno; {@code length} holds the buffer's size in, the address length out. */
    public static int getsockname(int fd, MemorySegment address, MemorySegment length) {
        try {
            return (int) GETSOCKNAME.invokeExact(fd, address, length);
        } catch (Throwable t) {
            throw LibC.unexpected("getsockname", t);
        }
    }

    /** getpeername(2): 0 or -errno (ENOTCONN when not connected). */
    public static int getpeername(int fd, MemorySegment address, MemorySegment length) {
        try {
            return (int) GETPEERNAME.invokeExact(fd, address, length);
        } catch (Throwable t) {
            throw LibC.unexpected("getpeername", t);
        }
    }
}
