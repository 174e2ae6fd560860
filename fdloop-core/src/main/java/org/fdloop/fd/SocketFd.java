package org.fdloop.fd;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;

/**
 * What every socket fdloop opens can do: {@link StreamSocket} (a TCP or Unix stream connection),
 * {@link ListeningSocket} (accepts connections) and {@link DatagramFd} (UDP or Unix datagrams).
 *
 * <p>Every socket is created with socket(2) and {@code SOCK_NONBLOCK|SOCK_CLOEXEC}, so no call
 * on it ever blocks, and each is an {@link Fd}: register it with an event loop
 * ({@code loop.onIo(socket, READABLE, ...)}) or enable signal-driven I/O on it like any other fd.
 *
 * <p>Addresses are Java's: {@link java.net.InetSocketAddress} (resolved: fdloop never looks a
 * host name up) for {@link StandardProtocolFamily#INET} and {@link StandardProtocolFamily#INET6}
 * sockets, {@link java.net.UnixDomainSocketAddress} (a path) or {@link UnixAbstractAddress} for
 * {@link StandardProtocolFamily#UNIX} ones. An INET6 socket also takes IPv4 addresses, as
 * IPv4-mapped IPv6 addresses ({@code ::ffff:127.0.0.1}), and reports IPv4 peers as IPv4
 * addresses. An address of the wrong family is refused with {@link IllegalArgumentException}
 * before any system call.
 */
public sealed interface SocketFd extends AutoCloseable permits StreamSocket, ListeningSocket, DatagramFd {

    /**
     * The socket's family: INET (IPv4), INET6 (IPv6) or UNIX.
     *
     * @return INET, INET6 or UNIX
     */
    StandardProtocolFamily family();

    /**
     * Gives the socket its local address: bind(2). Bind before {@code listen} and, where the
     * local port matters, before {@code connect}; a socket is bound once. Port 0 lets the kernel
     * pick a free port ({@link #localAddress()} tells which). {@code UnixDomainSocketAddress.of("")}
     * lets the kernel pick an abstract name (autobind). Binding to a path creates the socket
     * file, which stays after close: delete it yourself.
     *
     * @param local the address to bind to: an {@code InetSocketAddress}, {@code UnixDomainSocketAddress} or {@link UnixAbstractAddress} of the socket's family
     * @throws LinuxException EADDRINUSE when another socket has the address (for TCP, SO_REUSEADDR
     *     allows a port whose old connections are in TIME_WAIT; for Unix, the path exists),
     *     EADDRNOTAVAIL when no interface of this host has the IP address, EINVAL when the socket is
     *     bound already, EACCES for a port below 1024 without CAP_NET_BIND_SERVICE
     * @throws IllegalArgumentException for an address of another family
     */
    default void bind(SocketAddress local) throws IOException {
        Sockets.bind((Fd) this, family(), local);
    }

    /**
     * The address the socket is bound to: getsockname(2). Before bind that is the wildcard
     * address with port 0 (a TCP or UDP socket binds itself to a free port on its first connect
     * or send), or {@code UnixDomainSocketAddress.of("")} for an unnamed Unix socket.
     *
     * @return the address the socket is bound to: getsockname(2)
     * @throws IOException if getsockname(2) fails: the {@link LinuxException} names it and its errno
     */
    default SocketAddress localAddress() throws IOException {
        return Sockets.localAddress((Fd) this, family());
    }

    /**
     * Sets a socket option: setsockopt(2). Supported: {@code StandardSocketOptions.SO_REUSEADDR},
     * {@code SO_REUSEPORT}, {@code SO_RCVBUF}, {@code SO_SNDBUF}, {@code SO_KEEPALIVE},
     * {@code SO_BROADCAST}; {@code SO_LINGER} on stream sockets (seconds; negative is off, and
     * {@link #option} reads -1 then); {@code TCP_NODELAY} on TCP sockets; {@code IP_TOS} on IP
     * sockets (an IPv6 socket's traffic class, IPV6_TCLASS); {@code IP_MULTICAST_TTL} and
     * {@code IP_MULTICAST_LOOP} on UDP sockets (IPV6_MULTICAST_HOPS and _LOOP on IPv6). SO_REUSEADDR and
     * SO_REUSEPORT act at bind, so set them before. The kernel doubles a buffer size it is given
     * (the extra half is its bookkeeping) and {@link #option} reads the doubled value back.
     *
     * @param <T> the option's value type
     * @param option the option, one of {@link java.net.StandardSocketOptions}
     * @param value its new value
     * @throws UnsupportedOperationException for another option, or one on a socket it is not for
     *     (TCP_NODELAY on a non-TCP socket, SO_LINGER on UDP, IP_TOS on a Unix socket...)
     * @throws IllegalArgumentException for a buffer size of zero or less
     * @throws IOException if setsockopt(2) fails: the {@link LinuxException} names it and its errno
     */
    default <T> void setOption(SocketOption<T> option, T value) throws IOException {
        SocketOptions.set((Fd) this, family(), option, value);
    }

    /**
     * A socket option's value: getsockopt(2). The options are those of {@link #setOption}.
     *
     * @param <T> the option's value type
     * @param option the option, one of {@link java.net.StandardSocketOptions}
     * @return its value now
     * @throws IOException if getsockopt(2) fails: the {@link LinuxException} names it and its errno
     */
    default <T> T option(SocketOption<T> option) throws IOException {
        return SocketOptions.get((Fd) this, family(), option);
    }

    /**
     * Takes the socket's pending asynchronous error: getsockopt(2) with SO_ERROR, which also
     * clears it. The kernel records such an error when it learns of a failure after the call
     * that caused it returned: a TCP connect refused or timed out, a connection reset, an ICMP
     * port-unreachable for a datagram sent on a connected UDP socket. The fd then polls as
     * ready with {@code ERROR}; the next call on the socket would fail with it too.
     *
     * @return the error as an exception to throw or log, or null when there is none
     * @throws IOException if getsockopt(2) fails: the {@link LinuxException} names it and its errno
     */
    default LinuxException takeError() throws IOException {
        return Sockets.takeError((Fd) this, family());
    }

    /** Closes the socket (see {@link Fd#close()}); idempotent and thread-safe. */
    @Override
    void close();
}
