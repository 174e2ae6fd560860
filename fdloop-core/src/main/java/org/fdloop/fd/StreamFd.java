package org.fdloop.fd;

import static org.fdloop.internal.linux.Constants.EAGAIN;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.ThreadScratch;

/**
 * An fd read and written as bytes: pipe ends, FIFOs, terminals, character devices, stream sockets.
 *
 * <p>Reads and writes never block (the fd is O_NONBLOCK) and follow the NIO channel
 * convention: {@link #read(ByteBuffer)} returns the number of bytes read, 0 when nothing is
 * ready, and -1 at end of stream; {@link #write(ByteBuffer)} returns the number of bytes
 * written, 0 when the fd cannot take any now.
 */
public class StreamFd extends Fd {

    /**
     * Takes ownership of {@code number}, a byte stream.
     *
     * @param number the descriptor, open; this Fd closes it
     * @param kind what the descriptor is, for messages: {@code "pipe read end"}
     */
    protected StreamFd(int number, String kind) {
        super(number, kind);
    }

    /**
     * Reads into {@code dst} from its position, at most its remaining bytes.
     *
     * @param dst where the bytes go, from its position
     * @return bytes read, 0 when nothing is ready now, -1 at end of stream
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public int read(ByteBuffer dst) throws IOException {
        checkWritable(dst.isReadOnly());
        if (!dst.hasRemaining()) {
            return 0;
        }
        int fd = acquire();
        try {
            long n;
            int room = dst.remaining();
            if (room > ThreadScratch.MAX_BUFFER && dst.isDirect()) {
                n = readSome(fd, MemorySegment.ofBuffer(dst), room);
            } else {
                // through this thread's native buffer, also into a direct buffer: a segment made of
                // the caller's buffer is an allocation whenever the JIT does not inline this far
                ThreadScratch scratch = ThreadScratch.get();
                int count = Math.min(room, ThreadScratch.MAX_BUFFER);
                n = readSome(fd, scratch.buffer(count), count);
                if (n > 0) {
                    dst.put(dst.position(), scratch.bufferView(count), 0, (int) n);
                }
            }
            int result = (int) readResult(n);
            if (result > 0) {
                dst.position(dst.position() + result);
            }
            return result;
        } finally {
            release();
        }
    }

    /**
     * Reads into {@code dst}, at most its size: the segment's bytes from 0 on. A native segment
     * is read into directly; a heap segment through this thread's native buffer, at most 64 KiB
     * per call.
     *
     * @param dst where the bytes go
     * @return bytes read, 0 when nothing is ready now, -1 at end of stream
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public long read(MemorySegment dst) throws IOException {
        checkWritable(dst.isReadOnly());
        if (dst.byteSize() == 0) {
            return 0;
        }
        int fd = acquire();
        try {
            long n;
            if (dst.isNative()) {
                n = readSome(fd, dst, dst.byteSize());
            } else {
                long count = Math.min(dst.byteSize(), ThreadScratch.MAX_BUFFER);
                MemorySegment buffer = ThreadScratch.get().buffer(count);
                n = readSome(fd, buffer, count);
                if (n > 0) {
                    MemorySegment.copy(buffer, 0, dst, 0, n);
                }
            }
            return readResult(n);
        } finally {
            release();
        }
    }

    /** What a read that returned {@code n} (bytes or -errno) tells the caller: bytes, 0 for EAGAIN, -1 at the end. */
    private long readResult(long n) throws LinuxException {
        if (n == -EAGAIN) {
            return 0;
        }
        if (n < 0) {
            return readFailed((int) -n);
        }
        return n == 0 ? -1 : n;
    }

    /** The call that reads: read(2) here; a socket uses recv(2). Returns bytes read or -errno. */
    long readSome(int fd, MemorySegment buffer, long count) {
        return IoCalls.read(fd, buffer, count);
    }

    /** The call that writes: write(2) here; a socket uses send(2) with MSG_NOSIGNAL. Returns bytes written or -errno. */
    long writeSome(int fd, MemorySegment buffer, long count) {
        return IoCalls.write(fd, buffer, count);
    }

    /**
     * What a read that failed with {@code errno} means for this kind of fd: -1 for an end of
     * stream that the kernel reports as an error (a pty master's EIO), else it throws.
     */
    int readFailed(int errno) throws LinuxException {
        throw Errno.exception("read(" + describe() + ")", errno);
    }

