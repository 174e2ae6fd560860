package org.fdloop.fd;

import static org.fdloop.internal.linux.Constants.POLLIN;
import static org.fdloop.internal.linux.Constants.POLLOUT;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;

/**
 * {@link StreamFd#channel()}: a blocking channel. A read waits until at least one byte (or the
 * end of the stream) comes; a write returns once the kernel took every byte; both park a virtual
 * thread while they wait. {@code close()} closes the fd.
 */
final class FdChannel implements ByteChannel {
    private final StreamFd fd;

    FdChannel(StreamFd fd) {
        this.fd = fd;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!fd.isOpen()) {
            throw new ClosedChannelException();
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        while (true) {
            int n = fd.read(dst);
            if (n != 0) {
                return n;
            }
            fd.await(POLLIN, -1);
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (!fd.isOpen()) {
            throw new ClosedChannelException();
        }
        return writeAll(fd, src);
    }

    /** Writes all of {@code src}, waiting while the fd is full; returns the bytes written. */
    static int writeAll(StreamFd fd, ByteBuffer src) throws IOException {
        int total = 0;
        while (src.hasRemaining()) {
            int n = fd.write(src);
            if (n == 0) {
                fd.await(POLLOUT, -1);
            }
            total += n;
        }
        return total;
    }

    @Override
    public boolean isOpen() {
        return fd.isOpen();
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "channel of " + fd;
    }
}
