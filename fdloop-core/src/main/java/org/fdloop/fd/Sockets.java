package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.util.Objects;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.SockAddr;
import org.fdloop.internal.linux.SocketCalls;
import org.fdloop.internal.linux.Structs;
import org.fdloop.internal.linux.ThreadScratch;

/**
 * The system calls every socket type shares, once: socket, bind, connect, getsockname,
 * getpeername and shutdown, and the errors they raise, each with what it means for this socket
 * and address. Addresses are encoded, decoded and written in messages by {@link SockAddr}; the
 * options are in {@link SocketOptions}.
 */
final class Sockets {
    private Sockets() {}

    /** A step that sets a new socket up (bind, listen, connect). */
    @FunctionalInterface
    interface Setup<S> {
        void run(S socket) throws IOException;
    }

    /** Runs {@code setup} on a new {@code socket} and returns it; closes it again if setup fails. */
    static <S extends SocketFd> S setUp(S socket, Setup<S> setup) throws IOException {
        try {
            setup.run(socket);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** listen(2)'s backlog when the caller names none; the kernel caps it at net.core.somaxconn. */
    static final int DEFAULT_BACKLOG = 4096;

    // ---- families and kinds ------------------------------------------------------------------

    /** The family, checked: INET, INET6 or UNIX. */
    static StandardProtocolFamily family(ProtocolFamily family) {
        Objects.requireNonNull(family, "family");
        if (family instanceof StandardProtocolFamily standard) {
            return standard;
        }
        throw new IllegalArgumentException("a socket's family is StandardProtocolFamily.INET, INET6 or UNIX, not " + family);
    }

    /** The family of the socket that {@code address} needs. */
    static StandardProtocolFamily familyOf(SocketAddress address) {
        Objects.requireNonNull(address, "address");
        return switch (address) {
            case InetSocketAddress inet when inet.isUnresolved() -> throw unresolved(inet);
            case InetSocketAddress inet when inet.getAddress() instanceof Inet6Address -> StandardProtocolFamily.INET6;
            case InetSocketAddress inet -> StandardProtocolFamily.INET;
            case UnixDomainSocketAddress unix -> StandardProtocolFamily.UNIX;
            case UnixAbstractAddress name -> StandardProtocolFamily.UNIX;
            default -> throw new IllegalArgumentException("fdloop's sockets take an InetSocketAddress, a "
                    + "UnixDomainSocketAddress or a UnixAbstractAddress, not a " + address.getClass().getName());
        };
    }

    /** AF_INET, AF_INET6 or AF_UNIX. */
    static int domain(StandardProtocolFamily family) {
        return switch (family) {
            case INET -> AF_INET;
            case INET6 -> AF_INET6;
            case UNIX -> AF_UNIX;
        };
    }

    /** What a socket is called in messages: {@code "tcp socket"}, {@code "udp6 socket"}, {@code "unix listening socket"}. */
    static String kind(StandardProtocolFamily family, int type, boolean listening) {
        String base = switch (family) {
            case INET -> type == SOCK_STREAM ? "tcp" : "udp";
            case INET6 -> type == SOCK_STREAM ? "tcp6" : "udp6";
            case UNIX -> type == SOCK_STREAM ? "unix stream" : "unix datagram";
        };
        return listening ? base.replace(" stream", "") + " listening socket" : base + " socket";
    }

    /** socket(2), always SOCK_NONBLOCK|SOCK_CLOEXEC. */
    static int open(StandardProtocolFamily family, int type) throws LinuxException {
        int fd = SocketCalls.socket(domain(family), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            String call = "socket(AF_" + family + ", " + (type == SOCK_STREAM ? "SOCK_STREAM" : "SOCK_DGRAM") + ")";
            throw -fd == EAFNOSUPPORT
                    ? Errno.exception(call, -fd, "this kernel has no " + family + " support (IPv6 disabled? see net.ipv6.conf.all.disable_ipv6)")
                    : Errno.exception(call, -fd);
        }
        return fd;
    }

    // ---- addresses ---------------------------------------------------------------------------

    /**
     * Refuses an address that a socket of {@code family} cannot take, saying what to do instead.
     * Costs no allocation for a good address: this runs before every sendto.
     */
    static void checkAddress(Fd socket, StandardProtocolFamily family, SocketAddress address, String action) {
        StandardProtocolFamily of = familyOf(address); // refuses null, unresolved and foreign addresses, saying why
        if (of != family && !(family == StandardProtocolFamily.INET6 && of == StandardProtocolFamily.INET)) {
            throw new IllegalArgumentException(socket.describe() + " is of family " + family + " and cannot " + action + " "
                    + SockAddr.format(address) + " (" + of + "): " + switch (of) {
                        case INET6 -> "open the socket with StandardProtocolFamily.INET6, which takes IPv4 addresses too";
                        case INET -> "open the socket with StandardProtocolFamily.INET or INET6";
                        case UNIX -> "open the socket with StandardProtocolFamily.UNIX";
                    });
        }
    }

    private static IllegalArgumentException unresolved(InetSocketAddress address) {
        return new IllegalArgumentException(SockAddr.format(address) + " is unresolved: fdloop does not look host names up (that blocks). "
                + "Resolve it first: new InetSocketAddress(InetAddress.getByName(\"" + address.getHostString() + "\"), "
                + address.getPort() + ")");
    }

    /** bind(2). */
    static void bind(Fd socket, StandardProtocolFamily family, SocketAddress local) throws LinuxException {
        checkAddress(socket, family, local, "bind to");
        int fd = socket.acquire();
        try {
            SockAddr sockaddr = SockAddr.get();
            int r = SocketCalls.bind(fd, sockaddr.out(), sockaddr.encode(local, domain(family)));
            if (r < 0) {
                throw error("bind", -r, socket, family, local);
            }
        } finally {
            socket.release();
        }
    }

    /** connect(2): 0 or -errno, for the caller to read (EINPROGRESS means different things per type). */
    static int connect(Fd socket, StandardProtocolFamily family, SocketAddress remote) {
        int fd = socket.acquire();
        try {
            SockAddr sockaddr = SockAddr.get();
            return SocketCalls.connect(fd, sockaddr.out(), sockaddr.encode(remote, domain(family)));
        } finally {
            socket.release();
        }
    }

    /** connect(2) to AF_UNSPEC: a datagram socket forgets its peer. */
    static void disconnect(Fd socket) throws LinuxException {
        int fd = socket.acquire();
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment unspecified = arena.allocate(Structs.SOCKADDR_STORAGE);
            unspecified.set(JAVA_SHORT, Structs.SS_FAMILY, (short) AF_UNSPEC);
            int r = SocketCalls.connect(fd, unspecified, (int) Structs.SOCKADDR_IN.byteSize());
            if (r < 0) {
                throw Errno.exception("connect(" + socket.describe() + ", AF_UNSPEC)", -r);
            }
        } finally {
            socket.release();
        }
    }

    /** getsockname(2). */
    static SocketAddress localAddress(Fd socket, StandardProtocolFamily family) throws LinuxException {
        int fd = socket.acquire();
        try {
            SockAddr sockaddr = SockAddr.get();
            int r = SocketCalls.getsockname(fd, sockaddr.in(), sockaddr.inLength());
            if (r < 0) {
                throw error("getsockname", -r, socket, family, null);
            }
            return sockaddr.decode(domain(family));
        } finally {
            socket.release();
        }
    }

    /** getpeername(2). */
    static SocketAddress peerAddress(Fd socket, StandardProtocolFamily family) throws LinuxException {
        int fd = socket.acquire();
        try {
            SockAddr sockaddr = SockAddr.get();
            int r = SocketCalls.getpeername(fd, sockaddr.in(), sockaddr.inLength());
            if (r < 0) {
                throw error("getpeername", -r, socket, family, null);
            }
            return sockaddr.decode(domain(family));
        } finally {
            socket.release();
        }
    }

    /** shutdown(2) with SHUT_RD, SHUT_WR or SHUT_RDWR. */
    static void shutdown(Fd socket, StandardProtocolFamily family, int how) throws LinuxException {
        int fd = socket.acquire();
        try {
            int r = SocketCalls.shutdown(fd, how);
            if (r < 0) {
                String name = how == SHUT_RD ? "SHUT_RD" : how == SHUT_WR ? "SHUT_WR" : "SHUT_RDWR";
                throw exception("shutdown(" + socket.describe() + ", " + name + ")", -r, hint("shutdown", -r, socket, family, null));
            }
        } finally {
            socket.release();
        }
    }

    /** poll(2) for {@code events} without waiting, in this thread's scratch word (a pollfd is 8 bytes). */
    static boolean readyNow(int fd, int events) throws LinuxException {
        MemorySegment pollfd = ThreadScratch.get().word;
        pollfd.set(JAVA_INT, Structs.POLLFD_FD, fd);
        pollfd.set(JAVA_SHORT, Structs.POLLFD_EVENTS, (short) events);
        pollfd.set(JAVA_SHORT, Structs.POLLFD_REVENTS, (short) 0);
        int ready = IoCalls.poll(pollfd, 1, 0);
        if (ready < 0) {
            throw Errno.exception("poll(fd " + fd + ")", -ready);
        }
        return ready > 0;
    }

    /** getsockopt(SO_ERROR): takes the pending error; the exception for it, or null. */
    static LinuxException takeError(Fd socket, StandardProtocolFamily family) throws LinuxException {
        int error = SocketOptions.getInt(socket, SOL_SOCKET, SO_ERROR, "SO_ERROR");
        return error == 0 ? null
                : exception("getsockopt(" + socket.describe() + ", SO_ERROR)", error, hint("SO_ERROR", error, socket, family, null));
    }

    // ---- errors ------------------------------------------------------------------------------

    /** The exception for {@code function} failing with {@code errno} on {@code socket}, about {@code address} (or null). */
    static LinuxException error(String function, int errno, Fd socket, StandardProtocolFamily family, SocketAddress address) {
        String call = function + "(" + socket.describe() + (address == null ? "" : ", " + SockAddr.format(address)) + ")";
        return exception(call, errno, hint(function, errno, socket, family, address));
    }

    /** The exception with {@code hint}, or with Errno's general one (EMFILE, EBADF, ...) where it is null. */
    static LinuxException exception(String call, int errno, String hint) {
        return hint == null ? Errno.exception(call, errno) : Errno.exception(call, errno, hint);
    }

    /** What {@code errno} from {@code function} means for this socket, and what to do; null where Errno's general hint serves. */
    static String hint(String function, int errno, Fd socket, StandardProtocolFamily family, SocketAddress address) {
        boolean unix = family == StandardProtocolFamily.UNIX;
        boolean datagram = socket instanceof DatagramSocket;
        String where = SockAddr.format(address);
        int port = address instanceof InetSocketAddress inet ? inet.getPort() : -1;
        return switch (errno) {
            case EADDRINUSE -> unix
                    ? where + " exists already (a socket file left by an earlier run?): delete it before bind(), or choose another path"
                    : function.equals("listen")
                    ? (port > 0 ? "another socket listens on port " + port + " already (ss -tlnp 'sport = :" + port
                            + "' shows which process): SO_REUSEADDR lets two sockets bind a port, but only one of them "
                            + "listen; sockets that share a port on purpose each set SO_REUSEPORT before bind()"
                            : "no local port is free to bind this socket to before it listens (net.ipv4.ip_local_port_range): "
                                    + "bind it to a port first")
                    : "another socket is bound to " + where + " (ss -" + (datagram ? "u" : "t") + "anp 'sport = :" + port
                            + "' shows which process). A server restarted while its old connections wait in TIME_WAIT "
                            + "binds anyway with SO_REUSEADDR (ListeningSocket.listenOn sets it); sockets that share "
                            + "a port on purpose each set SO_REUSEPORT before bind()";
            case EADDRNOTAVAIL -> function.equals("bind")
                    ? "no interface of this host has the address " + where + ": bind to one it has (ip addr lists them), "
                            + "or to 0.0.0.0 or :: for all"
                    : "no local port is free for this destination (net.ipv4.ip_local_port_range), or it cannot be reached from this address";
            case ECONNREFUSED -> unix
                    ? "a socket file exists at " + where + " but no socket listens on it (left by a server that exited?)"
                    : datagram
                            ? "the peer's port is closed: an ICMP port-unreachable came back for an earlier datagram"
                            : "nothing listens on " + where + " (the peer answered the SYN with a reset)";
            case ENOENT -> unix ? "no socket file at " + where + ": is the server running, and is the path right?" : null;
            case EACCES -> unix
                    ? "no permission: connecting needs write permission on the socket file, binding write permission on "
                            + "its directory; every directory above needs search (x) permission"
                    : port >= 0 && port < 1024 && function.equals("bind")
                            ? "ports below 1024 need CAP_NET_BIND_SERVICE (or a lower net.ipv4.ip_unprivileged_port_start)"
                            : datagram ? "sending to a broadcast address needs SO_BROADCAST" : null;
            case EMSGSIZE -> unix
                    ? "a Unix datagram must fit in the socket's send buffer (SO_SNDBUF): send smaller datagrams or raise it"
                    : "a UDP datagram holds at most 65507 bytes over IPv4 and 65527 over IPv6: split the data";
            case ENOTCONN -> function.equals("recv") || function.equals("send") || function.equals("getpeername")
                            || function.equals("shutdown")
                    ? datagram
                            ? "the socket has no peer: connect() it first, or use send(buffer, address) and receive(buffer)"
                            : "the socket is not connected: connect() it, and when connect() returned false, wait until "
                                    + "it is writable and call finishConnect()"
                    : null;
            case EDESTADDRREQ -> "the socket has no peer: connect() it first, or use send(buffer, address)";
            case EPIPE -> "this socket's sending side is shut down (shutdownOutput), or the connection is closed or was "
                    + "never made; fdloop sends with MSG_NOSIGNAL, so this is an error and not a SIGPIPE";
            case ECONNRESET -> "the peer reset the connection: it closed with data unread, or aborted";
            case EAGAIN -> function.equals("connect") && unix
                    ? "the listener's backlog is full: a non-blocking Unix stream connect does not wait in the background "
                            + "the way TCP does; try again once the server accepts, or give it a larger backlog"
                    : null;
            case EISCONN -> "the socket is connected already";
            case EALREADY -> "a connect is in progress already: wait until the socket is writable, then call finishConnect()";
            case EINVAL -> switch (function) {
                case "bind" -> "the socket is bound already (a socket is bound once)";
                case "accept4" -> "the socket is not listening: call listen(backlog) first";
                case "listen" -> unix ? "bind() the socket to a path first" : null;
                default -> null;
            };
            case ENETUNREACH -> "no route to this network from here (ip route shows the table)";
            case EHOSTUNREACH -> "the host cannot be reached";
            case ETIMEDOUT -> "the peer did not answer in time";
            case EAFNOSUPPORT -> "the address's family does not match the socket's";
            default -> null;
        };
    }
}
