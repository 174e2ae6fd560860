package org.fdloop.fd;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.EventCalls;
import org.fdloop.internal.linux.ThreadScratch;

/**
 * A signalfd (signalfd(2)): pending signals, read as records instead of delivered to a handler.
 *
 * <p>The fd is readable while one of its signals is pending for the thread that reads it, either
 * directed at that thread or at the whole process. {@link #read()} takes one signal off the
 * pending set and returns its {@link SignalInfo}. Standard signals coalesce: two SIGUSR1 sent
 * before a read are one record. Realtime signals queue: each send is its own record.
 *
 * <p>The signals must be blocked ({@link SignalSet#block()}) in the thread that reads, or the
 * kernel delivers them the ordinary way before the signalfd sees them: for SIGUSR1 or a
 * realtime signal that ends the JVM.
 *
 * <p><b>Inside a JVM a signalfd only reliably sees signals directed at the thread that reads
 * it</b>: tgkill ({@link Signal#sendToThread(int)}), pthread_sigqueue
 * ({@link Signal#queueToCurrentThread(long)}), and signal-driven I/O with that thread as the
 * F_SETOWN_EX owner ({@link Fd#enableAsync(Signal, int)}). The JVM's many threads leave almost
 * every signal unblocked, so a process-directed signal ({@code kill}) lands on whichever thread
 * the kernel picks, not on the reading thread. See "Signals in a JVM" in DESIGN.md.
 *
 * <p>An empty set is allowed, as the kernel allows it: the fd then never becomes readable until
 * {@link #setSignals(SignalSet)} gives it signals, so a loop can create it before it knows them.
 * SIGKILL and SIGSTOP are refused: they cannot be blocked and no signalfd ever reports them.
 */
public final class SignalFd extends Fd {
    private volatile SignalSet signals;

    private SignalFd(int fd, SignalSet signals) {
        super(fd, "signalfd");
        this.signals = signals;
    }

    /**
     * A new signalfd for {@code signals} (SFD_CLOEXEC|SFD_NONBLOCK). Block them in the reading thread.
     *
     * @param signals the signals to read; they must be blocked in the reading thread
     * @return a new signalfd
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static SignalFd open(SignalSet signals) throws IOException {
        checkSignals(signals);
        try (Arena arena = Arena.ofConfined()) {
            int fd = Errno.check(EventCalls.signalfd(-1, signals.toNative(arena), SFD_CLOEXEC | SFD_NONBLOCK), "signalfd(" + signals + ")");
            return new SignalFd(fd, signals);
        }
    }

    /** {@return the signals this signalfd reports} */
    public SignalSet signals() {
        return signals;
    }

    /**
     * Makes this signalfd report {@code signals} instead (signalfd(2) on the existing fd).
     *
     * @param signals the signals to read from now on
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void setSignals(SignalSet signals) throws IOException {
        checkSignals(signals);
        int fd = acquire();
        try (Arena arena = Arena.ofConfined()) {
            Errno.check(EventCalls.signalfd(fd, signals.toNative(arena), 0), "signalfd(" + describe() + ", " + signals + ")");
            this.signals = signals;
        } finally {
            release();
        }
    }

    /**
     * Takes one pending signal and returns it.
     *
     * @return the signal's record, or null when none of this fd's signals is pending for the
     *     calling thread (nothing is ready)
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public SignalInfo read() throws IOException {
        MemorySegment record = ThreadScratch.get().record;
        int errno = readRecord(record, 128);
        if (errno == 0) {
            return SignalInfo.from(record);
        }
        if (errno == EAGAIN) {
            return null;
        }
        throw readError(errno);
    }

    private static void checkSignals(SignalSet signals) {
        Objects.requireNonNull(signals, "signals (SignalSet.empty() for none)");
        if (signals.contains(Signal.KILL) || signals.contains(Signal.STOP)) {
            throw new IllegalArgumentException("SIGKILL and SIGSTOP cannot be blocked or caught, so no signalfd reports them; "
                    + "remove them from " + signals);
        }
    }

    /**
     * Takes one pending signal as {@link #read()} does, waiting until one is pending: a virtual
     * thread parks and frees its carrier, a platform thread blocks in poll(2) (see
     * {@link #awaitReadable}, which also says what an interrupt and a close do). A virtual thread
     * runs on whichever carrier is free, so it sees the signals sent to the process, not those
     * sent to one thread; the signals must be blocked in every thread of the JVM.
     *
     * @return the signal's record
     * @throws IOException if a system call fails, the waiting virtual thread was interrupted
     *     ({@link java.io.InterruptedIOException}), or another thread closed this fd meanwhile
     *     ({@link ClosedWhileWaitingException})
     */
    public SignalInfo take() throws IOException {
        while (true) {
            SignalInfo info = read();
            if (info != null) {
                return info;
            }
            await(POLLIN, -1);
        }
    }
}
