package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.fdloop.fd.LinuxException;
import org.fdloop.fd.SignalInfo;

/**
 * A batch of {@code siginfo_t} records read from the pipe the native signal handler writes
 * ({@link NativeSignalHandler}) with one read(2). The handler writes each record with one
 * write(2) of 128 bytes, which a pipe keeps whole (a write of at most PIPE_BUF bytes is
 * atomic), so the pipe only ever holds whole records.
 *
 * <p>The memory is shared (a loop moves to the thread {@code start()} creates); use one batch
 * from one thread at a time.
 */
public final class SiginfoRecords implements AutoCloseable {
    /** Bytes of one record. */
    public static final long SIZE = Structs.SIGINFO.byteSize();

    private final Arena arena = Arena.ofShared();
    private final MemorySegment records;
    private final int capacity;

    /** Room for {@code capacity} records. */
    public SiginfoRecords(int capacity) {
        this.capacity = capacity;
        this.records = arena.allocate(SIZE * capacity, 8);
    }

    /** How many records one {@link #read} takes at most. */
    public int capacity() {
        return capacity;
    }

    /**
     * Reads as many records as are in pipe {@code fd}, up to {@link #capacity()}.
     *
     * @return how many were read; 0 when the pipe was empty
     */
    public int read(int fd) throws LinuxException {
        long n = LibC.read(fd, records, SIZE * capacity);
        if (n == -Constants.EAGAIN) {
            return 0;
        }
        if (n < 0) {
            throw Errno.exception("read(signal pipe " + fd + ")", (int) -n);
        }
        if (n % SIZE != 0) {
            throw new IllegalStateException("read " + n + " bytes from the signal pipe, not a whole number of "
                    + SIZE + "-byte records: something other than the signal handler wrote to it");
        }
        return (int) (n / SIZE);
    }

    /** The signal number of record {@code i} ({@code si_signo}). */
    public int signo(int i) {
        return records.get(JAVA_INT, i * SIZE + Structs.SI_SIGNO);
    }

    /** Record {@code i} as a {@link SignalInfo}. */
    public SignalInfo info(int i) {
        return SignalInfo.fromSiginfo(records.asSlice(i * SIZE, SIZE));
    }

    @Override
    public void close() {
        arena.close();
    }
}
