package org.fdloop;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * What a {@link StreamSource} tells its user, on the loop thread: the bytes that arrived, the end
 * of the peer's stream, a change of writability, and the close. Only {@link #received} must be
 * written; the others have defaults.
 */
@FunctionalInterface
public interface StreamHandler {
    /**
     * Bytes arrived.
     *
     * @param stream the stream they came from
     * @param data the bytes, from position to limit; the buffer is the loop thread's own and is
     *     reused after this call returns: copy what you keep ({@link StreamSource#write} copies
     *     what the kernel does not take at once)
     * @throws Exception to close the stream at once (its queued writes fail with this as the cause)
     *     and have the loop's {@link ErrorHandler} told
     */
    void received(StreamSource stream, ByteBuffer data) throws Exception;

    /**
     * The peer ended its side: a read returned end of stream. The default closes the stream
     * gracefully ({@link StreamSource#close()}: queued writes are flushed first); a handler that
     * still has something to say writes it, then closes.
     *
     * @param stream the stream
     * @throws Exception to close the stream at once and have the loop's {@link ErrorHandler} told
     */
    default void ended(StreamSource stream) throws Exception {
        stream.close();
    }

    /**
     * The queue crossed a water mark: {@code false} when it grew above the high mark (stop
     * producing), {@code true} when it drained down to the low mark (produce again). Netty's
     * {@code channelWritabilityChanged}.
     *
     * @param stream the stream
     * @param writable whether it is writable now
     * @throws Exception to close the stream at once and have the loop's {@link ErrorHandler} told
     */
    default void writabilityChanged(StreamSource stream, boolean writable) throws Exception {}

    /**
     * The stream is closed, its fd too; called once. After a graceful {@link StreamSource#close()}
     * everything queued was written first, and {@code cause} is null; otherwise it says what ended
     * the stream (a reset by the peer, a write to a pipe nobody reads, {@link StreamSource#abort},
     * the loop's close), and every write still queued failed with it.
     *
     * @param stream the stream
     * @param cause null after an orderly close, else why the stream ended
     */
    default void closed(StreamSource stream, IOException cause) {}
}
