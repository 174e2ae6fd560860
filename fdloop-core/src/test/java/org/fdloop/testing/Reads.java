package org.fdloop.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.fdloop.fd.StreamFd;

/** Reading what a stream fd delivers, waiting for it with {@link Ready}'s patience. */
public final class Reads {
    private Reads() {}

    /**
     * Reads until {@code count} bytes came, the stream ended, or nothing came for
     * {@link Ready#PATIENCE}; returns the bytes read as ISO-8859-1 text (one char per byte).
     */
    public static String text(StreamFd fd, int count) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(count);
        while (buffer.hasRemaining() && Ready.awaitReadable(fd)) {
            if (fd.read(buffer) < 0) {
                break;
            }
        }
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.ISO_8859_1);
    }

    /** Reads everything {@code fd} holds now, until "nothing ready" or its end; returns how many bytes. */
    public static int drain(StreamFd fd) throws IOException {
        int total = 0;
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        for (int n; (n = fd.read(buffer.clear())) > 0; ) {
            total += n;
        }
        return total;
    }

    /** The bytes of {@code text} (ISO-8859-1), ready to write. */
    public static ByteBuffer bytes(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
    }
}
