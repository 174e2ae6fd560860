package org.fdloop.fd;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import org.fdloop.internal.FdAccess;
import org.fdloop.internal.SignalRules;
import org.fdloop.internal.VThreadPoller;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.Fasync;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.Structs;
import org.fdloop.internal.linux.ThreadScratch;

/**
 * Owns one file descriptor and closes it exactly once.
 *
 * <p>{@link #close()} is idempotent and thread-safe. Every operation first <em>acquires</em> the
 * descriptor and releases it when the system call returns; {@code close()} marks the Fd closed
 * at once (every later use throws {@link IllegalStateException}), and the descriptor number is
 * handed back to the kernel when the last call in flight on it returns. So no call of this
 * object ever reaches a number the kernel has since given to another file.
 *
 * <p>Every Fd fdloop creates is {@code O_CLOEXEC|O_NONBLOCK}.
 *
 * <h2>Signal-driven I/O</h2>
 * {@link #enableAsync(Signal, int)} makes the kernel send a signal to one thread whenever this fd
 * becomes ready (fcntl {@code F_SETSIG}, then {@code F_SETOWN_EX} with {@code F_OWNER_TID}, then
 * {@code O_ASYNC}: in that order, because on a tty {@code O_ASYNC} before the owner is set
 * installs a process-wide owner and the next byte kills the JVM). With a realtime signal each
 * readiness change queues one signal carrying the fd and the poll band ({@link SignalInfo#fd()},
 * {@link SignalInfo#band()}); read them from a {@link SignalFd} in the owner thread.
 */
