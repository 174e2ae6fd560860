package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.fdloop.internal.linux.Constants.*;

import java.lang.foreign.MemorySegment;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.util.Objects;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.SockAddr;
import org.fdloop.internal.linux.SocketCalls;
import org.fdloop.internal.linux.Structs;

/**
 * The socket options fdloop's sockets take, once: each {@link StandardSocketOptions} option's
 * getsockopt level and name, the kind of its value and the values it refuses, and the sockets
 * it is for; with getsockopt(2) and setsockopt(2) on them.
 */
final class SocketOptions {
    private SocketOptions() {}

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
        boolean datagram = socket instanceof DatagramSocket;
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
    static <T> void set(Fd socket, StandardProtocolFamily family, SocketOption<T> option, T value) throws LinuxException {
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
            int r = SocketCalls.setsockopt(fd, o.level(), o.name(), scratch.option(), length);
            if (r < 0) {
                throw Errno.exception("setsockopt(" + socket.describe() + ", " + option.name() + ", " + value + ")", -r);
            }
        } finally {
            socket.release();
        }
    }

    /** getsockopt(2). SO_LINGER reads -1 when it is off. */
    @SuppressWarnings("unchecked")
    static <T> T get(Fd socket, StandardProtocolFamily family, SocketOption<T> option) throws LinuxException {
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

    /** getsockopt(2) of an int option. */
    static int getInt(Fd socket, int level, int name, String what) throws LinuxException {
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
        int r = SocketCalls.getsockopt(fd, level, name, scratch.option(), scratch.optionLength(bytes));
        if (r < 0) {
            throw Errno.exception("getsockopt(" + socket.describe() + ", " + what + ")", -r);
        }
        return scratch.option();
    }
}
