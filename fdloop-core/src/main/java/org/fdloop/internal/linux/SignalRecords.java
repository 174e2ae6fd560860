package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.fdloop.fd.LinuxException;
import org.fdloop.fd.SignalInfo;

/**
 * A batch of {@code struct signalfd_siginfo} records read from a signalfd with one read(2): the
 * event loop reads its signalfd this way, so that signal-driven I/O costs one system call per
 * batch and no allocation per signal.
 *
 * <p>The memory is shared (a loop moves to the thread {@code start()} creates); use one batch
 * from one thread at a time.
 */
public final class SignalRecords implements AutoCloseable {
    private static final long SIZE = Structs.SIGNALFD_SIGINFO.byteSize();

    private final Arena arena = Arena.ofShared();
    private final MemorySegment records;
    private final int capacity;

    /** Room for {@code capacity} records. */
    public SignalRecords(int capacity) {
        this.capacity = capacity;
        this.records = arena.allocate(SIZE * capacity, 8);
    }

    /** How many records one {@link #read} takes at most. */
    public int capacity() {
        return capacity;
    }

    /**
     * Reads as many records as are pending, up to {@link #capacity()}, from signalfd {@code fd}.
     *
     * @return how many were read; 0 when none was pending
     */
    public int read(int fd) throws LinuxException {
        long n = LibC.read(fd, records, SIZE * capacity);
        if (n == -Constants.EAGAIN) {
            return 0;
        }
        if (n < 0) {
            throw Errno.exception("read(signalfd " + fd + ")", (int) -n);
        }
        return (int) (n / SIZE);
    }

    /** The signal number of record {@code i} ({@code ssi_signo}). */
    public int signo(int i) {
        return records.get(JAVA_INT, i * SIZE + Structs.SSI_SIGNO);
    }

    /** The {@code ssi_code} of record {@code i}. */
    public int code(int i) {
        return records.get(JAVA_INT, i * SIZE + Structs.SSI_CODE);
    }

    /** The {@code ssi_fd} of record {@code i}: the ready fd of signal-driven I/O. */
    public int fd(int i) {
        return records.get(JAVA_INT, i * SIZE + Structs.SSI_FD);
    }

    /** The {@code ssi_band} of record {@code i}: the poll events of signal-driven I/O. */
    public int band(int i) {
        return records.get(JAVA_INT, i * SIZE + Structs.SSI_BAND);
    }

    /** Record {@code i} as a {@link SignalInfo}. */
    public SignalInfo info(int i) {
        return SignalInfo.from(records.asSlice(i * SIZE, SIZE));
    }

    @Override
    public void close() {
        arena.close();
    }
}
