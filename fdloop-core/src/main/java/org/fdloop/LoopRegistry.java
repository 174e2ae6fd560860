package org.fdloop;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.fdloop.fd.AsyncOwner;
import org.fdloop.fd.Dnotify;
import org.fdloop.fd.Fd;
import org.fdloop.fd.ListeningSocket;
import org.fdloop.fd.Signal;
import org.fdloop.fd.StreamFd;
import org.fdloop.internal.FdAccess;
import org.fdloop.internal.SignalRules;
import org.fdloop.internal.backend.Poller;

/**
 * The part of {@link EventLoop}'s API that registers sources other than process exits: I/O,
 * streams, timers, hooks, file watches, signals and signal-driven I/O. What they register into is
 * {@link LoopSources}'; the public methods here are {@code EventLoop}'s, documented there.
 */
abstract sealed class LoopRegistry extends LoopProcesses permits EventLoop {
    LoopRegistry(Poller poller, ErrorHandler errorHandler, SignalRoute signalRoute, int signalPipeBytes,
            boolean timing) {
        super(poller, errorHandler, signalRoute, signalPipeBytes, timing);
    }

    /**
     * Dispatches {@code handler} when {@code fd} is ready for {@code events}
     * ({@link IoSource#READABLE} and friends, optionally {@link IoSource#EDGE} or {@link IoSource#ONESHOT}).
     * A {@link ListeningSocket} whose handler runs out of file descriptors is the one exception to
     * {@link ErrorHandler}'s policy: it stays enabled, and the loop closes the connections waiting on
     * it until descriptors are free (docs/LOOP.md, "When a handler throws").
     *
     * @param fd the fd; the registration pins it until the source is closed
     * @param events what to wait for: {@link IoSource#READABLE}, {@link IoSource#WRITABLE}, {@link IoSource#PRIORITY}, {@link IoSource#READ_HANGUP}, with at most one of {@link IoSource#EDGE} and {@link IoSource#ONESHOT}
     * @param handler called on the loop thread when the fd is ready
     * @return the registration
     * @throws IllegalStateException when {@code fd} is closed, or registered with this loop already (naming the source)
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public IoSource onIo(Fd fd, int events, IoHandler handler) throws IOException {
        checkThread("onIo");
        Objects.requireNonNull(fd, "fd");
        Objects.requireNonNull(handler, "handler");
        IoSource.checkEvents(events);
        if (fd instanceof ListeningSocket) {
            acceptReserve.ensureOpen(); // for when accept runs out of descriptors
        }
        IoSource source = new IoSource(self(), fd, FdAccess.get().pin(fd), events, handler);
        register(source);
        return source;
    }

    /**
     * Dispatches {@code handler} while {@code fd} is readable (level-triggered).
     *
     * @param fd the fd; the registration pins it until the source is closed
     * @param handler called on the loop thread when the fd is readable
     * @return the registration
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public IoSource onReadable(Fd fd, IoHandler handler) throws IOException {
        return onIo(fd, IoSource.READABLE, handler);
    }

    /**
     * Reads and writes {@code fd} with queued writes: what arrives goes to
     * {@link StreamHandler#received}, and {@link StreamSource#write} never blocks and never loses
     * data (what the kernel does not take is queued and flushed when the fd is writable, with
     * water marks for backpressure; docs/SOCKETS.md, "Writes that queue"). The stream owns
     * {@code fd}: closing it closes the fd.
     *
     * @param fd a socket, pipe, FIFO, tty or pty, open; not registered with this loop already
     * @param handler told on the loop thread what arrives, of writability and of the close
     * @return the stream
     * @throws IllegalStateException when {@code fd} is closed, or registered with this loop already
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public StreamSource onStream(StreamFd fd, StreamHandler handler) throws IOException {
        checkThread("onStream");
        Objects.requireNonNull(fd, "fd");
        Objects.requireNonNull(handler, "handler");
        return new StreamSource(self(), fd, true, handler);
    }

    /**
     * {@link #onStream} for an fd that is only written: a pipe's write end, a FIFO opened for
     * writing. It does not read ({@link StreamSource#resumeReading()} would), and waits for the
     * fd only while writes are queued.
     *
     * @param fd the fd written to, open; not registered with this loop already
     * @param handler told on the loop thread of writability and of the close; its
     *     {@link StreamHandler#received} is never called
     * @return the stream
     * @throws IllegalStateException when {@code fd} is closed, or registered with this loop already
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public StreamSource onWriteStream(StreamFd fd, StreamHandler handler) throws IOException {
        checkThread("onWriteStream");
        Objects.requireNonNull(fd, "fd");
        Objects.requireNonNull(handler, "handler");
        return new StreamSource(self(), fd, false, handler);
    }

    /**
     * Runs {@code handler} once, {@code delay} from now. Thread-safe; see {@link EventLoop#execute} for when it throws.
     *
     * @param delay how long from now; zero or positive
     * @param handler called on the loop thread when the timer is due
     * @return the timer, which {@link TimerSource#cancel()} stops
     */
    public TimerSource schedule(Duration delay, TimerHandler handler) {
        return addTimer(delay, Duration.ZERO, TimerSource.Mode.ONCE, handler, "timer");
    }

