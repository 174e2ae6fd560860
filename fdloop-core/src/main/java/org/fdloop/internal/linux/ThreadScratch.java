package org.fdloop.internal.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * Native memory each thread reuses for its system calls: the errno capture slot, one 8-byte
 * word (eventfd and timerfd counters), one 128-byte record (signalfd_siginfo), a byte buffer, its
 * copy on the heap, and room for socket addresses.
 * Reusing them keeps the calls on a hot path free of allocation; each is valid only until the
 * same thread's next call, so never hand one to another thread.
 */
public final class ThreadScratch {
    /** The largest byte buffer a thread keeps; larger transfers are done in pieces. */
    public static final int MAX_BUFFER = 64 * 1024;

    private static final ThreadLocal<ThreadScratch> CURRENT = ThreadLocal.withInitial(ThreadScratch::new);

    private final Arena arena = Arena.ofAuto();
    /** Where the linker stores errno after a call made with captureCallState("errno"). */
    public final MemorySegment errno = arena.allocate(Linker.Option.captureStateLayout());
    /** Eight bytes, 8-aligned. */
    public final MemorySegment word = arena.allocate(ValueLayout.JAVA_LONG);
    /** 128 bytes, 8-aligned: one signalfd_siginfo. */
    public final MemorySegment record = arena.allocate(128, 8);
    private MemorySegment buffer = arena.allocate(4096, 16);
    /** Socket addresses and option values, with this thread's last encoded and decoded address. */
    public final SockAddr sockaddr = new SockAddr(arena);

    private ThreadScratch() {}

    /** This thread's scratch memory. */
    public static ThreadScratch get() {
        return CURRENT.get();
    }

    /** A buffer of at least {@code min(size, MAX_BUFFER)} bytes and at most MAX_BUFFER; its contents are undefined. */
    public MemorySegment buffer(long size) {
        long wanted = Math.min(Math.max(size, 1), MAX_BUFFER);
        if (buffer.byteSize() < wanted) {
            buffer = arena.allocate(Math.min(Math.max(wanted, buffer.byteSize() * 2), MAX_BUFFER), 16);
            bufferView = null;
        }
        return buffer;
    }

    private ByteBuffer bufferView;
    private byte[] heapBytes;

    /**
     * MAX_BUFFER bytes on the heap, this thread's until {@link #giveBack}: a reader copies what a
     * call left in {@link #buffer(long)} here in one bulk copy ({@link #bufferView}), then decodes
     * it with plain array reads. Taken, so that a call made while decoding (a nested read) gets
     * an array of its own instead of overwriting this one.
     */
    public byte[] takeHeapBytes() {
        byte[] bytes = heapBytes;
        heapBytes = null;
        return bytes != null ? bytes : new byte[MAX_BUFFER];
    }

    /** Gives back what {@link #takeHeapBytes} took, for the next call to reuse. */
    public void giveBack(byte[] bytes) {
        heapBytes = bytes;
    }

    /**
     * {@link #buffer(long)} as a ByteBuffer over the same memory, cleared: copying between it and
     * a caller's ByteBuffer with the bulk {@code put} methods allocates nothing, where a
     * MemorySegment made of the caller's buffer may be allocated when the JIT does not inline.
     */
    public ByteBuffer bufferView(long size) {
        MemorySegment segment = buffer(size);
        if (bufferView == null) {
            bufferView = segment.asByteBuffer();
        }
        return bufferView.clear();
    }
}
