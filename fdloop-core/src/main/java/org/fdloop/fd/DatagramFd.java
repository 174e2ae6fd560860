package org.fdloop.fd;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.SockAddr;
import org.fdloop.internal.linux.ThreadScratch;

/**
 * A datagram socket: UDP (INET, INET6) or Unix datagrams (UNIX). Each send is one datagram and
 * each receive takes one, whole, with its sender's address; datagrams keep their boundaries.
 *
 * <p>{@link #send(ByteBuffer, SocketAddress)} is sendto(2) and {@link #receive(ByteBuffer)}
 * is recvfrom(2); neither blocks. A receive returns null when no datagram is queued, and the
 * socket is readable while one is. A datagram longer than the buffer's room is cut: the kernel
 * discards the rest. {@link #connect} gives the socket a default peer: then {@link #read} and
 * {@link #write} work as recv(2) and send(2), only that peer's datagrams arrive, and on UDP
 * the kernel reports an ICMP port-unreachable for a datagram sent earlier as ECONNREFUSED
 * (see {@link #takeError()}).
 *
 * <p>Sending and receiving allocate nothing when the destination is the same
 * {@code SocketAddress} object as in this thread's last send, and the sender the same as in its
 * last receive: the address is then reused, not encoded or built again. A datagram of up to
 * 64 KiB goes through the thread's native buffer, from heap and direct buffers alike: one copy,
 * and no MemorySegment made per call (which the JIT does not always optimize away).
 */
public final class DatagramFd extends Fd implements SocketFd {
    private final StandardProtocolFamily family;
    private final int domain;

    private DatagramFd(int number, StandardProtocolFamily family) {
        super(number, Sockets.kind(family, SOCK_DGRAM, false));
        this.family = family;
        this.domain = Sockets.domain(family);
    }

