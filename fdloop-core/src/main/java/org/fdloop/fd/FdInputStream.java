package org.fdloop.fd;

import static org.fdloop.internal.linux.Constants.POLLIN;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * {@link StreamFd#inputStream()}: reads that wait until bytes come, parking a virtual thread
 * (see {@link Fd#awaitReadable}); {@code close()} closes the fd.
 */
final class FdInputStream extends InputStream {
    private final StreamFd fd;

    FdInputStream(StreamFd fd) {
        this.fd = fd;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        ByteBuffer dst = ByteBuffer.wrap(b, off, len);
        while (true) {
            int n = fd.read(dst);
            if (n != 0) {
                return n;
            }
            fd.await(POLLIN, -1);
        }
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "InputStream of " + fd;
    }
}