public class Fd implements AutoCloseable {
    private static final VarHandle STATE;
    private static final VarHandle POLLERS;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Fd.class, "state", int.class);
            POLLERS = MethodHandles.lookup().findVarHandle(Fd.class, "pollers", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        FdAccess.install(new FdAccess() {
            @Override
            public int pin(Fd fd) {
                return fd.acquire();
            }

            @Override
            public void unpin(Fd fd) {
                fd.release();
            }

            @Override
            public void addCloseWatcher(Fd fd, Runnable watcher) {
                fd.addCloseWatcher(watcher);
            }

            @Override
            public void removeCloseWatcher(Fd fd, Runnable watcher) {
                fd.removeCloseWatcher(watcher);
            }
        });
    }

    /** The sign bit of {@link #state}: set once close() was called. */
    private static final int CLOSED = Integer.MIN_VALUE;

    private final int number;
    private final String kind;
    /** CLOSED bit, plus the number of calls in flight on the descriptor. */
    @SuppressWarnings("unused")
    private volatile int state;
    /** The bits of the virtual-thread pollers ({@link VThreadPoller}) that have had this fd registered. */
    @SuppressWarnings("unused")
    private volatile int pollers;
    /** Told once by close(): the event loops that hold this fd registered (FdAccess.addCloseWatcher). */
    private volatile Runnable[] closeWatchers;

    /**
     * Takes ownership of {@code number}.
     *
     * @param kind what the descriptor is, for messages: {@code "eventfd"}, {@code "pipe read end"}
     * @param number the descriptor, open; this Fd closes it
     */
    protected Fd(int number, String kind) {
        if (number < 0) {
            throw new IllegalArgumentException("a file descriptor is a number >= 0, not " + number);
        }
        this.number = number;
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /**
     * The descriptor number, for passing to other code while this Fd is open.
     *
     * @return the descriptor number, for passing to other code while this Fd is open
     * @throws IllegalStateException if this Fd is closed (the number may already belong to another file)
     */
    public final int number() {
        if ((int) STATE.getVolatile(this) < 0) {
            throw closedError();
        }
        return number;
    }

    /** {@return what this descriptor is: {@code "eventfd"}, {@code "inotify"}, {@code "pty master"}} */
    public final String kind() {
        return kind;
    }

    /** {@return whether {@link #close()} has not been called yet} */
    public final boolean isOpen() {
        return (int) STATE.getVolatile(this) >= 0;
    }

    /**
     * Closes the descriptor; calling it again does nothing. Safe from any thread: the number is
     * released when the last call in flight on it returns.
     */
    @Override
    public final void close() {
        while (true) {
            int s = (int) STATE.getVolatile(this);
            if (s < 0) {
                return;
            }
            if (STATE.compareAndSet(this, s, s | CLOSED)) {
                if (s == 0) {
                    closeNow();
                } else {
                    wakeParked();
                }
                Runnable[] watchers = closeWatchers;
                if (watchers != null) {
                    for (Runnable watcher : watchers) {
                        watcher.run(); // a loop that pins it: it lets the number go by its next iteration
                    }
                }
                return;
            }
        }
    }

    private synchronized void addCloseWatcher(Runnable watcher) {
        Runnable[] now = closeWatchers;
        Runnable[] grown = now == null ? new Runnable[1] : Arrays.copyOf(now, now.length + 1);
        grown[grown.length - 1] = watcher;
        closeWatchers = grown;
    }

    private synchronized void removeCloseWatcher(Runnable watcher) {
        Runnable[] now = closeWatchers;
        if (now == null) {
            return;
        }
        Runnable[] kept = Arrays.stream(now).filter(w -> w != watcher).toArray(Runnable[]::new);
        closeWatchers = kept.length == 0 ? null : kept;
    }

    /**
     * Refuses a read-only destination before the read: the kernel hands the bytes over once, so
     * finding out after the system call would lose them.
     */
    static void checkWritable(boolean readOnly) {
        if (readOnly) {
            throw new IllegalArgumentException("the destination is read-only and cannot take the bytes read: "
                    + "pass a writable ByteBuffer or MemorySegment");
        }
    }

    /**
     * Marks the start of a system call on the descriptor and returns its number; pair with
     * {@link #release()} in a finally block.
     *
     * @return the descriptor number
     * @throws IllegalStateException if this Fd is closed
     */
    protected final int acquire() {
        while (true) {
            int s = (int) STATE.getVolatile(this);
            if (s < 0) {
                throw closedError();
            }
            if (STATE.compareAndSet(this, s, s + 1)) {
                return number;
            }
        }
    }

    /** Marks the end of a call begun with {@link #acquire()}; closes the descriptor if close() came meanwhile. */
    protected final void release() {
        int s = (int) STATE.getAndAdd(this, -1) - 1;
        if (s == CLOSED) {
            closeNow();
        }
    }

    private void closeNow() {
        int bits = pollers;
        if (bits != 0) {
            VThreadPoller.forget(number, bits); // out of the pollers' epoll sets before the number can be reused
        }
        // Linux releases the number even when close fails (EINTR, EIO): never retry, ignoring the result.
        IoCalls.close(number);
    }

    /** {@return the error for a use after close: names the fd without touching it} */
    protected final IllegalStateException closedError() {
        return new IllegalStateException(kind + " (fd " + number + ") is closed; it cannot be used any more");
    }

    /**
     * How this fd is named in error messages: {@code "eventfd 7"}.
     *
     * @return the kind and the number
     */
    protected final String describe() {
        return kind + " " + number;
    }

    // ---- fixed-size records: eventfd and timerfd counters, signalfd_siginfo -----------------------

    /**
     * Reads one record of exactly {@code size} bytes into {@code into}, as eventfd (8), timerfd (8)
     * and signalfd (128) deliver them.
     *
     * @return 0 when the record was read, else the errno (EAGAIN when nothing is ready) for the
     *     caller to interpret; see {@link #readError(int)}
     */
    final int readRecord(MemorySegment into, int size) throws IOException {
        int fd = acquire();
        try {
            long n = IoCalls.readCritical(fd, into, size);
            if (n == size) {
                return 0;
            }
            if (n < 0) {
                return (int) -n;
            }
            throw new IOException("read(" + describe() + ") returned " + n + " bytes of a " + size + "-byte record");
        } finally {
            release();
        }
    }

    /** The exception for a {@link #readRecord} that failed with {@code errno}. */
    final LinuxException readError(int errno) {
        return Errno.exception("read(" + describe() + ")", errno);
    }

    // ---- waiting for one fd ---------------------------------------------------------------------

    /**
     * Waits until this fd is readable (or hung up, or in error), at most {@code timeout}. For many
     * fds, or timers and signals beside them, use an event loop.
     *
     * <p>A virtual thread parks and frees its carrier: fdloop's poller thread unparks it when the
     * kernel reports the fd ready. If it is interrupted meanwhile (or was already), it throws
     * {@link InterruptedIOException} with its interrupt status still set, and the fd stays open;
     * if another thread closes this Fd meanwhile, it throws {@link ClosedWhileWaitingException}.
     * A platform thread blocks in poll(2) on this one descriptor; an interrupt does not end that
     * wait, and a {@link #close()} from another thread takes effect when the wait returns.
     * docs/THREADS.md tells more.
     *
     * @param timeout how long to wait at most
     * @return true when ready, false when the timeout passed first
     * @throws InterruptedIOException if the waiting virtual thread was interrupted
     * @throws ClosedWhileWaitingException if another thread closed this Fd while a virtual thread waited
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public final boolean awaitReadable(Duration timeout) throws IOException {
        return await(POLLIN, checkedNanos(timeout));
    }

    /**
     * Waits until this fd is writable (or hung up, or in error), at most {@code timeout}.
     *
     * @param timeout how long to wait at most
     * @return true when ready, false when the timeout passed first
     * @see #awaitReadable(Duration)
     * @throws InterruptedIOException if the waiting virtual thread was interrupted
     * @throws ClosedWhileWaitingException if another thread closed this Fd while a virtual thread waited
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public final boolean awaitWritable(Duration timeout) throws IOException {
        return await(POLLOUT, checkedNanos(timeout));
    }

    private static long checkedNanos(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("a timeout is zero or more, not " + timeout);
        }
        return saturatedNanos(timeout);
    }

    /**
     * Waits for {@code events} (POLLIN or POLLOUT) at most {@code nanos}, or without a limit when
     * {@code nanos < 0}: a virtual thread parks, a platform thread polls. The blocking reads and
     * the stream views wait here.
     */
    final boolean await(int events, long nanos) throws IOException {
        if (nanos != 0 && Thread.currentThread().isVirtual()) {
            return park(events == POLLIN ? VThreadPoller.READ : VThreadPoller.WRITE, nanos);
        }
        return pollWait(events, nanos);
    }

    private boolean park(int direction, long nanos) throws IOException {
        VThreadPoller poller = VThreadPoller.of(direction);
        Thread me = Thread.currentThread();
        long deadline = System.nanoTime() + nanos;
        int fd = acquire();
        try {
            // before the thread can be found waiting: close() reads it after it marked the Fd closed
            POLLERS.getAndBitwiseOr(this, direction);
            while (true) {
                if (me.isInterrupted()) {
                    throw new InterruptedIOException("interrupted while waiting for " + describe() + " to become "
                            + (direction == VThreadPoller.READ ? "readable" : "writable")
                            + "; the thread's interrupt status is still set and the fd is still open");
                }
                long left = nanos < 0 ? -1 : deadline - System.nanoTime();
                if (nanos >= 0 && left <= 0) {
                    return false;
                }
                boolean reported = poller.park(fd, left, this::isOpen);
                if (!isOpen()) {
                    throw new ClosedWhileWaitingException(describe(), direction == VThreadPoller.READ);
                }
                if (reported) {
                    return true;
                }
            }
        } finally {
            release();
        }
    }

    /** Wakes the virtual threads parked on this fd, which is now marked closed: they throw ClosedWhileWaitingException. */
    private void wakeParked() {
        int bits = pollers;
        for (int direction : new int[] {VThreadPoller.READ, VThreadPoller.WRITE}) {
            if ((bits & direction) != 0) {
                VThreadPoller.of(direction).wakeup(number);
            }
        }
    }

    private boolean pollWait(int events, long nanos) throws IOException {
        long deadline = System.nanoTime() + nanos;
        int fd = acquire();
        try {
            MemorySegment pollfd = ThreadScratch.get().word; // a struct pollfd is 8 bytes: nothing allocated per wait
            pollfd.set(ValueLayout.JAVA_INT, Structs.POLLFD_FD, fd);
            pollfd.set(ValueLayout.JAVA_SHORT, Structs.POLLFD_EVENTS, (short) events);
            while (true) {
                long left = deadline - System.nanoTime();
                // round up, so that the wait is at least as long as asked; -1 is poll's "no limit"
                int millis = nanos < 0 ? -1 : (int) Math.min(Integer.MAX_VALUE, Math.max(0, (left + 999_999) / 1_000_000));
                int ready = IoCalls.poll(pollfd, 1, millis);
                if (ready < 0) {
                    throw Errno.exception("poll(" + describe() + ", " + millis + " ms)", -ready);
                }
                if (ready > 0) {
                    int revents = pollfd.get(ValueLayout.JAVA_SHORT, Structs.POLLFD_REVENTS);
                    if ((revents & POLLNVAL) != 0) {
                        throw new IllegalStateException("poll reports " + describe() + " as not open (POLLNVAL)");
                    }
                    return true;
                }
                if (nanos >= 0 && deadline - System.nanoTime() <= 0) {
                    return false;
                }
            }
        } finally {
            release();
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 2;
        }
    }

    // ---- signal-driven I/O ----------------------------------------------------------------------

    /**
     * Makes the kernel send {@code signal} to thread {@code ownerTid} whenever this fd becomes
     * ready (signal-driven I/O). Use a realtime signal ({@link Signal#realtime(int)}): it is
     * queued once per event with the fd and band, where plain SIGIO coalesces and says nothing.
     *
     * <p>The owner must have the signal blocked (then read it from a {@link SignalFd}) or
     * handled: a realtime signal's default action ends the process, so this refuses an owner
     * that neither blocks nor handles it.
     *
     * @param ownerTid a thread of this process, {@link OsThread#currentId()} for the caller
     * @param signal the signal the kernel sends, a realtime one
     * @throws IllegalArgumentException when no thread of this process has id {@code ownerTid}
     * @throws IllegalStateException when the owner neither blocks nor handles {@code signal}, or
     *     this Fd is closed
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public final void enableAsync(Signal signal, int ownerTid) throws IOException {
        Objects.requireNonNull(signal, "signal");
        if (ownerTid <= 0) {
            throw new IllegalArgumentException("ownerTid must be a thread id (OsThread.currentId()), not " + ownerTid);
        }
        int fd = acquire();
        try {
            SignalRules.checkThreadOwner(ownerTid, signal);
            Fasync.arm(fd, signal.number(), ownerTid, describe());
        } finally {
            release();
        }
    }

    /**
     * Makes the kernel send {@code signal} to {@code owner} whenever this fd becomes ready: a
     * thread (F_SETOWN_EX F_OWNER_TID), a process (F_OWNER_PID, what F_SETOWN with a pid sets) or
     * a process group (F_OWNER_PGRP). {@code signal} null is plain SIGIO (F_SETSIG 0), which
     * carries no fd and coalesces.
     *
     * <p>A signal to this process, or to its group, lands on whichever thread of the JVM the
     * kernel picks, and a realtime signal's default action, like SIGIO's, ends the process. So
     * this refuses such an owner unless the process handles the signal, and SIGIO too: the kernel
     * sends a plain SIGIO instead of a realtime signal it could not queue.
     * {@code EventLoop.onAsyncIo} with a process owner installs fdloop's handler for both.
     *
     * @param signal the signal to send, or null for plain SIGIO
     * @param owner the thread, process or process group the kernel sends it to
     * @throws IllegalArgumentException for a thread owner that is no thread of this process
     * @throws IllegalStateException when the owner would end the JVM on the first event: a thread
     *     that neither blocks nor handles the signal, or this process (or its group) when it does
     *     not handle the signal and SIGIO; or this Fd is closed
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public final void enableAsync(Signal signal, AsyncOwner owner) throws IOException {
        Objects.requireNonNull(owner, "owner");
        if (owner.kind() == AsyncOwner.Kind.THREAD && signal != null) {
            enableAsync(signal, owner.id());
            return;
        }
        Signal sent = signal == null ? Signal.IO : signal;
        int fd = acquire();
        try {
            SignalRules.checkOwner(owner, sent);
            int type = switch (owner.kind()) {
                case THREAD -> F_OWNER_TID;
                case PROCESS -> F_OWNER_PID;
                case PROCESS_GROUP -> F_OWNER_PGRP;
            };
            Fasync.arm(fd, signal == null ? 0 : signal.number(), type, owner.id(), describe());
        } finally {
            release();
        }
    }

    /**
     * Stops signal-driven I/O (clears O_ASYNC); the owner and signal stay as they were.
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public final void disableAsync() throws IOException {
        int fd = acquire();
        try {
            Fasync.disarm(fd, describe());
        } finally {
            release();
        }
    }

    /**
     * {@return whether signal-driven I/O is on (O_ASYNC)}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public final boolean isAsync() throws IOException {
        int fd = acquire();
        try {
            return Fasync.isArmed(fd, describe());
        } finally {
            release();
        }
    }

    /**
     * {@return the signal sent on readiness (F_GETSIG), or null when none was set: then the kernel sends plain SIGIO without fd}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public final Signal asyncSignal() throws IOException {
        int fd = acquire();
        try {
            int signal = Errno.check(FileCalls.fcntl(fd, F_GETSIG, 0), "fcntl(" + describe() + ", F_GETSIG)");
            return signal == 0 ? null : Signal.of(signal);
        } finally {
            release();
        }
    }

    /**
     * {@return who receives the readiness signal (F_GETOWN_EX)}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public final AsyncOwner asyncOwner() throws IOException {
        int fd = acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment owner = arena.allocate(Structs.F_OWNER_EX);
            Errno.check(FileCalls.fcntl(fd, F_GETOWN_EX, owner), "fcntl(" + describe() + ", F_GETOWN_EX)");
            int type = owner.get(ValueLayout.JAVA_INT, Structs.F_OWNER_EX_TYPE);
            int id = owner.get(ValueLayout.JAVA_INT, Structs.F_OWNER_EX_PID);
            return new AsyncOwner(switch (type) {
                case F_OWNER_TID -> AsyncOwner.Kind.THREAD;
                case F_OWNER_PID -> AsyncOwner.Kind.PROCESS;
                case F_OWNER_PGRP -> AsyncOwner.Kind.PROCESS_GROUP;
                default -> throw new IllegalStateException("F_GETOWN_EX returned an unknown owner type " + type);
            }, id);
        } finally {
            release();
        }
    }

    /**
     * {@return whether the descriptor is in non-blocking mode (O_NONBLOCK)}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public final boolean isNonBlocking() throws IOException {
        int fd = acquire();
        try {
            return (Errno.check(FileCalls.fcntl(fd, F_GETFL, 0), "fcntl(" + describe() + ", F_GETFL)") & O_NONBLOCK) != 0;
        } finally {
            release();
        }
    }

    /**
     * {@return whether the descriptor is closed in programs this process executes (FD_CLOEXEC)}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public final boolean isCloseOnExec() throws IOException {
        int fd = acquire();
        try {
            return (Errno.check(FileCalls.fcntl(fd, F_GETFD, 0), "fcntl(" + describe() + ", F_GETFD)") & FD_CLOEXEC) != 0;
        } finally {
            release();
        }
    }

    @Override
    public String toString() {
        return isOpen() ? describe() : kind + " (fd " + number + ", closed)";
    }
}