    /**
     * A new datagram socket, not bound: socket(2) with SOCK_DGRAM. A UDP socket binds itself
     * to a free port on its first send; a Unix datagram socket stays unnamed, so nobody can
     * answer it: {@link #bind} it (to a path, an abstract name, or {@code UnixDomainSocketAddress.of("")}
     * for an abstract name the kernel picks) if it expects replies.
     *
     * @param family {@code StandardProtocolFamily.INET}, {@code INET6} (UDP) or {@code UNIX}
     * @return a new datagram socket, not bound: socket(2) with SOCK_DGRAM
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static DatagramFd open(ProtocolFamily family) throws IOException {
        StandardProtocolFamily f = Sockets.family(family);
        return new DatagramFd(Sockets.open(f, SOCK_DGRAM), f);
    }

    /**
     * A new datagram socket of {@code local}'s family, bound to it: socket(2), then bind(2).
     * The socket is closed again if bind fails.
     *
     * @param local the address to bind to; its family is the socket's
     * @return a new datagram socket of {@code local}'s family, bound to it: socket(2), then bind(2)
     * @throws LinuxException EADDRINUSE, EADDRNOTAVAIL, EACCES: see {@link #bind}
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static DatagramFd bindTo(SocketAddress local) throws IOException {
        return Sockets.setUp(open(Sockets.familyOf(local)), socket -> socket.bind(local));
    }

    @Override
    public StandardProtocolFamily family() {
        return family;
    }

    /**
     * Sends the bytes from {@code src}'s position to its limit as one datagram to {@code target}:
     * sendto(2), with MSG_NOSIGNAL.
     *
     * @param src the datagram: its bytes from position to limit
     * @param target where it goes
     * @return the bytes sent (all of them; {@code src}'s position moves past them), or 0 when the
     *     send buffer has no room for the datagram now (nothing was sent: wait until writable)
     * @throws LinuxException EMSGSIZE when the datagram is larger than UDP allows (65507 bytes
     *     over IPv4, 65527 over IPv6) or than a Unix socket's send buffer; ENOENT or ECONNREFUSED
     *     for a Unix path nobody receives on; EISCONN when the socket is connected to another peer
     * @throws IllegalArgumentException for an address of another family
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public int send(ByteBuffer src, SocketAddress target) throws IOException {
        Objects.requireNonNull(src, "src");
        Sockets.checkAddress(this, family, target, "send to");
        int count = src.remaining();
        int fd = acquire();
        try {
            SockAddr sockaddr = SockAddr.get();
            int length = sockaddr.encode(target, domain);
            long n;
            if (count <= ThreadScratch.MAX_BUFFER) {
                // through this thread's native buffer, also from a direct buffer: no segment is made per call
                ThreadScratch scratch = ThreadScratch.get();
                scratch.bufferView(count).put(0, src, src.position(), count);
                n = IoCalls.sendto(fd, scratch.buffer(count), count, MSG_NOSIGNAL, sockaddr.out(), length);
            } else if (src.isDirect()) {
                n = IoCalls.sendto(fd, MemorySegment.ofBuffer(src), count, MSG_NOSIGNAL, sockaddr.out(), length);
            } else {
                // larger than the scratch buffer: a datagram goes out whole or not at all, so no pieces
                try (Arena arena = Arena.ofConfined()) {
                    n = IoCalls.sendto(fd, arena.allocate(count).copyFrom(MemorySegment.ofBuffer(src)), count, MSG_NOSIGNAL,
                            sockaddr.out(), length);
                }
            }
            if (n == -EAGAIN) {
                return 0;
            }
            if (n < 0) {
                throw sendtoFailed((int) -n, count, target);
            }
            src.position(src.position() + (int) n);
            return (int) n;
        } finally {
            release();
        }
    }

    /**
     * Sends all of {@code src} as one datagram to {@code target}: sendto(2). A heap segment is
     * copied to native memory first.
     *
     * @param src the datagram: its bytes
     * @param target where it goes
     * @return the bytes sent, or 0 when the send buffer has no room for it now
     * @see #send(ByteBuffer, SocketAddress)
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public long send(MemorySegment src, SocketAddress target) throws IOException {
        Objects.requireNonNull(src, "src");
        Sockets.checkAddress(this, family, target, "send to");
        long count = src.byteSize();
        int fd = acquire();
        try {
            SockAddr sockaddr = SockAddr.get();
            int length = sockaddr.encode(target, domain);
            long n;
            if (src.isNative()) {
                n = IoCalls.sendto(fd, src, count, MSG_NOSIGNAL, sockaddr.out(), length);
            } else if (count <= ThreadScratch.MAX_BUFFER) {
                MemorySegment buffer = ThreadScratch.get().buffer(count);
                buffer.copyFrom(src);
                n = IoCalls.sendto(fd, buffer, count, MSG_NOSIGNAL, sockaddr.out(), length);
            } else {
                try (Arena arena = Arena.ofConfined()) {
                    n = IoCalls.sendto(fd, arena.allocate(count).copyFrom(src), count, MSG_NOSIGNAL, sockaddr.out(), length);
                }
            }
            if (n == -EAGAIN) {
                return 0;
            }
            if (n < 0) {
                throw sendtoFailed((int) -n, count, target);
            }
            return n;
        } finally {
            release();
        }
    }

    private LinuxException sendtoFailed(int errno, long count, SocketAddress target) {
        return Sockets.exception("sendto(" + describe() + ", " + count + " bytes, " + SockAddr.format(target) + ")", errno,
                Sockets.hint("sendto", errno, this, family, target));
    }

    /**
     * Takes the next datagram into {@code dst}, from its position: recvfrom(2). A datagram
     * longer than {@code dst}'s room is cut there; the kernel discards the rest.
     *
     * @param dst where the datagram goes, from its position
     * @return the sender's address (an empty datagram still has one), or null when no datagram
     *     is queued. An unnamed Unix sender is {@code UnixDomainSocketAddress.of("")}.
     * @throws LinuxException ECONNREFUSED on a connected UDP socket when an earlier datagram
     *     to the peer came back as ICMP port-unreachable
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public SocketAddress receive(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst, "dst");
        checkWritable(dst.isReadOnly());
        int room = dst.remaining();
        int fd = acquire();
        try {
            SockAddr sockaddr = SockAddr.get();
            long n;
            if (room <= ThreadScratch.MAX_BUFFER) {
                // through this thread's native buffer, also into a direct buffer: no segment is made per call
                ThreadScratch scratch = ThreadScratch.get();
                n = IoCalls.recvfrom(fd, scratch.buffer(room), room, 0, sockaddr.in(), sockaddr.inLength());
                if (n > 0) {
                    dst.put(dst.position(), scratch.bufferView(room), 0, (int) n);
                }
            } else if (dst.isDirect()) {
                n = IoCalls.recvfrom(fd, MemorySegment.ofBuffer(dst), room, 0, sockaddr.in(), sockaddr.inLength());
            } else {
                // a datagram larger than the scratch buffer needs room of its own: it cannot come in pieces
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buffer = arena.allocate(room);
                    n = IoCalls.recvfrom(fd, buffer, room, 0, sockaddr.in(), sockaddr.inLength());
                    if (n > 0) {
                        MemorySegment.ofBuffer(dst).copyFrom(buffer.asSlice(0, n));
                    }
                }
            }
            if (n < 0) {
                return receiveFailed((int) n);
            }
            dst.position(dst.position() + (int) n);
            return sockaddr.decode(domain);
        } finally {
            release();
        }
    }

    /** null for EAGAIN (nothing queued), else the exception for recvfrom's {@code -errno}. */
    private SocketAddress receiveFailed(int negativeErrno) throws LinuxException {
        if (negativeErrno == -EAGAIN) {
            return null;
        }
        throw Sockets.error("recvfrom", -negativeErrno, this, family, null);
    }

