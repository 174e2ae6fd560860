package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.fdloop.fd.LinuxException;
import org.fdloop.fd.SignalInfo;

/**
 * A batch of signal records read with one read(2), so that signals cost one system call per
 * batch and no allocation per signal: {@code struct signalfd_siginfo} from a signalfd (the loop's
 * own, and the SIGIO backend's), or {@code siginfo_t} from the pipe fdloop's native signal handler
 * writes ({@link NativeSignalHandler}).
 *
 * <p>The memory is shared (a loop moves to the thread {@code start()} creates); use one batch
 * from one thread at a time.
 */
public final class SignalRecords implements AutoCloseable {
    /** The two record formats. */
    public enum Format {
        /** {@code struct signalfd_siginfo}, as a signalfd delivers it. */
        SIGNALFD("signalfd", Structs.SIGNALFD_SIGINFO.byteSize(), Structs.SSI_SIGNO),
        /**
         * {@code siginfo_t}, as the native signal handler writes it: one write(2) of 128 bytes per
         * signal, which a pipe keeps whole (a write of at most PIPE_BUF bytes is atomic), so the
         * pipe only ever holds whole records.
         */
        SIGINFO("signal pipe", Structs.SIGINFO.byteSize(), Structs.SI_SIGNO);

        private final String source;
        /** Bytes of one record. */
        public final long size;
        private final long signoOffset;

        Format(String source, long size, long signoOffset) {
            this.source = source;
            this.size = size;
            this.signoOffset = signoOffset;
        }
    }

    private final Format format;
    private final long size;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment records;
    private final int capacity;

    /** Room for {@code capacity} records of {@code format}. */
    public SignalRecords(Format format, int capacity) {
        this.format = format;
        this.size = format.size;
        this.capacity = capacity;
        this.records = arena.allocate(size * capacity, 8);
    }

    /** How many records one {@link #read} takes at most. */
    public int capacity() {
        return capacity;
    }

    /**
     * Reads as many records as are pending, up to {@link #capacity()}, from {@code fd}.
     *
     * @return how many were read; 0 when none was pending
     */
    public int read(int fd) throws LinuxException {
        long n = LibC.read(fd, records, size * capacity);
        if (n == -Constants.EAGAIN) {
            return 0;
        }
        if (n < 0) {
            throw Errno.exception("read(" + format.source + " " + fd + ")", (int) -n);
        }
        if (n % size != 0) {
            throw new IllegalStateException("read " + n + " bytes from " + format.source + " " + fd
                    + ", not a whole number of " + size + "-byte records: something other than the kernel or the signal handler wrote to it");
        }
        return (int) (n / size);
    }

    /** The signal number of record {@code i} ({@code ssi_signo}, {@code si_signo}). */
    public int signo(int i) {
        return records.get(JAVA_INT, i * size + format.signoOffset);
    }

    /** The {@code ssi_code} or {@code si_code} of record {@code i}. */
    public int code(int i) {
        return records.get(JAVA_INT, i * size + (format == Format.SIGNALFD ? Structs.SSI_CODE : Structs.SI_CODE));
    }

    /** The {@code ssi_fd} or {@code si_fd} of record {@code i}: the ready fd of signal-driven I/O (POLL_* codes only). */
    public int fd(int i) {
        return records.get(JAVA_INT, i * size + (format == Format.SIGNALFD ? Structs.SSI_FD : Structs.SI_FD));
    }

    /** The {@code ssi_band} or {@code si_band} of record {@code i}: the poll events of signal-driven I/O (POLL_* codes only). */
    public int band(int i) {
        return format == Format.SIGNALFD
                ? records.get(JAVA_INT, i * size + Structs.SSI_BAND)
                : (int) records.get(JAVA_LONG, i * size + Structs.SI_BAND);
    }

    /** Record {@code i} as a {@link SignalInfo}. */
    public SignalInfo info(int i) {
        MemorySegment record = records.asSlice(i * size, size);
        return format == Format.SIGNALFD ? SignalInfo.from(record) : SignalInfo.fromSiginfo(record);
    }

    @Override
    public void close() {
        arena.close();
    }
}