    /**
     * The exception for a write of {@code count} bytes that failed with {@code errno}; a subclass
     * gives a better hint where it knows more (a device opened read-only).
     */
    LinuxException writeFailed(int errno, long count) {
        return Errno.exception("write(" + describe() + ", " + count + " bytes)", errno);
    }

    /**
     * Writes from {@code src} from its position, at most its remaining bytes.
     *
     * @param src the bytes, from position to limit
     * @return bytes written; 0 when the fd cannot take any now
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public int write(ByteBuffer src) throws IOException {
        if (!src.hasRemaining()) {
            return 0;
        }
        int fd = acquire();
        try {
            long n;
            int remaining = src.remaining();
            if (remaining > ThreadScratch.MAX_BUFFER && src.isDirect()) {
                n = writeSome(fd, MemorySegment.ofBuffer(src), remaining);
            } else {
                // through this thread's native buffer (see read); a larger heap buffer goes in pieces
                ThreadScratch scratch = ThreadScratch.get();
                int count = Math.min(remaining, ThreadScratch.MAX_BUFFER);
                scratch.bufferView(count).put(0, src, src.position(), count);
                n = writeSome(fd, scratch.buffer(count), count);
            }
            int written = (int) writeResult(n, remaining);
            src.position(src.position() + written);
            return written;
        } finally {
            release();
        }
    }

    /**
     * Writes {@code src}, at most its size. A native segment is written directly; a heap segment
     * through this thread's native buffer, at most 64 KiB per call.
     *
     * @param src the bytes
     * @return bytes written; 0 when the fd cannot take any now
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public long write(MemorySegment src) throws IOException {
        if (src.byteSize() == 0) {
            return 0;
        }
        int fd = acquire();
        try {
            long n;
            if (src.isNative()) {
                n = writeSome(fd, src, src.byteSize());
            } else {
                long count = Math.min(src.byteSize(), ThreadScratch.MAX_BUFFER);
                MemorySegment buffer = ThreadScratch.get().buffer(count);
                MemorySegment.copy(src, 0, buffer, 0, count);
                n = writeSome(fd, buffer, count);
            }
            return writeResult(n, src.byteSize());
        } finally {
            release();
        }
    }

    /** What a write of {@code count} bytes that returned {@code n} (bytes or -errno) tells the caller. */
    private long writeResult(long n, long count) throws LinuxException {
        if (n == -EAGAIN) {
            return 0;
        }
        if (n < 0) {
            throw writeFailed((int) -n, count);
        }
        return n;
    }

    // ---- blocking views ---------------------------------------------------------------------------

    /**
     * A blocking {@link InputStream} over this fd, for parsers and {@link java.io.BufferedReader}:
     * a read waits until at least one byte or the end of the stream comes. A virtual thread parks
     * meanwhile and frees its carrier; a platform thread blocks in poll(2) (see
     * {@link #awaitReadable}, which also says what an interrupt and a close do). Closing the
     * stream closes this fd. Not buffered: wrap it in a {@link java.io.BufferedInputStream} or a
     * reader to read in small pieces.
     *
     * @return a new stream over this fd
     */
    public final InputStream inputStream() {
        return new FdInputStream(this);
    }

    /**
     * A blocking {@link OutputStream} over this fd: a write returns once the kernel took every
     * byte, waiting (parking a virtual thread) while the fd is full. Closing the stream closes
     * this fd.
     *
     * @return a new stream over this fd
     */
    public final OutputStream outputStream() {
        return new FdOutputStream(this);
    }

    /**
     * A blocking channel over this fd, both {@link java.nio.channels.ReadableByteChannel} and
     * {@link java.nio.channels.WritableByteChannel}: a read waits until at least one byte or the
     * end of the stream comes, a write returns once the kernel took every byte; a virtual thread
     * parks meanwhile. An interrupt ends a wait with {@link java.io.InterruptedIOException} and
     * leaves the fd open (this is not an {@link java.nio.channels.InterruptibleChannel}). Closing
     * the channel closes this fd.
     *
     * @return a new channel over this fd
     */
    public final ByteChannel channel() {
        return new FdChannel(this);
    }
}
