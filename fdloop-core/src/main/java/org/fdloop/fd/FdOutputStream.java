package org.fdloop.fd;

import static org.fdloop.internal.linux.Constants.POLLOUT;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * {@link StreamFd#outputStream()}: writes that return once the kernel took every byte, waiting
 * while the fd is full (parking a virtual thread, see {@link Fd#awaitWritable}); nothing is
 * buffered here, so {@code flush()} has nothing to do; {@code close()} closes the fd.
 */
final class FdOutputStream extends OutputStream {
    private final StreamFd fd;

    FdOutputStream(StreamFd fd) {
        this.fd = fd;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        FdChannel.writeAll(fd, ByteBuffer.wrap(b, off, len));
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "OutputStream of " + fd;
    }
}
