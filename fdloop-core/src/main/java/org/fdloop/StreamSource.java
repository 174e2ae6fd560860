package org.fdloop;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Objects;
import org.fdloop.fd.StreamFd;

/**
 * A stream fd (socket, pipe, FIFO, tty, pty) with queued writes: {@link EventLoop#onStream}.
 *
 * <p>{@link #write} never blocks the loop and never loses data: it writes what the kernel takes at
 * once, copies the rest into a queue, and flushes the queue, in order, when the fd becomes writable
 * again. The loop waits for {@link IoSource#WRITABLE} only while the queue holds something. Two water
 * marks say when to stop and resume producing: when the queued bytes grow above the high mark the
 * stream becomes unwritable, and when they drain down to the low mark writable again
 * ({@link StreamHandler#writabilityChanged}; Netty's channel writability, libuv's {@code uv_write}
 * queue). A producer that ignores them only uses memory: nothing is dropped.
 *
 * <p>Reading, while it is not {@link #pauseReading() paused}, hands what arrives to
 * {@link StreamHandler#received}. {@link #close()} is graceful: it stops reading, flushes the
 * queue, then closes the fd. A write the kernel refuses for good (a reset connection, a pipe with
 * no reader: EPIPE, never SIGPIPE) fails every queued write with a clear error, each told through
 * its {@link WriteCallback}, and closes the stream; {@link StreamHandler#closed} gets the same error.
 *
 * <p>The stream owns its fd: closing the stream closes it. Like every source it belongs to the
 * loop's thread.
 */