    /**
     * Runs {@code handler} once, at {@code deadlineNanos} on the {@link System#nanoTime()} clock. Thread-safe.
     *
     * @param deadlineNanos when, in {@link System#nanoTime()} units
     * @param handler called on the loop thread when the timer is due
     * @return the timer, which {@link TimerSource#cancel()} stops
     */
    public TimerSource scheduleAt(long deadlineNanos, TimerHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return enqueueTimer(new TimerSource(self(), "timer", deadlineNanos, 0, TimerSource.Mode.ONCE, handler));
    }

    /**
     * Runs {@code handler} after {@code initialDelay}, then every {@code period} measured from
     * the first deadline (late runs catch up, like ScheduledExecutorService). Thread-safe.
     *
     * @param initialDelay how long from now until the first expiry
     * @param period the time between the starts of two expiries
     * @param handler called on the loop thread at each expiry
     * @return the timer, which {@link TimerSource#cancel()} stops
     */
    public TimerSource scheduleAtFixedRate(Duration initialDelay, Duration period, TimerHandler handler) {
        return addTimer(initialDelay, period, TimerSource.Mode.FIXED_RATE, handler, "fixed-rate timer");
    }

    /**
     * Runs {@code handler} after {@code initialDelay}, then {@code delay} after each run ends. Thread-safe.
     *
     * @param initialDelay how long from now until the first expiry
     * @param delay the time from the end of one expiry's handler to the next expiry
     * @param handler called on the loop thread at each expiry
     * @return the timer, which {@link TimerSource#cancel()} stops
     */
    public TimerSource scheduleWithFixedDelay(Duration initialDelay, Duration delay, TimerHandler handler) {
        return addTimer(initialDelay, delay, TimerSource.Mode.FIXED_DELAY, handler, "fixed-delay timer");
    }

    private TimerSource addTimer(Duration initial, Duration period, TimerSource.Mode mode, TimerHandler handler, String name) {
        Objects.requireNonNull(initial, "initial delay");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(handler, "handler");
        if (initial.isNegative()) {
            throw new IllegalArgumentException("a delay is zero or more, not " + initial);
        }
        if (mode != TimerSource.Mode.ONCE && (period.isNegative() || period.isZero())) {
            throw new IllegalArgumentException("a repeating timer's period is more than zero, not " + period);
        }
        long deadline = System.nanoTime() + EventLoop.saturatedNanos(initial);
        return enqueueTimer(new TimerSource(self(), name, deadline, EventLoop.saturatedNanos(period), mode, handler));
    }

    private TimerSource enqueueTimer(TimerSource timer) {
        rejectIfOver("schedule");
        if (inLoopThread()) {
            checkThread("schedule");
            takeTimer(timer);
        } else {
            execute(() -> {
                if (!timer.cancelled && !isClosed()) {
                    takeTimer(timer);
                }
            });
        }
        return timer;
    }

    private void takeTimer(TimerSource timer) {
        timer.taken = true;
        if (timer.enabled && !timer.closed) {
            timers.add(timer);
            count(timer);
        }
    }

    /**
     * Runs {@code action} once at the start of the next iteration.
     *
     * @param action what to run
     * @return the hook, which can be closed before it runs
     */
    public HookSource defer(Runnable action) {
        return addHook(HookSource.Kind.DEFER, action, deferHooks);
    }

    /**
     * Runs {@code action} after every iteration that dispatched an event.
     *
     * @param action what to run
     * @return the hook, which closing removes
     */
    public HookSource post(Runnable action) {
        return addHook(HookSource.Kind.POST, action, postHooks);
    }

    /**
     * Runs {@code action} each time the loop stops: when {@link EventLoop#run()} returns.
     *
     * @param action what to run
     * @return the hook, which closing removes
     */
    public HookSource atExit(Runnable action) {
        return addHook(HookSource.Kind.EXIT, action, exitHooks);
    }