    /**
     * Gives the socket a default peer: connect(2). Datagrams then go to {@code remote} by
     * {@link #write}, only datagrams from it arrive, and on UDP an ICMP error for a datagram
     * sent to it becomes this socket's pending error (ECONNREFUSED). Connecting again changes
     * the peer; {@link #disconnect()} removes it. Nothing is sent.
     *
     * @param remote the default peer
     * @throws LinuxException for a Unix path: ENOENT (no such socket) or ECONNREFUSED (nobody
     *     receives on it)
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void connect(SocketAddress remote) throws IOException {
        Sockets.checkAddress(this, family, remote, "connect to");
        int r = Sockets.connect(this, family, remote);
        if (r < 0) {
            throw Sockets.error("connect", -r, this, family, remote);
        }
    }

    /**
     * Removes the default peer: connect(2) with an AF_UNSPEC address.
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void disconnect() throws IOException {
        Sockets.disconnect(this);
    }

    /**
     * The default peer: getpeername(2).
     *
     * @return the default peer: getpeername(2)
     * @throws LinuxException ENOTCONN when the socket is not connected
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public SocketAddress peerAddress() throws IOException {
        return Sockets.peerAddress(this, family);
    }

    /**
     * Takes the next datagram from the peer into {@code dst}: recv(2) on a connected socket.
     *
     * @param dst where the datagram goes, from its position
     * @return the bytes of the datagram, 0 when none is queued (or it was empty), never -1:
     *     datagrams have no end of stream
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public int read(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst, "dst");
        checkWritable(dst.isReadOnly());
        int room = dst.remaining();
        int fd = acquire();
        try {
            long n;
            if (room <= ThreadScratch.MAX_BUFFER) {
                ThreadScratch scratch = ThreadScratch.get();
                n = IoCalls.recv(fd, scratch.buffer(room), room, 0);
                if (n > 0) {
                    dst.put(dst.position(), scratch.bufferView(room), 0, (int) n);
                }
            } else if (dst.isDirect()) {
                n = IoCalls.recv(fd, MemorySegment.ofBuffer(dst), room, 0);
            } else {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buffer = arena.allocate(room);
                    n = IoCalls.recv(fd, buffer, room, 0);
                    if (n > 0) {
                        MemorySegment.ofBuffer(dst).copyFrom(buffer.asSlice(0, n));
                    }
                }
            }
            if (n == -EAGAIN) {
                return 0;
            }
            if (n < 0) {
                throw Sockets.error("recv", (int) -n, this, family, null);
            }
            dst.position(dst.position() + (int) n);
            return (int) n;
        } finally {
            release();
        }
    }

    /**
     * Sends {@code src}'s remaining bytes as one datagram to the peer: send(2) on a connected
     * socket, with MSG_NOSIGNAL.
     *
     * @param src the datagram: its bytes from position to limit
     * @return the bytes sent, or 0 when the send buffer has no room for it now
     * @throws LinuxException EDESTADDRREQ when the socket is not connected; ECONNREFUSED when an
     *     earlier datagram to the peer came back as ICMP port-unreachable (UDP), or nobody
     *     receives on the peer's path (Unix)
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public int write(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src, "src");
        int count = src.remaining();
        int fd = acquire();
        try {
            long n;
            if (count <= ThreadScratch.MAX_BUFFER) {
                ThreadScratch scratch = ThreadScratch.get();
                scratch.bufferView(count).put(0, src, src.position(), count);
                n = IoCalls.send(fd, scratch.buffer(count), count, MSG_NOSIGNAL);
            } else if (src.isDirect()) {
                n = IoCalls.send(fd, MemorySegment.ofBuffer(src), count, MSG_NOSIGNAL);
            } else {
                try (Arena arena = Arena.ofConfined()) {
                    n = IoCalls.send(fd, arena.allocate(count).copyFrom(MemorySegment.ofBuffer(src)), count, MSG_NOSIGNAL);
                }
            }
            if (n == -EAGAIN) {
                return 0;
            }
            if (n < 0) {
                throw Sockets.exception("send(" + describe() + ", " + count + " bytes)", (int) -n,
                        Sockets.hint("send", (int) -n, this, family, null));
            }
            src.position(src.position() + (int) n);
            return (int) n;
        } finally {
            release();
        }
    }
}