public final class StreamSource implements AutoCloseable {
    /** The default high water mark: 64 KiB queued, as Netty's. */
    public static final int DEFAULT_HIGH_WATER_MARK = 64 * 1024;
    /** The default low water mark: 32 KiB queued, as Netty's. */
    public static final int DEFAULT_LOW_WATER_MARK = 32 * 1024;
    /** How many full reads one readiness report gets at most before other sources have their turn. */
    private static final int READS_PER_EVENT = 16;
    /** The loop thread's read buffer: one per thread, as each loop reads on its own. */
    private static final ThreadLocal<ByteBuffer> READ_BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocate(64 * 1024));

    private enum State { OPEN, CLOSING, CLOSED }

    /** One write the kernel did not take whole: its rest, and whom to tell. */
    private static final class Queued {
        final ByteBuffer rest;
        final WriteCallback callback;

        Queued(ByteBuffer rest, WriteCallback callback) {
            this.rest = rest;
            this.callback = callback;
        }
    }

    private final EventLoop loop;
    private final StreamFd fd;
    private final StreamHandler handler;
    private final IoSource io;
    private final ArrayDeque<Queued> queue = new ArrayDeque<>();
    private long queuedBytes;
    private int highWaterMark = DEFAULT_HIGH_WATER_MARK;
    private int lowWaterMark = DEFAULT_LOW_WATER_MARK;
    private boolean writable = true;
    private boolean reading;
    private State state = State.OPEN;

    StreamSource(EventLoop loop, StreamFd fd, boolean read, StreamHandler handler) throws IOException {
        this.loop = loop;
        this.fd = fd;
        this.handler = handler;
        this.reading = read;
        this.io = loop.onIo(fd, IoSource.READABLE, this::ready);
        io.named("stream " + fd);
        io.stream = this;
        if (!read) {
            io.disable(); // nothing to wait for until a write is queued
        }
        loop.streams.opened(this);
    }

    /** {@return the fd} */
    public StreamFd fd() {
        return fd;
    }

    /** {@return the loop this stream belongs to} */
    public EventLoop loop() {
        return loop;
    }

    /**
     * Writes {@code data}, from its position to its limit: what the kernel takes now, the rest
     * queued (copied) and flushed in order when the fd is writable. Never blocks; the buffer is the
     * caller's again when this returns (its position is at its limit).
     *
     * @param data the bytes
     * @return whether the stream is still writable, i.e. the queue is at most at the high water
     *     mark: false asks the producer to wait for {@link StreamHandler#writabilityChanged}
     */
    public boolean write(ByteBuffer data) {
        return write(data, null);
    }

    /**
     * {@link #write(ByteBuffer)}, and tells {@code callback} once the kernel took the last byte,
     * or why it never will. The callback may run before this method returns (when the kernel took
     * everything at once, or the stream is closed already).
     *
     * @param data the bytes
     * @param callback told when the write is over; null for none
     * @return whether the stream is still writable (see {@link #write(ByteBuffer)})
     */
    public boolean write(ByteBuffer data, WriteCallback callback) {
        loop.checkThread("write");
        Objects.requireNonNull(data, "data");
        if (state != State.OPEN) {
            data.position(data.limit());
            IOException refused = new IOException(io.name() + (state == State.CLOSING
                    ? " is closing (close() was called): it flushes what was queued before, and takes no new write"
                    : " is closed: nothing more can be written"));
            if (callback != null) {
                callback.done(this, refused);
            }
            return false;
        }
        if (queue.isEmpty()) {
            try {
                while (data.hasRemaining() && fd.write(data) > 0) {
                    // the kernel takes it in pieces of at most 64 KiB
                }
            } catch (IOException e) {
                IOException error = failure(e, 1, data.remaining());
                data.position(data.limit());
                if (callback != null) {
                    callback.done(this, error);
                }
                end(error, false);
                return false;
            }
            if (!data.hasRemaining()) {
                if (callback != null) {
                    callback.done(this, null);
                }
                return writable;
            }
        }
        int length = data.remaining();
        ByteBuffer rest = ByteBuffer.allocate(length).put(data).flip();
        queue.add(new Queued(rest, callback));
        queuedBytes += length;
        if (queue.size() == 1) {
            updateInterest();
        }
        if (writable && queuedBytes > highWaterMark) {
            writable = false;
            tell(() -> handler.writabilityChanged(this, false));
        }
        return writable;
    }

    /** {@return whether the queue is at most at the high water mark: keep producing} */
    public boolean isWritable() {
        return writable;
    }

    /** {@return how many bytes are queued, not yet taken by the kernel} */
    public long queuedBytes() {
        return queuedBytes;
    }

    /**
     * Sets the water marks: above {@code high} queued bytes the stream becomes unwritable, at
     * {@code low} or below writable again.
     *
     * @param low the low mark, 0 or more
     * @param high the high mark, at least {@code low}
     */
    public void setWaterMarks(int low, int high) {
        loop.checkThread("setWaterMarks");
        if (low < 0 || high < low) {
            throw new IllegalArgumentException("water marks are 0 <= low <= high, not low " + low + " and high " + high);
        }
        this.lowWaterMark = low;
        this.highWaterMark = high;
    }

    /** {@return whether the stream reads (and hands what arrives to {@link StreamHandler#received})} */
    public boolean isReading() {
        return reading;
    }

    /** Stops reading until {@link #resumeReading()}: what the peer sends waits in the kernel (TCP then slows the peer down). */
    public void pauseReading() {
        loop.checkThread("pauseReading");
        if (reading) {
            reading = false;
            updateInterest();
        }
    }

    /** Reads again after {@link #pauseReading()}; on a closing or closed stream, does nothing. */
    public void resumeReading() {
        loop.checkThread("resumeReading");
        if (!reading && state == State.OPEN) {
            reading = true;
            updateInterest();
        }
    }

    /** {@return whether the stream is open: not closing, not closed} */
    public boolean isOpen() {
        return state == State.OPEN;
    }

    /**
     * Closes the stream gracefully: stops reading and taking writes, flushes what is queued, then
     * closes the fd and tells {@link StreamHandler#closed} (with a null cause). While it flushes,
     * the loop keeps running for it. Does nothing on a stream closing or closed already.
     */
    @Override
    public void close() {
        loop.checkThread("close");
        if (state != State.OPEN) {
            return;
        }
        reading = false;
        if (queue.isEmpty()) {
            end(null, false);
        } else {
            state = State.CLOSING;
            updateInterest();
        }
    }

    /**
     * Closes the stream now, without flushing: each queued write fails with an error saying so.
     * Does nothing on a closed stream.
     *
     * @return how many bytes were queued and are now dropped
     */
    public long abort() {
        loop.checkThread("abort");
        if (state == State.CLOSED) {
            return 0;
        }
        long dropped = queuedBytes;
        end(new IOException(io.name() + " was aborted with " + queue.size() + " write(s), " + dropped
                + " bytes, still queued: they were not written"), false);
        return dropped;
    }

    @Override
    public String toString() {
        return io.name() + " (" + state.name().toLowerCase() + ", " + queuedBytes + " bytes queued)";
    }

    // ---- the loop's side ----------------------------------------------------------------------------

    /** The IoSource's handler: flush first (what is queued is older than any reply), then read. */
    private void ready(IoSource source, int events) throws Exception {
        try {
            if (!queue.isEmpty() && (events & (IoSource.WRITABLE | IoSource.ERROR | IoSource.HANGUP)) != 0) {
                flush();
            }
            if (reading && state == State.OPEN) {
                read();
            }
        } catch (Exception | Error e) {
            if (state != State.CLOSED) { // the user's handler threw: close at once, and let the loop tell its ErrorHandler
                end(new IOException(io.name() + " closed: its handler threw " + e, e), false);
            }
            throw e;
        }
    }

    private void read() throws Exception {
        ByteBuffer buffer = READ_BUFFER.get();
        for (int reads = 0; reads < READS_PER_EVENT && reading && state == State.OPEN; reads++) {
            int n;
            try {
                n = fd.read(buffer.clear());
            } catch (IOException e) {
                end(failure(e, 0, 0), false);
                return;
            }
            if (n < 0) {
                reading = false;
                updateInterest();
                handler.ended(this);
                return;
            }
            if (n == 0) {
                return;
            }
            handler.received(this, buffer.flip());
            if (n < buffer.capacity()) {
                return; // a short read: the kernel had no more
            }
        }
    }

    private void flush() {
        while (!queue.isEmpty()) {
            Queued head = queue.peek();
            int before = head.rest.remaining();
            try {
                while (head.rest.hasRemaining() && fd.write(head.rest) > 0) {
                    // until the kernel takes no more
                }
            } catch (IOException e) {
                queuedBytes -= before - head.rest.remaining();
                end(failure(e, queue.size(), queuedBytes), false);
                return;
            }
            queuedBytes -= before - head.rest.remaining();
            if (head.rest.hasRemaining()) {
                break; // full: wait for WRITABLE again
            }
            queue.poll();
            if (head.callback != null) {
                head.callback.done(this, null);
                if (state == State.CLOSED) {
                    return; // the callback aborted the stream
                }
            }
        }
        if (queue.isEmpty()) {
            if (state == State.CLOSING) {
                end(null, false);
                return;
            }
            updateInterest();
        }
        if (!writable && queuedBytes <= lowWaterMark) {
            writable = true;
            tell(() -> handler.writabilityChanged(this, true));
        }
    }

    /** Waits for READABLE while reading, for WRITABLE while something is queued, and for nothing else. */
    private void updateInterest() {
        if (state == State.CLOSED || io.closed) {
            return;
        }
        int want = (reading ? IoSource.READABLE : 0) | (queue.isEmpty() ? 0 : IoSource.WRITABLE);
        try {
            if (want == 0) {
                if (io.isEnabled()) {
                    io.disable();
                }
                return;
            }
            if (want != io.events()) {
                io.setEvents(want);
            }
            if (!io.isEnabled()) {
                io.enable();
            }
        } catch (IOException e) {
            end(new IOException(io.name() + ": the loop could not change what it waits for (" + e.getMessage() + ")", e), false);
        }
    }

    /** The error a failed read or write leaves: it names the stream, the call and what was still queued. */
    private IOException failure(IOException e, int writes, long bytes) {
        String lost = writes == 0 ? "" : "; " + writes + " write(s), " + bytes + " bytes, were not written";
        return new IOException(io.name() + " failed: " + e.getMessage() + lost, e);
    }

    /**
     * Ends the stream: closes the registration and the fd, fails every queued write with
     * {@code cause} (null: nothing is queued), tells the handler. {@code cut}: the loop or a
     * shutdown cut it, which {@link LoopStreams} counts.
     */
    private void end(IOException cause, boolean cut) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        reading = false;
        int writes = queue.size();
        long bytes = queuedBytes;
        if (cut) {
            loop.streams.cut(writes, bytes);
        }
        io.stream = null; // closing it below must not call back
        if (!io.closed) {
            io.close();
        }
        fd.close();
        for (Queued q; (q = queue.poll()) != null; ) {
            queuedBytes -= q.rest.remaining();
            if (q.callback != null) {
                WriteCallback callback = q.callback;
                tell(() -> callback.done(this, cause));
            }
        }
        loop.streams.closed(this);
        tell(() -> handler.closed(this, cause));
    }

    /** Closes the stream without flushing, as a shutdown does once its time is up; counted as cut. */
    void cut(String why) {
        if (state != State.CLOSED) {
            end(new IOException(io.name() + " was closed by " + why + " with " + queue.size() + " write(s), "
                    + queuedBytes + " bytes, still queued: they were not written"), true);
        }
    }

    /** The registration closed under the stream: the loop closed, or the user closed the fd. */
    void ioClosed() {
        if (state != State.CLOSED) {
            boolean fdClosed = !fd.isOpen();
            end(new IOException(io.name() + " was closed by " + (fdClosed ? "a close of its fd" : "the loop's close()")
                    + " with " + queue.size() + " write(s), " + queuedBytes + " bytes, still queued: they were not written"),
                    !fdClosed);
        }
    }

    private interface Call {
        void run() throws Exception;
    }

    /** Runs one of the user's callbacks from inside the stream's own work: what it throws goes to the loop's ErrorHandler. */
    private void tell(Call call) {
        try {
            call.run();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            loop.reportError(io, t);
        }
    }
}