    private HookSource addHook(HookSource.Kind kind, Runnable action, HookList list) {
        checkThread(kind.name().toLowerCase(java.util.Locale.ROOT));
        Objects.requireNonNull(action, "action");
        HookSource hook = new HookSource(self(), kind, action);
        list.add(hook);
        count(hook);
        return hook;
    }

    /**
     * Watches {@code root} through inotify and calls {@code handler} for each change of a kind in
     * {@code events}: on a directory, changes to its entries (with {@code recursive}, in the whole
     * tree below it, following the tree as it changes); on a file, changes to the file. See
     * {@link WatchSource} and docs/WATCH.md for renames, overflow and the errors. The root's
     * DELETE_SELF and MOVE_SELF, UNMOUNT, OVERFLOW, IGNORED and SKIPPED come without asking;
     * {@link WatchSource#CHANGES} is the set for changes.
     *
     * @param root the file or directory to watch; a symbolic link is followed
     * @param events the kinds to report; UNMOUNT, OVERFLOW and IGNORED come without asking
     * @param recursive whether to watch every directory below {@code root}, now and later ({@code root}
     *     must then be a directory)
     * @param handler called on the loop thread once per change
     * @return the watch, which closing removes
     * @throws org.fdloop.fd.LinuxException ENOENT, EACCES, ENOSPC (fs.inotify.max_user_watches; a
     *     recursive watch takes back what it added), EMFILE (fs.inotify.max_user_instances)
     * @throws IllegalArgumentException for no events, one that cannot be asked for, or a recursive
     *     watch of something that is not a directory
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public WatchSource watch(Path root, Set<FileEvent.Kind> events, boolean recursive, WatchHandler handler) throws IOException {
        checkThread("watch");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(handler, "handler");
        Path absolute = SourceArguments.checkWatch(root, events, recursive);
        if (watches == null || watches.isClosed()) {
            watches = new Watches(self());
        }
        WatchSource source = watches.add(absolute, events, recursive, handler);
        count(source);
        return source;
    }

    /**
     * {@link #watch(Path, Set, boolean, WatchHandler)} for {@link WatchSource#CHANGES}.
     *
     * @param root the file or directory to watch; a symbolic link is followed
     * @param recursive whether to watch every directory below {@code root}, now and later
     * @param handler called on the loop thread for each change
     * @return the watch
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public WatchSource watch(Path root, boolean recursive, WatchHandler handler) throws IOException {
        return watch(root, WatchSource.CHANGES, recursive, handler);
    }

    /** The loop's inotify, or null while it has no file watch; for tests. */
    org.fdloop.fd.Inotify watchInotify() {
        return watches == null || watches.isClosed() ? null : watches.inotify();
    }

    /**
     * Dispatches {@code handler} on the loop thread each time {@code signal} is delivered to the
     * process ({@code kill}, Ctrl-C, a service manager's SIGTERM), with the number of deliveries
     * since its last call. The signal's handler is process-wide: while a source is open, SIGHUP,
     * SIGINT and SIGTERM no longer end the JVM. The routes, the signals taken and refused: the
     * package documentation and docs/SIGNALS.md.
     *
     * @param signal the signal
     * @param handler called on the loop thread with the signal and how many deliveries the call stands for
     * @return the registration; closing the last one for the signal puts its previous action back
     * @throws IllegalArgumentException for a signal that cannot be taken, saying why
     * @throws IllegalStateException when the signal is taken by another loop on the other route, or the
     *     handler would never be called (-Xrs, an ignored SIGHUP/SIGINT/SIGTERM on the JVM route)
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public SignalSource onSignal(Signal signal, SignalHandler handler) throws IOException {
        checkThread("onSignal");
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(handler, "handler");
        return addProcessSignal(signal, handler, null);
    }

    /**
     * As {@link #onSignal(Signal, SignalHandler)}, once per delivery with its
     * {@link org.fdloop.fd.SignalInfo} (sender, si_code, sigqueue value); signals whose records
     * did not fit in the loop's pipe come to {@link SignalInfoHandler#overflowed}.
     *
     * @param signal the signal
     * @param handler called on the loop thread once per signal, with its siginfo
     * @return the registration; closing the last one for the signal puts its previous action back
     * @throws IllegalStateException on the {@link SignalRoute#JVM} route, which carries no siginfo,
     *     and as {@link #onSignal(Signal, SignalHandler)}
     * @throws IllegalArgumentException as {@link #onSignal(Signal, SignalHandler)}
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public SignalSource onSignal(Signal signal, SignalInfoHandler handler) throws IOException {
        checkThread("onSignal");
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(handler, "handler");
        return addProcessSignal(signal, null, handler);
    }

    private SignalSource addProcessSignal(Signal signal, SignalHandler count, SignalInfoHandler info) throws IOException {
        LoopSignals s = signals();
        s.checkProcessDirected("onSignal", signal);
        if (info != null && s.route() == SignalRoute.JVM) {
            throw new IllegalStateException("onSignal(" + signal.name() + ", SignalInfoHandler): this loop takes "
                    + "process-directed signals through the JVM's handler (SignalRoute.JVM), which gives no siginfo: "
                    + "use onSignal(signal, (source, signal, count) -> ...) for the signal and a count");
        }
        SignalSource source = SignalSource.processDirected(self(), s, signal, count, info, s.route());
        s.addProcessDirected(source);
        count(source);
        return source;
    }

    /**
     * The route {@link #onSignal} takes signals sent to the process by in this loop: the one the
     * builder set, or the one chosen by default (mapping the native handler on first use).
     *
     * @return the route {@link #onSignal} takes signals sent to the process by in this loop
     * @throws IllegalStateException when the builder set {@link SignalRoute#NATIVE} and it cannot be used
     */
    public SignalRoute signalRoute() {
        checkThread("signalRoute");
        return signals().route();
    }

