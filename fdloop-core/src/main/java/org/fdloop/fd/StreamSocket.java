package org.fdloop.fd;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.SockAddr;

/**
 * A stream socket: one TCP connection (INET, INET6) or Unix stream connection (UNIX), made by
 * {@link #connect} or returned by {@link ListeningSocket#accept()}.
 *
 * <p>Reads and writes are a {@link StreamFd}'s: {@link #read} is recv(2) and returns the bytes
 * read, 0 when nothing is ready, -1 once the peer shut down its sending side (or closed) and
 * everything it sent was read; {@link #write} is send(2) and returns the bytes the send buffer
 * took, 0 when it is full. Writes use MSG_NOSIGNAL: writing to a connection that is shut down
 * or closed throws EPIPE and never raises SIGPIPE.
 *
 * <h2>Connecting without blocking</h2>
 * A non-blocking TCP connect returns at once with EINPROGRESS while the handshake goes on;
 * {@link #connect} then returns false. When the socket becomes writable (or reports an error)
 * the handshake is over: {@link #finishConnect()} reads SO_ERROR and returns true, or throws the
 * connect's error (ECONNREFUSED when nothing listens, ETIMEDOUT, ENETUNREACH). With an event loop:
 * <pre>{@code
 * StreamSocket socket = StreamSocket.connectTo(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
 * loop.onIo(socket, IoSource.WRITABLE, (source, events) -> {
 *     if (socket.finishConnect()) {               // throws ECONNREFUSED and the like
 *         source.setEvents(IoSource.READABLE);    // connected: now wait for data
 *     }
 * });
 * }</pre>
 * A Unix stream connect is never in progress: it succeeds at once, or fails, with EAGAIN when
 * the listener's backlog is full. The kernel also raises no SIGIO when it completes.
 *
 * <p>Like the other fds, one socket is used by one thread at a time, except {@link #close()}.
 */
public final class StreamSocket extends StreamFd implements SocketFd {
    private final StandardProtocolFamily family;
    /** The address of the connect in progress, or null. */
    private SocketAddress connecting;
    private boolean connected;

    private StreamSocket(int number, StandardProtocolFamily family, boolean connected) {
        super(number, Sockets.kind(family, SOCK_STREAM, false));
        this.family = family;
        this.connected = connected;
    }

    /** An accepted connection. */
    static StreamSocket accepted(int number, StandardProtocolFamily family) {
        return new StreamSocket(number, family, true);
    }

