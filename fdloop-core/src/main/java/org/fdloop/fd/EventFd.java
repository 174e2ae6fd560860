package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.EventCalls;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.ThreadScratch;

/**
 * An eventfd: a 64-bit counter in the kernel, exposed as a file descriptor.
 *
 * <p>It is a counter, not a message queue. {@link #write(long)} adds to the counter; the fd is
 * readable while the counter is not zero. {@link #read()} returns the whole counter and resets
 * it to 0, so three writes of 1 are read as one 3. In semaphore mode ({@link #openSemaphore})
 * each read returns 1 and takes 1 off the counter. The counter is unsigned and holds at most
 * {@link #MAX_VALUE}; a write that would pass it does not happen ("would block").
 *
 * <p>Reads and writes are thread-safe: this is how one thread wakes another's loop.
 */
public final class EventFd extends Fd {
    /** The largest value the counter holds: 0xfffffffffffffffe (unsigned). */
    public static final long MAX_VALUE = 0xfffffffffffffffeL;

    private final boolean semaphore;

    private EventFd(int fd, boolean semaphore) {
        super(fd, semaphore ? "eventfd (semaphore)" : "eventfd");
        this.semaphore = semaphore;
    }

    /**
     * {@return a new eventfd with its counter at 0}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static EventFd open() throws IOException {
        return open(0, false);
    }

    /**
     * A new eventfd in semaphore mode (EFD_SEMAPHORE), its counter at {@code initialValue}.
     *
     * @param initialValue the counter's first value
     * @return a new eventfd in semaphore mode
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static EventFd openSemaphore(int initialValue) throws IOException {
        return open(initialValue, true);
    }

    /**
     * A new eventfd.
     *
     * @param initialValue the counter's start value, 0 to 2^32-1 (eventfd(2) takes an unsigned int)
     * @param semaphore whether each read takes 1 (EFD_SEMAPHORE) rather than everything
     * @return a new eventfd
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static EventFd open(long initialValue, boolean semaphore) throws IOException {
        if (initialValue < 0 || initialValue > 0xffffffffL) {
            throw new IllegalArgumentException("an eventfd's initial value is 0 to 4294967295 (an unsigned int), not " + initialValue);
        }
        int flags = EFD_CLOEXEC | EFD_NONBLOCK | (semaphore ? EFD_SEMAPHORE : 0);
        return new EventFd(Errno.check(EventCalls.eventfd((int) initialValue, flags), "eventfd(" + initialValue + ")"), semaphore);
    }

    /** {@return whether this eventfd is in semaphore mode} */
    public boolean isSemaphore() {
        return semaphore;
    }

    /**
     * Adds {@code value} (unsigned) to the counter.
     *
     * @param value what to add; not 0xffffffffffffffff
     * @return true when added; false when the counter would pass {@link #MAX_VALUE} ("would
     *     block"): nothing was added, read first
     * @throws IllegalArgumentException for 0xffffffffffffffff (-1L), which the kernel refuses
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public boolean write(long value) throws IOException {
        if (value == -1L) {
            throw new IllegalArgumentException(
                    "0xffffffffffffffff cannot be written to an eventfd: the largest value is 0xfffffffffffffffe (EventFd.MAX_VALUE)");
        }
        int fd = acquire();
        try {
            MemorySegment word = ThreadScratch.get().word;
            word.set(JAVA_LONG, 0, value);
            long n = IoCalls.writeCritical(fd, word, 8);
            if (n == 8) {
                return true;
            }
            if (n == -EAGAIN) {
                return false;
            }
            throw n < 0 ? Errno.exception("write(" + describe() + ", " + Long.toUnsignedString(value) + ")", (int) -n)
                        : new IOException("write(" + describe() + ") wrote " + n + " bytes of 8");
        } finally {
            release();
        }
    }

    /**
     * Reads the counter: the sum of all writes since the last read (and resets it to 0), or 1 in
     * semaphore mode (and takes 1 off).
     *
     * @return the value read (unsigned; use {@link Long#toUnsignedString(long)} above 2^63), or 0
     *     when the counter is 0: nothing is ready
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public long read() throws IOException {
        MemorySegment word = ThreadScratch.get().word;
        int errno = readRecord(word, 8);
        if (errno == 0) {
            return word.get(JAVA_LONG, 0);
        }
        if (errno == EAGAIN) {
            return 0;
        }
        throw readError(errno);
    }

    /**
     * Reads the counter as {@link #read()} does, waiting until it is not 0: a virtual thread
     * parks and frees its carrier, a platform thread blocks in poll(2) (see {@link #awaitReadable},
     * which also says what an interrupt and a close do).
     *
     * @return the value read, never 0
     * @throws IOException if a system call fails, the waiting virtual thread was interrupted
     *     ({@link java.io.InterruptedIOException}), or another thread closed this fd meanwhile
     *     ({@link ClosedWhileWaitingException})
     */
    public long take() throws IOException {
        while (true) {
            long value = read();
            if (value != 0) {
                return value;
            }
            await(POLLIN, -1);
        }
    }
}
