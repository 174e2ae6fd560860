package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.StringJoiner;
import org.fdloop.internal.linux.Constants;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.ProcessCalls;
import org.fdloop.internal.linux.Structs;

/**
 * An immutable set of signals, and the calling thread's signal mask.
 *
 * <p>A signal read from a {@link SignalFd} must be blocked in the thread that would otherwise
 * receive it: {@code SignalSet.of(Signal.USR1).block()}. Threads started afterwards inherit the
 * mask of the thread that starts them.
 */
public final class SignalSet {
    private static final SignalSet EMPTY = new SignalSet(0);

    /** Bit n-1 stands for signal n, as in the kernel's sigset_t. */
    private final long bits;

    private SignalSet(long bits) {
        this.bits = bits;
    }

    /** {@return the empty set} */
    public static SignalSet empty() {
        return EMPTY;
    }

    /**
     * A set of these signals.
     *
     * @param signals the signals
     * @return the set of them
     */
    public static SignalSet of(Signal... signals) {
        long bits = 0;
        for (Signal s : signals) {
            bits |= bit(s);
        }
        return new SignalSet(bits);
    }

    /**
     * A set of these signals.
     *
     * @param signals the signals
     * @return the set of them
     */
    public static SignalSet of(Collection<Signal> signals) {
        return of(signals.toArray(Signal[]::new));
    }

    private static long bit(Signal s) {
        return 1L << (s.number() - 1);
    }

    /**
     * Whether the set holds {@code signal}.
     *
     * @param signal a signal
     * @return whether the set holds it
     */
    public boolean contains(Signal signal) {
        return (bits & bit(signal)) != 0;
    }

    /**
     * This set with {@code signal} added.
     *
     * @param signal a signal
     * @return a set of this set's signals and {@code signal}
     */
    public SignalSet with(Signal signal) {
        return new SignalSet(bits | bit(signal));
    }

    /** {@return whether the set is empty} */
    public boolean isEmpty() {
        return bits == 0;
    }

    /** {@return the signals, by number} */
    public List<Signal> signals() {
        List<Signal> list = new ArrayList<>(Long.bitCount(bits));
        for (long b = bits; b != 0; b &= b - 1) {
            list.add(Signal.of(Long.numberOfTrailingZeros(b) + 1));
        }
        return list;
    }

    // ---- the calling thread's mask --------------------------------------------------------------

    /**
     * Blocks these signals in the calling thread; returns the mask it had before.
     *
     * @return the mask the thread had before
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public SignalSet block() throws IOException {
        return change(Constants.SIG_BLOCK, this);
    }

    /**
     * Unblocks these signals in the calling thread; returns the mask it had before.
     *
     * @return the mask the thread had before
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public SignalSet unblock() throws IOException {
        return change(Constants.SIG_UNBLOCK, this);
    }

    /**
     * Makes this set the calling thread's whole mask; returns the mask it had before.
     *
     * @return the mask the thread had before
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public SignalSet setAsThreadMask() throws IOException {
        return change(Constants.SIG_SETMASK, this);
    }

    /**
     * {@return the signals the calling thread blocks}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static SignalSet blockedInCurrentThread() throws IOException {
        return change(Constants.SIG_BLOCK, null);
    }

    /**
     * The signals thread {@code tid} of this process blocks (its SigBlk line in /proc).
     *
     * @param tid a thread of this process
     * @return the signals it blocks
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static SignalSet blockedInThread(int tid) throws IOException {
        return fromProcStatus(Path.of("/proc/self/task/" + tid + "/status"), "SigBlk:");
    }

    /**
     * {@return the signals this process has a handler for (the SigCgt line of /proc/self/status)}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static SignalSet handledByProcess() throws IOException {
        return fromProcStatus(Path.of("/proc/self/status"), "SigCgt:");
    }

    /**
     * {@return the signals this process ignores (the SigIgn line of /proc/self/status)}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static SignalSet ignoredByProcess() throws IOException {
        return fromProcStatus(Path.of("/proc/self/status"), "SigIgn:");
    }

    private static SignalSet fromProcStatus(Path status, String field) throws IOException {
        if (!Files.exists(status)) {
            throw new IllegalArgumentException(status.getParent() + " does not exist: no such thread in this process");
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith(field)) {
                return new SignalSet(Long.parseUnsignedLong(line.substring(field.length()).trim(), 16));
            }
        }
        throw new IOException(status + " has no " + field + " line");
    }

    private static SignalSet change(int how, SignalSet set) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment old = arena.allocate(Structs.SIGSET);
            MemorySegment newSet = MemorySegment.NULL;
            if (set != null) {
                newSet = arena.allocate(Structs.SIGSET);
                newSet.set(JAVA_LONG, 0, set.bits);
            }
            Errno.check(ProcessCalls.pthreadSigmask(how, newSet, old), "pthread_sigmask(" + how + ")");
            return new SignalSet(old.get(JAVA_LONG, 0));
        }
    }

    /** The set as glibc's 128-byte sigset_t, allocated in {@code arena}. */
    MemorySegment toNative(Arena arena) {
        MemorySegment set = arena.allocate(Structs.SIGSET);
        set.set(JAVA_LONG, 0, bits);
        return set;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignalSet s && s.bits == bits;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(bits);
    }

    @Override
    public String toString() {
        StringJoiner j = new StringJoiner(", ", "{", "}");
        for (Signal s : signals()) {
            j.add(s.name());
        }
        return j.toString();
    }
}
