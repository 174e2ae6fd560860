package org.fdloop.fd;

import static org.fdloop.internal.linux.Constants.*;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.ThreadScratch;

/**
 * A pipe (pipe2(2)): a read end and a write end, both O_NONBLOCK and O_CLOEXEC.
 *
 * <p>The read end is readable while the pipe holds data and reports end of stream (-1) once
 * every write end is closed and the data is read; the write end is writable while the pipe has
 * room, and writing after the read end is closed fails with EPIPE. {@link #close()} closes both
 * ends; each end can also be closed on its own.
 */
public final class OsPipe implements AutoCloseable {
    private final StreamFd readEnd;
    private final StreamFd writeEnd;

    private OsPipe(StreamFd readEnd, StreamFd writeEnd) {
        this.readEnd = readEnd;
        this.writeEnd = writeEnd;
    }

    /**
     * {@return a new pipe}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static OsPipe open() throws IOException {
        MemorySegment fds = ThreadScratch.get().word; // two ints
        Errno.check(FileCalls.pipe2(fds, O_CLOEXEC | O_NONBLOCK), "pipe2()");
        return new OsPipe(new StreamFd(fds.getAtIndex(JAVA_INT, 0), "pipe read end"),
                new StreamFd(fds.getAtIndex(JAVA_INT, 1), "pipe write end"));
    }

    /** {@return the end to read from} */
    public StreamFd readEnd() {
        return readEnd;
    }

    /** {@return the end to write to} */
    public StreamFd writeEnd() {
        return writeEnd;
    }

    /**
     * {@return how many bytes the pipe holds before a write would block (F_GETPIPE_SZ; 65536 by default)}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public int capacity() throws IOException {
        return capacity(openEnd());
    }

    /**
     * Asks for a capacity of at least {@code bytes} (F_SETPIPE_SZ); the kernel rounds up to a
     * power of two pages. Unprivileged users are held to fs.pipe-max-size.
     *
     * @param bytes the capacity asked for
     * @return the capacity the pipe has now
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public int setCapacity(int bytes) throws IOException {
        return setCapacity(openEnd(), bytes);
    }

    private StreamFd openEnd() {
        if (readEnd.isOpen()) {
            return readEnd;
        }
        if (writeEnd.isOpen()) {
            return writeEnd;
        }
        throw new IllegalStateException("both ends of the pipe are closed");
    }

    /** F_GETPIPE_SZ on a pipe end or FIFO. */
    static int capacity(Fd fd) throws IOException {
        int number = fd.acquire();
        try {
            return Errno.check(FileCalls.fcntl(number, F_GETPIPE_SZ, 0), "fcntl(" + fd.describe() + ", F_GETPIPE_SZ)");
        } finally {
            fd.release();
        }
    }

    /** F_SETPIPE_SZ on a pipe end or FIFO. */
    static int setCapacity(Fd fd, int bytes) throws IOException {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a pipe's capacity is a positive number of bytes, not " + bytes);
        }
        int number = fd.acquire();
        try {
            int r = FileCalls.fcntl(number, F_SETPIPE_SZ, bytes);
            if (r < 0) {
                throw Errno.exception("fcntl(" + fd.describe() + ", F_SETPIPE_SZ, " + bytes + ")", -r);
            }
            return r;
        } finally {
            fd.release();
        }
    }

    /** Closes both ends. */
    @Override
    public void close() {
        readEnd.close();
        writeEnd.close();
    }

    @Override
    public String toString() {
        return "pipe[" + readEnd + ", " + writeEnd + "]";
    }
}
