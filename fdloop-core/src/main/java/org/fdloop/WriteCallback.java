package org.fdloop;

import java.io.IOException;

/** Told once, on the loop thread, what became of one {@link StreamSource#write(java.nio.ByteBuffer, WriteCallback) write}. */
@FunctionalInterface
public interface WriteCallback {
    /**
     * The write is over.
     *
     * @param stream the stream written to
     * @param error null when the kernel took every byte of the write; else why some or all of it
     *     was never written (the stream was reset or closed first)
     */
    void done(StreamSource stream, IOException error);
}
