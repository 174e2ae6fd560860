package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.util.Objects;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.LibC;
import org.fdloop.internal.linux.SockAddr;
import org.fdloop.internal.linux.Structs;
import org.fdloop.internal.linux.ThreadScratch;

/**
 * The system calls every socket type shares, once: socket, bind, connect, getsockname,
 * getpeername, shutdown, getsockopt and setsockopt, and the errors they raise, each with what
 * it means for this socket and address.
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
        int fd = LibC.socket(domain(family), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
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
                    + format(address) + " (" + of + "): " + switch (of) {
                        case INET6 -> "open the socket with StandardProtocolFamily.INET6, which takes IPv4 addresses too";
                        case INET -> "open the socket with StandardProtocolFamily.INET or INET6";
                        case UNIX -> "open the socket with StandardProtocolFamily.UNIX";
                    });
        }
    }

    /** An address as people write it: {@code 127.0.0.1:8080}, {@code [::1]:8080}, {@code /run/app.sock}, {@code @name}. */
    static String format(SocketAddress address) {
        return switch (address) {
            case null -> "the address";
            case InetSocketAddress inet when inet.isUnresolved() -> inet.getHostString() + ":" + inet.getPort();
            case InetSocketAddress inet when inet.getAddress() instanceof Inet6Address v6 -> "[" + compact(v6) + "]:" + inet.getPort();
            case InetSocketAddress inet -> inet.getAddress().getHostAddress() + ":" + inet.getPort();
            case UnixDomainSocketAddress unix -> unix.getPath().toString().isEmpty() ? "(unnamed)" : unix.getPath().toString();
            default -> address.toString();
        };
    }

    /** An IPv6 address in its short form (RFC 5952): {@code ::1}, {@code fe80::1%2}; Java writes every group. */
    static String compact(Inet6Address address) {
        byte[] b = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1, bestLength = 1; // the longest run of two or more zero groups becomes "::"
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return address.getScopeId() != 0 ? text + "%" + address.getScopeId() : text.toString();
    }

    private static IllegalArgumentException unresolved(InetSocketAddress address) {
        return new IllegalArgumentException(format(address) + " is unresolved: fdloop does not look host names up (that blocks). "
                + "Resolve it first: new InetSocketAddress(InetAddress.getByName(\"" + address.getHostString() + "\"), "
                + address.getPort() + ")");
    }

    /** bind(2). */
    static void bind(Fd socket, StandardProtocolFamily family, SocketAddress local) throws LinuxException {
        checkAddress(socket, family, local, "bind to");
        int fd = socket.acquire();
        try {
            SockAddr sockaddr = SockAddr.get();
            int r = LibC.bind(fd, sockaddr.out(), sockaddr.encode(local, domain(family)));
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
            return LibC.connect(fd, sockaddr.out(), sockaddr.encode(remote, domain(family)));
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
            int r = LibC.connect(fd, unspecified, (int) Structs.SOCKADDR_IN.byteSize());
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
            int r = LibC.getsockname(fd, sockaddr.in(), sockaddr.inLength());
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
            int r = LibC.getpeername(fd, sockaddr.in(), sockaddr.inLength());
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
            int r = LibC.shutdown(fd, how);
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
        return LibC.poll(pollfd, 1, 0) > 0;
    }

    // ---- options -----------------------------------------------------------------------------

    /** What an option's value is: a boolean, a positive size in bytes, a byte (0 to 255), or SO_LINGER's seconds. */
    private enum Kind { BOOL, SIZE, BYTE, LINGER }

    /** Where an option lives: its getsockopt level and name, and the kind of its value. */
    private record Option(int level, int name, Kind kind) {}

    private static final String SUPPORTED = "fdloop's sockets take SO_REUSEADDR, SO_REUSEPORT, SO_RCVBUF, SO_SNDBUF, "
            + "SO_KEEPALIVE, SO_BROADCAST, SO_LINGER, TCP_NODELAY, IP_TOS, IP_MULTICAST_TTL and IP_MULTICAST_LOOP "
            + "(StandardSocketOptions)";

    private static Option lookup(SocketOption<?> option, Fd socket, StandardProtocolFamily family) {
        Objects.requireNonNull(option, "option");
        boolean ip = family != StandardProtocolFamily.UNIX;
        boolean datagram = socket instanceof DatagramFd;
        boolean v6 = family == StandardProtocolFamily.INET6;
        if (option == StandardSocketOptions.SO_REUSEADDR) return new Option(SOL_SOCKET, SO_REUSEADDR, Kind.BOOL);
        if (option == StandardSocketOptions.SO_REUSEPORT) return new Option(SOL_SOCKET, SO_REUSEPORT, Kind.BOOL);
        if (option == StandardSocketOptions.SO_RCVBUF) return new Option(SOL_SOCKET, SO_RCVBUF, Kind.SIZE);
        if (option == StandardSocketOptions.SO_SNDBUF) return new Option(SOL_SOCKET, SO_SNDBUF, Kind.SIZE);
        if (option == StandardSocketOptions.SO_KEEPALIVE) return new Option(SOL_SOCKET, SO_KEEPALIVE, Kind.BOOL);
        if (option == StandardSocketOptions.SO_BROADCAST) return new Option(SOL_SOCKET, SO_BROADCAST, Kind.BOOL);
        if (option == StandardSocketOptions.SO_LINGER) {
            if (datagram) {
                throw new UnsupportedOperationException("SO_LINGER is for stream sockets (how close() waits for unsent data); "
                        + socket.describe() + " is a datagram socket");
            }
            return new Option(SOL_SOCKET, SO_LINGER, Kind.LINGER);
        }
        if (option == StandardSocketOptions.TCP_NODELAY) {
            if (!ip || datagram) {
                throw new UnsupportedOperationException("TCP_NODELAY is a TCP option; " + socket.describe() + " is not a TCP socket");
            }
            return new Option(IPPROTO_TCP, TCP_NODELAY, Kind.BOOL);
        }
        if (option == StandardSocketOptions.IP_TOS) {
            if (!ip) {
                throw new UnsupportedOperationException("IP_TOS is an IP option; " + socket.describe() + " is a Unix socket");
            }
            // an IPv6 socket's traffic class, as the JDK's own sockets do
            return v6 ? new Option(IPPROTO_IPV6, IPV6_TCLASS, Kind.BYTE) : new Option(IPPROTO_IP, IP_TOS, Kind.BYTE);
        }
        if (option == StandardSocketOptions.IP_MULTICAST_TTL || option == StandardSocketOptions.IP_MULTICAST_LOOP) {
            if (!ip || !datagram) {
                throw new UnsupportedOperationException(option.name() + " is for UDP sockets; " + socket.describe() + " is not one");
            }
            boolean ttl = option == StandardSocketOptions.IP_MULTICAST_TTL;
            return v6 ? new Option(IPPROTO_IPV6, ttl ? IPV6_MULTICAST_HOPS : IPV6_MULTICAST_LOOP, ttl ? Kind.BYTE : Kind.BOOL)
                    : new Option(IPPROTO_IP, ttl ? IP_MULTICAST_TTL : IP_MULTICAST_LOOP, ttl ? Kind.BYTE : Kind.BOOL);
        }
        throw new UnsupportedOperationException(option.name() + " is not supported; " + SUPPORTED);
    }

    /** setsockopt(2). */
    static <T> void setOption(Fd socket, StandardProtocolFamily family, SocketOption<T> option, T value) throws LinuxException {
        Option o = lookup(option, socket, family);
        Objects.requireNonNull(value, "value");
        int raw = o.kind() == Kind.BOOL ? (((Boolean) value) ? 1 : 0) : (Integer) value;
        switch (o.kind()) {
            case SIZE -> {
                if (raw <= 0) {
                    throw new IllegalArgumentException(option.name() + " is a positive number of bytes, not " + raw);
                }
            }
            case BYTE -> {
                if (raw < 0 || raw > 255) {
                    throw new IllegalArgumentException(option.name() + " is from 0 to 255, not " + raw);
                }
            }
            case LINGER -> {
                if (raw > 65535) {
                    throw new IllegalArgumentException("SO_LINGER is a number of seconds from 0 to 65535, or negative "
                            + "for off, not " + raw);
                }
            }
            case BOOL -> { }
        }
        int fd = socket.acquire();
        try {
            SockAddr scratch = SockAddr.get();
            int length = 4;
            if (o.kind() == Kind.LINGER) {
                scratch.option().set(JAVA_INT, Structs.LINGER_ONOFF, raw >= 0 ? 1 : 0);
                scratch.option().set(JAVA_INT, Structs.LINGER_LINGER, Math.max(raw, 0));
                length = (int) Structs.LINGER.byteSize();
            } else {
                scratch.option().set(JAVA_INT, 0, raw);
            }
            int r = LibC.setsockopt(fd, o.level(), o.name(), scratch.option(), length);
            if (r < 0) {
                throw Errno.exception("setsockopt(" + socket.describe() + ", " + option.name() + ", " + value + ")", -r);
            }
        } finally {
            socket.release();
        }
    }

    /** getsockopt(2). SO_LINGER reads -1 when it is off. */
    @SuppressWarnings("unchecked")
    static <T> T option(Fd socket, StandardProtocolFamily family, SocketOption<T> option) throws LinuxException {
        Option o = lookup(option, socket, family);
        int fd = socket.acquire();
        try {
            if (o.kind() == Kind.LINGER) {
                MemorySegment linger = getsockopt(fd, o.level(), o.name(), (int) Structs.LINGER.byteSize(), socket, option.name());
                boolean on = linger.get(JAVA_INT, Structs.LINGER_ONOFF) != 0;
                return (T) Integer.valueOf(on ? linger.get(JAVA_INT, Structs.LINGER_LINGER) : -1);
            }
            int raw = getInt(fd, o.level(), o.name(), socket, option.name());
            return (T) (o.kind() == Kind.BOOL ? Boolean.valueOf(raw != 0) : Integer.valueOf(raw));
        } finally {
            socket.release();
        }
    }

    private static int getInt(Fd socket, int level, int name, String what) throws LinuxException {
        int fd = socket.acquire();
        try {
            return getInt(fd, level, name, socket, what);
        } finally {
            socket.release();
        }
    }

    /** getsockopt(2) of an int option on an fd the caller has acquired. */
    static int getInt(int fd, int level, int name, Fd socket, String what) throws LinuxException {
        return getsockopt(fd, level, name, 4, socket, what).get(JAVA_INT, 0);
    }

    /** getsockopt(2) of a value of {@code bytes} on an fd the caller has acquired: this thread's segment that holds it. */
    private static MemorySegment getsockopt(int fd, int level, int name, int bytes, Fd socket, String what) throws LinuxException {
        SockAddr scratch = SockAddr.get();
        int r = LibC.getsockopt(fd, level, name, scratch.option(), scratch.optionLength(bytes));
        if (r < 0) {
            throw Errno.exception("getsockopt(" + socket.describe() + ", " + what + ")", -r);
        }
        return scratch.option();
    }

    /** getsockopt(SO_ERROR): takes the pending error; the exception for it, or null. */
    static LinuxException takeError(Fd socket, StandardProtocolFamily family) throws LinuxException {
        int error = getInt(socket, SOL_SOCKET, SO_ERROR, "SO_ERROR");
        return error == 0 ? null
                : exception("getsockopt(" + socket.describe() + ", SO_ERROR)", error, hint("SO_ERROR", error, socket, family, null));
    }

    // ---- errors ------------------------------------------------------------------------------

    /** The exception for {@code function} failing with {@code errno} on {@code socket}, about {@code address} (or null). */
    static LinuxException error(String function, int errno, Fd socket, StandardProtocolFamily family, SocketAddress address) {
        String call = function + "(" + socket.describe() + (address == null ? "" : ", " + format(address)) + ")";
        return exception(call, errno, hint(function, errno, socket, family, address));
    }

    /** The exception with {@code hint}, or with Errno's general one (EMFILE, EBADF, ...) where it is null. */
    static LinuxException exception(String call, int errno, String hint) {
        return hint == null ? Errno.exception(call, errno) : Errno.exception(call, errno, hint);
    }

    /** What {@code errno} from {@code function} means for this socket, and what to do; null where Errno's general hint serves. */
    static String hint(String function, int errno, Fd socket, StandardProtocolFamily family, SocketAddress address) {
        boolean unix = family == StandardProtocolFamily.UNIX;
        boolean datagram = socket instanceof DatagramFd;
        String where = format(address);
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
