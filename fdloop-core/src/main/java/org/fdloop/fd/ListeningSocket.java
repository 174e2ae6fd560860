package org.fdloop.fd;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import org.fdloop.internal.linux.SocketCalls;

/**
 * A listening stream socket (TCP or Unix): listen(2) on a bound socket, then
 * {@link #accept()} for each connection the kernel completed.
 *
 * <p>The kernel completes connections by itself and queues them, up to the backlog; the socket
 * is readable while the queue is not empty. {@link #accept()} takes the next one, or returns
 * null when the queue is empty, so a handler accepts until null:
 * <pre>{@code
 * ListeningSocket server = ListeningSocket.listenOn(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
 * loop.onIo(server, IoSource.READABLE, (source, events) -> {
 *     StreamSocket connection;
 *     while ((connection = server.accept()) != null) {
 *         loop.onIo(connection, IoSource.READABLE, ...);
 *     }
 * });
 * }</pre>
 */
public final class ListeningSocket extends Fd implements SocketFd {
    private final StandardProtocolFamily family;

    private ListeningSocket(int number, StandardProtocolFamily family) {
        super(number, Sockets.kind(family, SOCK_STREAM, true));
        this.family = family;
    }

    /**
     * A new stream socket, not yet bound or listening: socket(2) with SOCK_STREAM. Set its
     * options (SO_REUSEADDR, SO_REUSEPORT), {@link #bind} it, then {@link #listen(int)}.
     *
     * @param family {@code StandardProtocolFamily.INET}, {@code INET6} (TCP) or {@code UNIX}
     * @return a new stream socket, not yet bound or listening: socket(2) with SOCK_STREAM
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static ListeningSocket open(ProtocolFamily family) throws IOException {
        StandardProtocolFamily f = Sockets.family(family);
        return new ListeningSocket(Sockets.open(f, SOCK_STREAM), f);
    }

    /**
     * A socket listening on {@code local}, with a backlog of 4096 (the kernel caps it at
     * net.core.somaxconn). A TCP socket gets SO_REUSEADDR first, as nginx, libuv and the JDK
     * set it, so that a restarted server binds its port while old connections linger in
     * TIME_WAIT; another socket listening on the port is still refused (EADDRINUSE). Port 0
     * picks a free port: {@link #localAddress()} tells which.
     *
     * @param local the address to listen on
     * @return a socket listening on {@code local}, with a backlog of 4096 (the kernel caps it at net.core.somaxconn)
     * @throws LinuxException EADDRINUSE, EADDRNOTAVAIL, EACCES: see {@link #bind}
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static ListeningSocket listenOn(SocketAddress local) throws IOException {
        return listenOn(local, Sockets.DEFAULT_BACKLOG);
    }

    /**
     * A socket listening on {@code local} with {@code backlog}: socket(2), SO_REUSEADDR for
     * TCP, bind(2), listen(2). The socket is closed again if a step fails.
     *
     * @param local the address to listen on
     * @param backlog how many connections the kernel keeps waiting for accept
     * @return a socket listening on {@code local} with {@code backlog}
     * @see #listenOn(SocketAddress)
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static ListeningSocket listenOn(SocketAddress local, int backlog) throws IOException {
        checkBacklog(backlog);
        return Sockets.setUp(open(Sockets.familyOf(local)), socket -> {
            if (socket.family != StandardProtocolFamily.UNIX) {
                socket.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            }
            socket.bind(local);
            socket.listen(backlog);
        });
    }

    @Override
    public StandardProtocolFamily family() {
        return family;
    }

    /**
     * Makes the socket listen: listen(2). From now on the kernel completes connections to it
     * and queues up to {@code backlog} of them (capped at net.core.somaxconn) for {@link #accept()};
     * a TCP client beyond that sees its SYN ignored and retried, a Unix one gets EAGAIN.
     * A TCP socket not bound yet is bound to a free port first.
     *
     * @param backlog how many connections the kernel keeps waiting for accept
     * @throws LinuxException EINVAL for a Unix socket not bound yet; EADDRINUSE when another
     *     socket listens on the same port
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void listen(int backlog) throws IOException {
        checkBacklog(backlog);
        int fd = acquire();
        try {
            int r = SocketCalls.listen(fd, backlog);
            if (r < 0) {
                SocketAddress local = null;
                try {
                    local = localAddress(); // the port the hint names
                } catch (IOException e) {
                    // the hint then names none
                }
                throw Sockets.exception("listen(" + describe() + ", " + backlog + ")", -r,
                        Sockets.hint("listen", -r, this, family, local));
            }
        } finally {
            release();
        }
    }

    /**
     * Takes the next completed connection: accept4(2) with SOCK_NONBLOCK|SOCK_CLOEXEC, so the
     * new socket is non-blocking and close-on-exec from the start. A connection that was reset
     * while it waited in the queue (ECONNABORTED) is skipped.
     *
     * @return the connection, or null when none is pending
     * @throws LinuxException EINVAL when the socket is not listening; EMFILE or ENFILE when the
     *     process or system is out of file descriptors (the connection stays queued, and the
     *     socket stays readable)
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public StreamSocket accept() throws IOException {
        int fd = acquire();
        try {
            while (true) {
                int r = SocketCalls.accept4(fd, MemorySegment.NULL, MemorySegment.NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (r >= 0) {
                    return StreamSocket.accepted(r, family);
                }
                if (r == -EAGAIN) {
                    return null;
                }
                if (r != -ECONNABORTED) {
                    throw Sockets.error("accept4", -r, this, family, null);
                }
                // the peer reset it while it was queued: take the next one, ignoring this
            }
        } finally {
            release();
        }
    }

    private static void checkBacklog(int backlog) {
        if (backlog < 0) {
            throw new IllegalArgumentException("a listen backlog is 0 or more connections, not " + backlog);
        }
    }
}