    /**
     * Dispatches {@code handler} for each {@code signal} sent to the loop thread itself (tgkill,
     * pthread_sigqueue, a POSIX timer aimed at it), with its {@link org.fdloop.fd.SignalInfo}. The
     * loop blocks the signal in its thread and reads it from a signalfd (package documentation).
     *
     * @param signal the signal, sent to the loop thread
     * @param handler called on the loop thread once per signal, with its siginfo
     * @return the registration
     * @throws IllegalArgumentException for the JVM's, glibc's and JDK's signals, SIGKILL and
     *     SIGSTOP, and SIGCHLD (use {@link #onExit})
     * @throws IllegalStateException on a virtual thread (a signal mask belongs to an OS thread)
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public SignalSource onThreadSignal(Signal signal, SignalInfoHandler handler) throws IOException {
        checkThread("onThreadSignal");
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(handler, "handler");
        SignalRules.checkThreadSignal(signal);
        LoopSignals s = signals();
        SignalSource source = SignalSource.threadDirected(self(), s, signal, handler);
        s.addThreadDirected(source);
        count(source);
        return source;
    }

    /**
     * {@link #onAsyncIo(Fd, int, Signal, AsyncIoHandler)} for READABLE with {@link AsyncIoSource#DEFAULT_SIGNAL}.
     *
     * @param fd the fd, whose driver must support signal-driven I/O
     * @param handler called on the loop thread when the kernel signals that the fd became ready
     * @return the registration
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public AsyncIoSource onAsyncIo(Fd fd, AsyncIoHandler handler) throws IOException {
        return onAsyncIo(fd, IoSource.READABLE, AsyncIoSource.DEFAULT_SIGNAL, handler);
    }

    /**
     * Signal-driven I/O on any fd: the kernel sends the loop thread {@code signal} each time
     * {@code fd}'s readiness changes (F_SETSIG, F_SETOWN_EX, O_ASYNC), and the loop dispatches
     * {@code handler} with the poll band the signal carries (package documentation, docs/SIGIO.md).
     *
     * @param fd the fd, whose driver must support signal-driven I/O
     * @param handler called on the loop thread when the kernel signals that the fd became ready
     * @return the registration
     * @param events {@link IoSource#READABLE}, {@link IoSource#WRITABLE}, {@link IoSource#PRIORITY}, or a combination
     * @param signal a realtime signal ({@link Signal#realtime(int)}), queued once per event with the fd and band
     * @throws IllegalArgumentException for other events, a standard signal, or the JDK's SIGRTMAX-2
     * @throws IllegalStateException when {@code fd} is closed, registered with this loop already,
     *     or in signal-driven I/O to another thread (another loop's, say); or on a virtual thread
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public AsyncIoSource onAsyncIo(Fd fd, int events, Signal signal, AsyncIoHandler handler) throws IOException {
        return onAsyncIo(fd, events, signal, AsyncOwner.Kind.THREAD, handler);
    }

    /**
     * Signal-driven I/O with the kernel's other owners: as
     * {@link #onAsyncIo(Fd, int, Signal, AsyncIoHandler)} for {@link AsyncOwner.Kind#THREAD}; for
     * {@link AsyncOwner.Kind#PROCESS} (F_SETOWN to this process) and
     * {@link AsyncOwner.Kind#PROCESS_GROUP} (F_SETOWN_EX F_OWNER_PGRP, this process's group: every
     * process in it gets the signal) the signal lands on any thread of the JVM, and fdloop's native
     * handler takes it, and SIGIO, on the {@link SignalRoute#NATIVE} route, with si_fd and si_band.
     * {@code signal} {@link Signal#IO} is plain SIGIO (F_SETSIG 0), which carries no fd: the loop
     * then polls its plain fds on each. See docs/SIGNALS.md.
     *
     * @param fd the fd, whose driver must support signal-driven I/O
     * @param events {@link IoSource#READABLE}, {@link IoSource#WRITABLE}, {@link IoSource#PRIORITY}, or a combination
     * @param signal a realtime signal, or {@link Signal#IO} for plain SIGIO
     * @param owner who the kernel sends the signal to: the loop thread, this process or its process group
     * @param handler called on the loop thread when the kernel signals that the fd became ready
     * @return the registration
     * @throws IllegalStateException for a process owner on the {@link SignalRoute#JVM} route, or
     *     where another loop reads the signal or SIGIO from a signalfd (a thread owner's), and as
     *     {@link #onAsyncIo(Fd, int, Signal, AsyncIoHandler)}
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public AsyncIoSource onAsyncIo(Fd fd, int events, Signal signal, AsyncOwner.Kind owner, AsyncIoHandler handler)
            throws IOException {
        checkThread("onAsyncIo");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(fd, "fd");
        Objects.requireNonNull(signal, "signal (AsyncIoSource.DEFAULT_SIGNAL for the default)");
        Objects.requireNonNull(handler, "handler");
        SourceArguments.checkAsyncIo(events, signal);
        LoopSignals s = signals();
        int number = FdAccess.get().pin(fd);
        AsyncIoSource source = new AsyncIoSource(self(), fd, number, signal, owner, events, handler);
        try {
            s.addAsync(source);
        } catch (IOException | RuntimeException e) {
            FdAccess.get().unpin(fd);
            throw e;
        }
        count(source);
        return source;
    }

    /**
     * dnotify on a directory, through signal-driven I/O to this process: fdloop's native handler
     * takes {@code signal} (F_SETSIG) and SIGIO, and the loop dispatches {@code handler} with the
     * band of the kernel's POLL_MSG (POLLIN|POLLRDNORM|POLLMSG) each time something of
     * {@code kinds} changed in the directory (F_NOTIFY with DN_MULTISHOT), routed by si_fd, so
     * loops and directories may share a signal. The handler learns that the directory changed, not
     * which file or how: rescan it (or use {@link #watch}, which tells both). Closing the source
     * stops the notifications. Needs the {@link SignalRoute#NATIVE} route, as
     * {@link #onAsyncIo(Fd, int, Signal, AsyncOwner.Kind, AsyncIoHandler)} to a process does.
     *
     * @param dir the directory, opened with {@link Dnotify#open}
     * @param kinds what to be told of
     * @param signal a realtime signal
     * @param handler called on the loop thread after changes; {@code source.fd()} is {@code dir}
     * @return the registration
     * @throws IllegalStateException on the {@link SignalRoute#JVM} route, and as {@code onAsyncIo}
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public AsyncIoSource onDnotify(Dnotify dir, Set<Dnotify.Kind> kinds, Signal signal, AsyncIoHandler handler)
            throws IOException {
        Objects.requireNonNull(kinds, "kinds");
        if (kinds.isEmpty()) {
            throw new IllegalArgumentException("ask for at least one kind of change (Dnotify.Kind)");
        }
        AsyncIoSource source = onAsyncIo(dir, IoSource.READABLE, signal, AsyncOwner.Kind.PROCESS, handler);
        try {
            dir.start(kinds);
        } catch (IOException | RuntimeException e) {
            source.close();
            throw e;
        }
        return source;
    }

    /**
     * How many times the realtime signal queue was full (RLIMIT_SIGPENDING) and the loop polled
     * every signal-driven fd instead of reading their signals. Raise the limit
     * ({@code ulimit -i}) if this grows. The kernel says so with a plain SIGIO, which is also what
     * an fd in plain-SIGIO mode ({@link Signal#IO}) sends: while such an fd is registered with the
     * same owner, the loop polls on each and counts none. Thread-safe (approximate from another thread).
     *
     * @return how many times the realtime signal queue was full (RLIMIT_SIGPENDING) and the loop polled every signal-driven fd instead of reading their signals
     */
    public long signalQueueOverflows() {
        return signals == null ? 0 : signals.overflows();
    }
}