    /**
     * A new stream socket, neither bound nor connected: socket(2) with SOCK_STREAM. Set options
     * and {@link #bind} it here where that matters, then {@link #connect}.
     *
     * @param family {@code StandardProtocolFamily.INET}, {@code INET6} (TCP) or {@code UNIX}
     * @return a new stream socket, neither bound nor connected: socket(2) with SOCK_STREAM
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static StreamSocket open(ProtocolFamily family) throws IOException {
        StandardProtocolFamily f = Sockets.family(family);
        return new StreamSocket(Sockets.open(f, SOCK_STREAM), f, false);
    }

    /**
     * A new stream socket of {@code remote}'s family, connecting to it: socket(2), then
     * {@link #connect}. A TCP connect is then usually still in progress: wait until the socket is
     * writable, then call {@link #finishConnect()}. The socket is closed again if connect fails.
     *
     * @param remote the address to connect to
     * @return a new stream socket of {@code remote}'s family, connecting to it: socket(2), then {@link #connect}
     * @throws LinuxException what connect(2) says at once: ENOENT or ECONNREFUSED for a Unix path
     *     nobody listens on, EAGAIN for a Unix listener whose backlog is full
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static StreamSocket connectTo(SocketAddress remote) throws IOException {
        return Sockets.setUp(open(Sockets.familyOf(remote)), socket -> socket.connect(remote));
    }

    @Override
    public StandardProtocolFamily family() {
        return family;
    }

    /**
     * Starts connecting to {@code remote}: connect(2). TCP's handshake goes on in the
     * background (the kernel says EINPROGRESS): then this returns false, and the socket becomes
     * writable when it is over, for {@link #finishConnect()} to say how it ended. A Unix
     * connect completes at once or fails.
     *
     * @param remote the address to connect to
     * @return true when connected now, false when the connect is in progress
     * @throws LinuxException when it fails at once; see {@link #connectTo}
     * @throws IllegalStateException when a connect is in progress already, or it is connected
     * @throws IllegalArgumentException for an address of another family
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public boolean connect(SocketAddress remote) throws IOException {
        Sockets.checkAddress(this, family, remote, "connect to");
        if (connecting != null) {
            throw new IllegalStateException(describe() + " is connecting to " + SockAddr.format(connecting)
                    + " already: wait until it is writable, then call finishConnect()");
        }
        if (connected) {
            throw new IllegalStateException(describe() + " is connected already; a stream socket connects once: open another");
        }
        int r = Sockets.connect(this, family, remote);
        if (r == 0) {
            connected = true;
            return true;
        }
        if (r == -EINPROGRESS) {
            connecting = remote;
            return false;
        }
        throw Sockets.error("connect", -r, this, family, remote);
    }

    /**
     * Finishes a connect that {@link #connect} left in progress. While the handshake goes on
     * (the socket is not writable yet) it returns false; once it is over, it reads SO_ERROR
     * (getsockopt(2)): 0 means connected, anything else is the connect's error and is thrown.
     * Returns true at once on a socket that is connected.
     *
     * @return true when connected, false when the connect is still in progress
     * @throws LinuxException the connect's error: ECONNREFUSED (nothing listens on the port),
     *     ETIMEDOUT, ENETUNREACH, EHOSTUNREACH; the socket is then of no further use
     * @throws IllegalStateException when no connect was started
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public boolean finishConnect() throws IOException {
        if (connecting == null) {
            if (connected) {
                return true;
            }
            throw new IllegalStateException("no connect was started on " + describe() + ": call connect(address) first");
        }
        int fd = acquire();
        try {
            // the kernel marks the socket writable (and in error, if it failed) when the handshake ends
            if (!Sockets.readyNow(fd, POLLOUT)) {
                return false;
            }
            int error = SocketOptions.getInt(fd, SOL_SOCKET, SO_ERROR, this, "SO_ERROR");
            SocketAddress remote = connecting;
            connecting = null;
            if (error != 0) {
                throw Sockets.error("connect", error, this, family, remote);
            }
            connected = true;
            return true;
        } finally {
            release();
        }
    }

    /** {@return whether a connect was started and {@link #finishConnect()} has not yet seen it end} */
    public boolean isConnectionPending() {
        return connecting != null;
    }

    /**
     * The address of the other end: getpeername(2).
     *
     * @return the address of the other end: getpeername(2)
     * @throws LinuxException ENOTCONN when the socket is not connected (yet, or any more after a
     *     reset)
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public SocketAddress peerAddress() throws IOException {
        return Sockets.peerAddress(this, family);
    }

    /**
     * Shuts down the receiving side: shutdown(2) with SHUT_RD. Reads return -1 from now on;
     * data that arrives later is discarded (TCP) or refused.
     *
     * @throws LinuxException ENOTCONN when the socket is not connected
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void shutdownInput() throws IOException {
        Sockets.shutdown(this, family, SHUT_RD);
    }

    /**
     * Shuts down the sending side: shutdown(2) with SHUT_WR. TCP sends a FIN once the send
     * buffer is out: the peer reads what was sent, then end of stream (-1), and its loop sees
     * {@code READ_HANGUP}. This socket can still read. Writing after this throws EPIPE.
     *
     * @throws LinuxException ENOTCONN when the socket is not connected
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void shutdownOutput() throws IOException {
        Sockets.shutdown(this, family, SHUT_WR);
    }

    @Override
    long readSome(int fd, MemorySegment buffer, long count) {
        return IoCalls.recv(fd, buffer, count, 0);
    }

    @Override
    long writeSome(int fd, MemorySegment buffer, long count) {
        // MSG_NOSIGNAL: a broken connection is EPIPE, not SIGPIPE
        return IoCalls.send(fd, buffer, count, MSG_NOSIGNAL);
    }

    @Override
    int readFailed(int errno) throws LinuxException {
        throw Sockets.error("recv", errno, this, family, null);
    }

    @Override
    LinuxException writeFailed(int errno, long count) {
        return Sockets.exception("send(" + describe() + ", " + count + " bytes)", errno,
                Sockets.hint("send", errno, this, family, null));
    }
}
