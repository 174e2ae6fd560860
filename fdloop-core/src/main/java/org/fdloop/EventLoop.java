package org.fdloop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.fdloop.backend.Backend;
import org.fdloop.backend.Poller;
import org.fdloop.fd.EventFd;
import org.fdloop.fd.Fd;
import org.fdloop.fd.Signal;
import org.fdloop.internal.FdAccess;
import org.fdloop.internal.linux.LibC;

/**
 * One thread, one poller, every kind of source: fds, timers, tasks from other threads, hooks.
 *
 * <pre>{@code
 * try (EventLoop loop = EventLoop.open()) {
 *     loop.onIo(pipe.readEnd(), IoSource.READABLE, (source, events) -> ...);
 *     loop.scheduleAtFixedRate(Duration.ZERO, Duration.ofSeconds(1), timer -> ...);
 *     loop.run();                       // until stop(), or until no source is left
 * }
 * }</pre>
 *
 * <h2>Threads</h2>
 * A loop belongs to one platform thread: the one that opened it, until {@link #start()} hands
 * it to a thread of its own. Everything else throws {@link IllegalStateException} when called
 * from another thread, except the methods documented as thread-safe: {@link #execute},
 * the {@code schedule} methods, {@link TimerSource#cancel()}, {@link #stop()},
 * {@link #inLoopThread()} and {@link #stats()}. Other threads wake the loop through an eventfd,
 * with one write per batch of tasks while the loop sleeps and none while it is awake.
 *
 * <h2>Guarantees</h2>
 * A source closed in any handler gets no further event, even one already reported in the same
 * batch (each registration's epoll token carries a slot index and a generation). A handler that
 * throws goes to the {@link ErrorHandler}; the loop keeps running. EINTR never reaches a
 * handler. Timers never fire early. Steady-state dispatch allocates nothing.
 */
public final class EventLoop implements AutoCloseable {
    /** The token of the loop's own wake-up eventfd. */
    private static final long WAKE_TOKEN = -1L;
    private static final int AWAKE = 0;
    private static final int SLEEPING = 1;
    private static final int WOKEN = 2;
    /** Tasks run per iteration at most, so that a flood of execute() does not starve I/O. */
    private static final int TASKS_PER_ITERATION = 4096;

    private final Poller poller;
    private final EventFd wakeFd;
    private final ErrorHandler errorHandler;
    private final String threadName;
    /** Whether stats() times waits and handlers (Builder.timing). */
    private final boolean timing;
    /** Builder.signalRoute: null for native where it can be used. */
    private final SignalRoute signalRoute;
    private final int signalPipeBytes;
    private volatile Thread owner;

    // sources by slot; a token is (generation << 32) | slot
    private Source[] slots = new Source[64];
    private int[] generations = new int[64];
    private int[] freeSlots = new int[64];
    private int freeCount;
    private int slotsUsed;

    private final TimerQueue timers = new TimerQueue();
    private final List<HookSource> deferHooks = new ArrayList<>();
    private final List<HookSource> postHooks = new ArrayList<>();
    private final List<HookSource> exitHooks = new ArrayList<>();
    private int liveSources;

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wakeState = new AtomicInteger(AWAKE);
    private volatile boolean stopRequested;
    private volatile boolean running;
    private volatile boolean closed;
    /** The thread start() created, if any. */
    private volatile Thread startedThread;

    // the sources ready in this iteration and their events, in dispatch order
    private Source[] pending = new Source[64];
    private int[] pendingEvents = new int[64];
    private int pendingCount;

    // statistics (written on the loop thread only)
    private long iterations;
    private long eventsDispatched;
    private long wakeups;
    private long handlerNanos;
    private long waitNanos;
    private final long[] histogram = new long[64];
    private long slowestNanos;
    private String slowestName;
    /**
     * The loop's latest System.nanoTime() reading: taken after each wait and each handler, so
     * that one reading ends a handler and starts the next (reading the clock costs 20-50 ns).
     */
    private long clock;

    /** The slack asked for ({@link Builder#timerSlack}), 0 for none; the thread it is set on, and that thread's own. */
    private final long timerSlackNanos;
    private Thread slackThread;
    private long slackBefore;

    private EventLoop(Builder builder) throws IOException {
        this.errorHandler = builder.errorHandler;
        this.threadName = builder.threadName;
        this.timing = builder.timing;
        this.signalRoute = builder.signalRoute;
        this.signalPipeBytes = builder.signalPipeBytes;
        this.timerSlackNanos = builder.timerSlackNanos;
        this.poller = builder.backend.open(builder.maxEventsPerPoll);
        EventFd wake = null;
        try {
            wake = EventFd.open();
            poller.add(FdAccess.get().pin(wake), IoSource.READABLE, WAKE_TOKEN);
            if (poller.readinessSignal() != 0) {
                signals().watchSignalQueueOverflow(); // the SIGIO backend: plain SIGIO says its signals were lost
            }
        } catch (IOException | RuntimeException e) {
            if (signals != null) {
                signals.close();
            }
            if (wake != null) {
                wake.close();
            }
            poller.close();
            throw e;
        }
        this.wakeFd = wake;
        this.owner = Thread.currentThread();
    }

    /**
     * {@return a loop with the defaults: epoll, errors printed to standard error}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static EventLoop open() throws IOException {
        return builder().build();
    }

    /**
     * A builder for a loop with another backend, error handler or thread name.
     *
     * @return a new builder with the defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Options for a new loop. */
    public static final class Builder {
        private Backend backend = Backend.EPOLL;
        private ErrorHandler errorHandler = ErrorHandler.PRINT;
        private String threadName = "fdloop";
        private int maxEventsPerPoll = 256;
        private boolean timing;
        private SignalRoute signalRoute;
        private int signalPipeBytes = LoopSignals.NATIVE_PIPE_BYTES;
        private long timerSlackNanos;

        private Builder() {}

        /**
         * How the loop waits for readiness (default {@link Backend#EPOLL}).
         *
         * @param backend the backend
         * @return this builder
         */
        public Builder backend(Backend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /**
         * Where handler failures go (default: printed to standard error).
         *
         * @param errorHandler what receives the exceptions handlers throw
         * @return this builder
         */
        public Builder errorHandler(ErrorHandler errorHandler) {
            this.errorHandler = Objects.requireNonNull(errorHandler, "errorHandler");
            return this;
        }

        /**
         * The name of the thread {@link EventLoop#start()} creates (default "fdloop").
         *
         * @param threadName the name of the thread {@link EventLoop#start()} makes
         * @return this builder
         */
        public Builder threadName(String threadName) {
            this.threadName = Objects.requireNonNull(threadName, "threadName");
            return this;
        }

        /**
         * How many ready fds one wait reports at most (default 256); more wait for the next iteration.
         *
         * @param max the most fds one wait reports
         * @return this builder
         */
        public Builder maxEventsPerPoll(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxEventsPerPoll is at least 1, not " + max);
            }
            this.maxEventsPerPoll = max;
            return this;
        }

        /**
         * Whether {@link EventLoop#stats()} times the loop (default false): the time spent waiting
         * and in each handler and task, their histogram and the slowest. That takes a clock reading
         * after each wait and after each handler (20-50 ns each; in a tight eventfd ping-pong
         * about 120 ns per round trip, 3 %, the largest part of what the loop adds to the system
         * calls), so it is opt-in, as libuv's idle-time metrics and sd-event's delay profiling
         * are. Without it those fields stay 0; the counts are kept, and timers are as exact.
         *
         * @param on whether to time waits and handlers
         * @return this builder
         */
        public Builder timing(boolean on) {
            this.timing = on;
            return this;
        }

        /**
         * How {@link EventLoop#onSignal} takes signals sent to the process. Unset (the default),
         * it is {@link SignalRoute#NATIVE} where fdloop's native handler can be used and
         * {@link SignalRoute#JVM} where not, which is reported once per process (System.Logger
         * "org.fdloop", WARNING) with the reason. Set to NATIVE, a loop that cannot have it fails
         * at its first onSignal with the reason instead of falling back.
         *
         * @param route the route
         * @return this builder
         */
        public Builder signalRoute(SignalRoute route) {
            this.signalRoute = Objects.requireNonNull(route, "route (SignalRoute.NATIVE or SignalRoute.JVM)");
            return this;
        }

        /**
         * The timer slack of the thread that runs the loop (prctl PR_SET_TIMERSLACK), from its
         * first iteration until the loop closes; unset (the default), the thread keeps its own, which
         * is 50 µs unless someone changed it. The kernel may end a timed wait up to the slack later
         * than asked, to wake the CPU once for several timers: the loop's own timers (which are the
         * timeout of its wait) come that much later than their deadline, a {@code TimerFd} does
         * not. {@code Duration.ofNanos(1)} makes the loop's timers as punctual as a timerfd;
         * timers that may be coalesced say so with their own window
         * ({@link TimerSource#setAccuracy}). {@link EventLoop#close()} on the thread gives it back
         * its previous slack, and a thread from {@link EventLoop#start()} ends with the loop;
         * between {@code run()} calls on a thread of the caller's, the slack stays set.
         *
         * @param slack from 1 ns to 1 s
         * @return this builder
         */
        public Builder timerSlack(Duration slack) {
            Objects.requireNonNull(slack, "slack");
            if (slack.isNegative() || slack.isZero() || slack.compareTo(Duration.ofSeconds(1)) > 0) {
                throw new IllegalArgumentException("a timer slack is from 1 ns to 1 s, not " + slack
                        + " (0 would give the thread its default slack back: leave timerSlack unset for that)");
            }
            this.timerSlackNanos = slack.toNanos();
            return this;
        }

        /** The capacity asked for the native handler's pipe (F_SETPIPE_SZ), for tests that fill it. */
        Builder signalPipeBytes(int bytes) {
            this.signalPipeBytes = bytes;
            return this;
        }

        /**
         * Opens the loop; the calling thread owns it.
         *
         * @return the loop
         * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
         */
        public EventLoop build() throws IOException {
            return new EventLoop(this);
        }
    }

    // ---- threads ------------------------------------------------------------------------------

    /** {@return whether the calling thread owns this loop. Thread-safe} */
    public boolean inLoopThread() {
        return Thread.currentThread() == owner;
    }

    void checkThread(String method) {
        Thread current = Thread.currentThread();
        if (current != owner) {
            throw new IllegalStateException(method + "() was called from thread '" + current.getName()
                    + "', but this loop belongs to thread '" + owner.getName()
                    + "'; from other threads use execute(Runnable)");
        }
        if (closed) {
            throw new IllegalStateException("the loop is closed");
        }
    }

    /**
     * Runs the loop in a new platform thread (named by the builder) until it stops; from now on
     * that thread owns the loop. Returns the thread.
     *
     * @return the thread that runs the loop
     */
    public Thread start() {
        checkThread("start");
        if (running) {
            throw new IllegalStateException("the loop is running already");
        }
        Thread thread = Thread.ofPlatform().name(threadName).unstarted(() -> {
            try {
                if (signals != null) {
                    signals.movedToCurrentThread();
                }
                run();
            } catch (IOException e) {
                errorHandler.handle(null, e);
            }
        });
        owner = thread;
        startedThread = thread;
        thread.start();
        return thread;
    }

    // ---- running --------------------------------------------------------------------------------

    /**
     * Runs until {@link #stop()} or until no source is left that keeps it going (enabled I/O
     * sources and timers, pending defer hooks; post and exit hooks do not). Then runs the exit hooks.
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void run() throws IOException {
        checkRunnable("run");
        running = true;
        clock = System.nanoTime();
        try {
            while (!stopRequested && (liveSources > 0 || !tasks.isEmpty())) {
                iterate(-1);
            }
        } finally {
            stopRequested = false;
            running = false;
            runExitHooks();
        }
    }

    /**
     * Runs one iteration: waits at most {@code timeout} for something to be ready (less when a
     * timer is due sooner), dispatches it, and returns how many handlers ran.
     *
     * @param timeout how long to wait at most; {@link Duration#ZERO} just looks
     * @return how many handlers ran
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public int runOnce(Duration timeout) throws IOException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("a timeout is zero or more, not " + timeout);
        }
        checkRunnable("runOnce");
        running = true;
        clock = System.nanoTime(); // the caller's code ran since the last iteration
        try {
            return iterate(saturatedNanos(timeout));
        } finally {
            running = false;
        }
    }

    /** Gives the loop thread the builder's timer slack, once per thread, keeping the one it had. */
    private void setTimerSlack() throws IOException {
        long before = LibC.timerSlack();
        LibC.setTimerSlack(timerSlackNanos);
        slackThread = owner;
        slackBefore = before;
    }

    private void checkRunnable(String method) {
        checkThread(method);
        if (running) {
            throw new IllegalStateException(method + "() from inside a handler: the loop is running already");
        }
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("an event loop runs on a platform thread (it blocks signals and waits in the kernel); "
                    + "this is a virtual thread: use start(), or Thread.ofPlatform()");
        }
    }

    /** Makes {@link #run()} return after the current iteration. Thread-safe. */
    public void stop() {
        stopRequested = true;
        wakeUp();
    }

    /**
     * Runs {@code task} on the loop thread, in the order given. Thread-safe.
     *
     * @param task what to run on the loop thread
     */
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        tasks.add(task);
        wakeUp();
    }

    private void wakeUp() {
        // Only a sleeping loop needs the write; the first caller after it went to sleep does it.
        if (wakeState.get() == SLEEPING && wakeState.compareAndSet(SLEEPING, WOKEN)) {
            try {
                wakeFd.write(1);
            } catch (IOException | IllegalStateException e) {
                // The loop is closing and its eventfd is gone: nothing is waiting to be woken. Ignoring.
            }
        }
    }

    private int iterate(long timeoutNanos) throws IOException {
        iterations++;
        if (timerSlackNanos != 0 && slackThread != owner) {
            setTimerSlack(); // before anything runs, so that handlers see it too
        }
        runDeferHooks();

        long wait = timeoutNanos;
        if (!tasks.isEmpty() || !deferHooks.isEmpty() || stopRequested) {
            wait = 0;
        } else {
            long next = timers.nextWakeNanos();
            if (next != Long.MAX_VALUE) {
                clock = System.nanoTime();
                long untilTimer = Math.max(0, next - clock);
                wait = wait < 0 ? untilTimer : Math.min(wait, untilTimer);
            }
        }
        boolean mayBlock = wait != 0;
        if (mayBlock) {
            if (signals != null && signals.steerPending) {
                signals.steer();
            }
            wakeState.set(SLEEPING); // a full fence: producers that come after it see SLEEPING
            if (!tasks.isEmpty()) {
                wait = 0; // a task came after the check above: its producer may have seen AWAKE
            }
        }
        long before = clock;
        int ready = poller.poll(wait);
        long now = timing || timers.size() > 0 ? System.nanoTime() : clock;
        clock = now;
        if (mayBlock) {
            // no fence needed: a producer that still sees SLEEPING writes the eventfd once more,
            // which costs the next poll one spurious wake-up and loses nothing
            wakeState.setRelease(AWAKE);
        }
        if (timing) {
            waitNanos += now - before;
        }

        if (ready > 0) {
            collectIo(ready);
        } else if (signals != null) {
            signals.collectAfterEmptyWait(); // a signal's handler may have ended the wait
        }
        int due = 0;
        for (TimerSource t; (t = timers.pollDue(now)) != null; due++) {
            addPending(t, 0);
        }
        if (due > 0 && timing) {
            clock = System.nanoTime(); // taking timers off the heap is the loop's time, not the first handler's
        }
        int dispatched = dispatchPending();
        dispatched += runTasks();
        if (dispatched > 0 && !postHooks.isEmpty()) {
            for (int i = 0; i < postHooks.size(); i++) {
                HookSource hook = postHooks.get(i);
                if (hook.isEnabled()) {
                    invoke(hook, 0);
                }
            }
        }
        return dispatched;
    }

    private void collectIo(int ready) throws IOException {
        for (int i = 0; i < ready; i++) {
            long token = poller.readyToken(i);
            if (token == WAKE_TOKEN) {
                wakeups++;
                wakeFd.read();
                continue;
            }
            if (token < 0) {
                signals.collect(token); // the signalfd, the signal bridge or the native handler's pipe
                continue;
            }
            int slot = (int) token;
            int generation = (int) (token >>> 32);
            if (slot < 0 || slot >= slotsUsed || generations[slot] != generation) {
                continue; // a registration closed since the kernel reported it
            }
            Source source = slots[slot];
            if (source != null) {
                addPending(source, poller.readyEvents(i));
            }
        }
    }

    void addPending(Source source, int events) {
        if (pendingCount == pending.length) {
            pending = Arrays.copyOf(pending, pendingCount * 2);
            pendingEvents = Arrays.copyOf(pendingEvents, pendingCount * 2);
        }
        // insertion by priority keeps equal priorities in arrival order
        int i = pendingCount++;
        while (i > 0 && pending[i - 1].priority > source.priority) {
            pending[i] = pending[i - 1];
            pendingEvents[i] = pendingEvents[i - 1];
            i--;
        }
        pending[i] = source;
        pendingEvents[i] = events;
    }

    /**
     * {@link #addPending} unless {@code source} is in this batch already (a count or band that
     * gathers several reports into one call); taking it from the list, run or skipped, clears the mark.
     */
    void addPendingOnce(Source source) {
        if (!source.queued) {
            source.queued = true;
            addPending(source, 0);
        }
    }

    private int dispatchPending() {
        int dispatched = 0;
        for (int i = 0; i < pendingCount; i++) {
            Source source = pending[i];
            pending[i] = null;
            source.queued = false;
            if (source.closed || !source.enabled) {
                continue; // closed or disabled by an earlier handler of this batch
            }
            if (source instanceof TimerSource t) {
                if (t.cancelled) {
                    t.close();
                    continue;
                }
                dispatched++;
                invoke(t, 0);
                rescheduleOrFinish(t);
            } else {
                dispatched++;
                invoke(source, pendingEvents[i]);
            }
        }
        pendingCount = 0;
        return dispatched;
    }

    private void rescheduleOrFinish(TimerSource t) {
        if (t.closed) {
            return;
        }
        switch (t.mode) {
            case ONCE -> t.close();
            case FIXED_RATE -> {
                t.deadline += t.period;
                if (t.enabled) {
                    timers.add(t);
                }
            }
            case FIXED_DELAY -> {
                t.deadline = (timing ? clock : System.nanoTime()) + t.period; // clock: when the handler returned
                if (t.enabled) {
                    timers.add(t);
                }
            }
        }
    }

    void invoke(Source source, int events) {
        long start = clock;
        try {
            source.dispatch(events);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            reportError(source, t);
        }
        if (!source.carrier) {
            finished(source.name(), start);
        } else if (timing) {
            clock = System.nanoTime(); // the carrier's own reading and parsing is the loop's time, not the next handler's
        }
    }

    private int runTasks() {
        int ran = 0;
        for (Runnable task; ran < TASKS_PER_ITERATION && (task = tasks.poll()) != null; ) {
            ran++;
            long start = clock;
            try {
                task.run();
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                reportError(null, t);
            }
            finished("task", start);
        }
        return ran;
    }

    /** Counts a handler or task that returned; with timing, reads the clock and records how long it ran. */
    private void finished(String name, long start) {
        if (timing) {
            long end = System.nanoTime();
            clock = end;
            recordHandler(name, end - start);
        } else {
            eventsDispatched++;
        }
    }

    private void recordHandler(String name, long nanos) {
        eventsDispatched++;
        handlerNanos += nanos;
        histogram[63 - Long.numberOfLeadingZeros(nanos | 1)]++;
        if (nanos > slowestNanos) {
            slowestNanos = nanos;
            slowestName = name;
        }
    }

    private void reportError(Source source, Throwable error) {
        try {
            errorHandler.handle(source, error);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable handlerFailure) {
            System.err.println("fdloop: the error handler threw while handling an error of "
                    + (source == null ? "a task" : source.name()) + ", ignoring:");
            handlerFailure.printStackTrace();
        }
    }

    private void runDeferHooks() {
        if (deferHooks.isEmpty()) {
            return;
        }
        HookSource[] due = deferHooks.toArray(HookSource[]::new);
        for (HookSource hook : due) {
            if (hook.isEnabled()) {
                invoke(hook, 0);
            }
        }
    }

    private void runExitHooks() {
        for (HookSource hook : exitHooks.toArray(HookSource[]::new)) {
            if (hook.isEnabled()) {
                invoke(hook, 0);
            }
        }
    }

    // ---- registering sources --------------------------------------------------------------------

    /**
     * Dispatches {@code handler} when {@code fd} is ready for {@code events}
     * ({@link IoSource#READABLE} and friends, optionally {@link IoSource#EDGE} or {@link IoSource#ONESHOT}).
     *
     * @param fd the fd; the registration pins it until the source is closed
     * @param events what to wait for: {@link IoSource#READABLE}, {@link IoSource#WRITABLE}, {@link IoSource#PRIORITY}, {@link IoSource#READ_HANGUP}, with at most one of {@link IoSource#EDGE} and {@link IoSource#ONESHOT}
     * @param handler called on the loop thread when the fd is ready
     * @return the registration
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public IoSource onIo(Fd fd, int events, IoHandler handler) throws IOException {
        checkThread("onIo");
        Objects.requireNonNull(fd, "fd");
        Objects.requireNonNull(handler, "handler");
        IoSource.checkEvents(events);
        int number = FdAccess.get().pin(fd);
        IoSource source = new IoSource(this, fd, number, events, handler);
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
     * Runs {@code handler} once, {@code delay} from now. Thread-safe.
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
        return enqueueTimer(new TimerSource(this, "timer", deadlineNanos, 0, TimerSource.Mode.ONCE, handler));
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
        long deadline = System.nanoTime() + saturatedNanos(initial);
        return enqueueTimer(new TimerSource(this, name, deadline, saturatedNanos(period), mode, handler));
    }

    private TimerSource enqueueTimer(TimerSource timer) {
        if (inLoopThread()) {
            checkThread("schedule");
            takeTimer(timer);
        } else {
            execute(() -> {
                if (!timer.cancelled && !closed) {
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
     * Runs {@code action} each time the loop stops: when {@link #run()} returns.
     *
     * @param action what to run
     * @return the hook, which closing removes
     */
    public HookSource atExit(Runnable action) {
        return addHook(HookSource.Kind.EXIT, action, exitHooks);
    }

    private HookSource addHook(HookSource.Kind kind, Runnable action, List<HookSource> list) {
        checkThread(kind.name().toLowerCase(java.util.Locale.ROOT));
        Objects.requireNonNull(action, "action");
        HookSource hook = new HookSource(this, kind, action);
        list.add(hook);
        count(hook);
        return hook;
    }

    // ---- file watching ----

    /** The inotify shared by this loop's file watches: opened with the first, closed with the last. */
    private Watches watches;

    /**
     * Watches {@code root} through inotify and calls {@code handler} for each change of a kind in
     * {@code events}. On a directory it reports changes to the entries in it (recursive: in the
     * whole tree below it, following the tree as it changes); on a file, changes to the file. See
     * {@link WatchSource} for renames, overflow and what a recursive watch does.
     *
     * @param root the file or directory to watch; a symbolic link is followed
     * @param events the kinds to report; UNMOUNT, OVERFLOW and IGNORED come without asking
     * @param recursive whether to watch every directory below {@code root}, now and later ({@code root}
     *     must then be a directory)
     * @param handler called on the loop thread once per change
     * @return the watch, which closing removes
     * @throws org.fdloop.fd.LinuxException ENOENT when {@code root} does not exist, EACCES when it cannot be read,
     *     ENOSPC when fs.inotify.max_user_watches is reached (a recursive watch that hits it halfway
     *     takes back the watches it added before it throws), EMFILE when opening the loop's inotify
     *     hits fs.inotify.max_user_instances
     * @throws IllegalArgumentException for no events, one that cannot be asked for, or a recursive
     *     watch of something that is not a directory
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public WatchSource watch(Path root, Set<FileEvent.Kind> events, boolean recursive, WatchHandler handler) throws IOException {
        checkThread("watch");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(handler, "handler");
        if (events.isEmpty()) {
            throw new IllegalArgumentException("watch(" + root + ") needs at least one kind of event to report, such as "
                    + "FileEvent.Kind.CREATE; the set of events is empty");
        }
        for (FileEvent.Kind kind : events) {
            Objects.requireNonNull(kind, "events contains null");
            if (!kind.isWatchable()) {
                throw new IllegalArgumentException(kind + " cannot be asked for: every watch reports it on its own. "
                        + "Leave it out of the events given to watch(" + root + ")");
            }
        }
        Path absolute = root.toAbsolutePath();
        if (recursive && Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw new IllegalArgumentException("a recursive watch follows a directory tree, and " + absolute
                    + " is not a directory: watch it with recursive = false");
        }
        if (watches == null || watches.isClosed()) {
            watches = new Watches(this);
        }
        WatchSource source = watches.add(absolute, events, recursive, handler);
        count(source);
        return source;
    }

    /** The loop's inotify, or null while it has no file watch; for tests. */
    org.fdloop.fd.Inotify watchInotify() {
        return watches == null || watches.isClosed() ? null : watches.inotify();
    }

    // ---- signals, signal-driven I/O and child exit ------------------------------------------------

    /** Signals, signal-driven I/O and child exits; created with the first such source. */
    private LoopSignals signals;

    /**
     * Dispatches {@code handler} on the loop thread each time {@code signal} is delivered to the
     * process: {@code kill -USR1 <pid>}, Ctrl-C, a service manager's SIGTERM. The handler gets
     * the signal and how many deliveries came since its last call. To get each signal's sender,
     * {@code si_code} and sigqueue value, use {@link #onSignal(Signal, SignalInfoHandler)}.
     *
     * <p>Inside a JVM a process-directed signal lands on whichever thread the kernel picks. On
     * the {@link SignalRoute#NATIVE} route (the default where it can be used: see
     * {@link Builder#signalRoute}) fdloop's own handler, a few machine instructions, writes the
     * signal's siginfo into the loop's pipe from that thread; on the {@link SignalRoute#JVM}
     * route the JVM's handler ({@code sun.misc.Signal}) counts it on a thread of its own and
     * wakes the loop through an eventfd.
     *
     * <p>The handler is process-wide: the first source for a signal replaces the action the
     * signal had, every loop's sources for it share the new one, and when the last one closes the
     * previous action is put back. For SIGHUP, SIGINT and SIGTERM that is the JVM's shutdown (it
     * runs the shutdown hooks and exits): while a source is open, those signals no longer end the
     * JVM. Call {@code System.exit} from the handler to end it, or close the source and the next
     * one will.
     *
     * <p>Signals taken: SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGWINCH, SIGCONT, SIGTSTP, SIGALRM,
     * SIGTTIN, SIGTTOU, SIGURG, SIGVTALRM, SIGPROF, SIGXCPU, SIGPWR; on the native route also the
     * realtime signals (all but the JDK's SIGRTMAX-2), one call per signal queued.
     *
     * @param signal the signal
     * @param handler called on the loop thread with the signal and how many deliveries the call stands for
     * @return the registration; closing the last one for the signal puts its previous action back
     * @throws IllegalArgumentException for any other signal, saying why: the JVM's own (SIGSEGV,
     *     SIGBUS, SIGFPE, SIGILL, SIGQUIT, SIGUSR2, SIGPIPE, SIGXFSZ), glibc's (32, 33), the
     *     JDK's (SIGRTMAX-2), SIGKILL and SIGSTOP, SIGCHLD (use {@link #onExit}), SIGIO (use
     *     {@link #onAsyncIo}), on the JVM route the realtime signals (use {@link #onThreadSignal})
     * @throws IllegalStateException when the signal is taken by another loop on the other route;
     *     on the JVM route when the handler would never be called: under {@code -Xrs} (the JVM
     *     then runs no Java signal handler at all), or for a SIGHUP, SIGINT or SIGTERM that the
     *     process ignores ({@code nohup} sets SIGHUP to SIG_IGN; a shell does it to SIGINT for a
     *     background job), which the JVM then refuses to handle; when the loop was built with
     *     {@link SignalRoute#NATIVE} and the native handler cannot be used
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public SignalSource onSignal(Signal signal, SignalHandler handler) throws IOException {
        checkThread("onSignal");
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(handler, "handler");
        return addProcessSignal(signal, handler, null);
    }

    /**
     * Dispatches {@code handler} on the loop thread once for each {@code signal} delivered to the
     * process, with its {@link org.fdloop.fd.SignalInfo}: {@code codeName()} SI_USER for
     * kill(2), SI_QUEUE for sigqueue(3) with its {@code value()}, SI_KERNEL for the terminal's
     * Ctrl-C; {@code pid()} and {@code uid()} of the sender. Standard signals sent again while
     * pending are one delivery (the kernel merges them); realtime signals queue, one call each.
     * Signals whose records did not fit in the loop's pipe are counted and reported through
     * {@link SignalInfoHandler#overflowed}.
     *
     * <p>Only the {@link SignalRoute#NATIVE} route carries siginfo. Otherwise as
     * {@link #onSignal(Signal, SignalHandler)}.
     *
     * @param signal the signal
     * @param handler called on the loop thread once per signal, with its siginfo
     * @return the registration; closing the last one for the signal puts its previous action back
     * @throws IllegalStateException on the {@link SignalRoute#JVM} route (the JVM's handler gives
     *     the signal number only: use {@link #onSignal(Signal, SignalHandler)} there), and as
     *     {@link #onSignal(Signal, SignalHandler)}
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
        SignalSource source = SignalSource.processDirected(this, s, signal, count, info, s.route());
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
     * Dispatches {@code handler} on the loop thread for each {@code signal} sent to the loop
     * thread itself: {@code tgkill(2)} ({@link Signal#sendToThread(int)} with the loop thread's
     * {@link org.fdloop.fd.OsThread#currentId() id}), {@code pthread_sigqueue(3)}, a POSIX timer
     * aimed at the thread. The handler gets the whole {@link org.fdloop.fd.SignalInfo}: sender,
     * {@code si_code}, the queued value. Realtime signals queue, one call per send; a standard
     * signal sent again while pending is one call.
     *
     * <p>The loop blocks {@code signal} in the calling thread (the loop's; a loop that
     * {@link #start()}s later hands the mask to its new thread) and reads it from a signalfd.
     * Threads started from the loop thread inherit the block. A process-directed {@code signal}
     * ({@code kill}) still goes to another thread of the JVM: use {@link #onSignal} for those.
     * Closing the loop takes the signals still pending and unblocks them again.
     *
     * <p>SIGIO is taken too, for fds whose signal-driven I/O the caller set up to the loop thread
     * without F_SETSIG ({@link #onAsyncIo} is the way that carries the fd). A plain SIGIO also
     * reports a full realtime queue, so while {@link #onAsyncIo} sources exist each one also makes
     * the loop poll their fds.
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
        String reserved = SignalBridge.reservedReason(signal);
        if (reserved != null) {
            throw new IllegalArgumentException("onThreadSignal(" + signal.name() + "): " + reserved);
        }
        LoopSignals s = signals();
        SignalSource source = SignalSource.threadDirected(this, s, signal, handler);
        s.addThreadDirected(source);
        count(source);
        return source;
    }

    /**
     * Signal-driven I/O: dispatches {@code handler} when {@code fd} becomes readable, signalled by
     * the kernel with {@link AsyncIoSource#DEFAULT_SIGNAL}. See
     * {@link #onAsyncIo(Fd, int, Signal, AsyncIoHandler)}.
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
     * {@code fd}'s readiness changes (fcntl F_SETSIG {@code signal}, F_SETOWN_EX the loop thread,
     * O_ASYNC), and the loop dispatches {@code handler} with the poll band the signal carries,
     * when it holds one of {@code events} or a hangup or error.
     *
     * <p>The loop blocks {@code signal} and SIGIO in the calling thread and reads both from its
     * signalfd, checking each signal's fd against the registration. When the realtime signal
     * queue is full (RLIMIT_SIGPENDING, counted per user) the kernel sends one plain SIGIO
     * instead; the loop then polls every signal-driven fd once and dispatches the ready ones
     * ({@link #signalQueueOverflows()} counts these). Readiness from before the registration is
     * looked for once, so none is missed.
     *
     * @param events {@link IoSource#READABLE}, {@link IoSource#WRITABLE}, {@link IoSource#PRIORITY},
     *     or a combination; each signal reports a change, so EDGE and ONESHOT do not apply
     * @param signal a realtime signal ({@link org.fdloop.fd.Signal#realtime(int)}): queued once per
     *     event with the fd and band, where plain SIGIO would coalesce and carry neither
     * @param fd the fd, whose driver must support signal-driven I/O
     * @param handler called on the loop thread when the kernel signals that the fd became ready
     * @return the registration
     * @throws IllegalArgumentException for other events, a standard signal, or the JDK's SIGRTMAX-2
     * @throws IllegalStateException when {@code fd} is closed, registered with this loop already,
     *     or in signal-driven I/O to another thread (another loop's, say); or on a virtual thread
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public AsyncIoSource onAsyncIo(Fd fd, int events, Signal signal, AsyncIoHandler handler) throws IOException {
        checkThread("onAsyncIo");
        Objects.requireNonNull(fd, "fd");
        Objects.requireNonNull(signal, "signal (AsyncIoSource.DEFAULT_SIGNAL for the default)");
        Objects.requireNonNull(handler, "handler");
        int allowed = IoSource.READABLE | IoSource.WRITABLE | IoSource.PRIORITY;
        if (events == 0 || (events & ~allowed) != 0) {
            throw new IllegalArgumentException("signal-driven I/O takes READABLE, WRITABLE and PRIORITY, not "
                    + IoSource.describe(events) + ": a signal reports each change, so EDGE and ONESHOT do not apply");
        }
        if (!signal.isRealtime()) {
            throw new IllegalArgumentException("signal-driven I/O needs a realtime signal (Signal.realtime(n)), not "
                    + signal.name() + ": a standard signal coalesces and the loop could not tell which fd is ready");
        }
        String reserved = SignalBridge.reservedReason(signal);
        if (reserved != null) {
            throw new IllegalArgumentException("onAsyncIo with " + signal.name() + ": " + reserved);
        }
        LoopSignals s = signals();
        int number = FdAccess.get().pin(fd);
        AsyncIoSource source = new AsyncIoSource(this, fd, number, signal, events, handler);
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
     * Dispatches {@code handler} once, on the loop thread, when {@code process} has exited. The
     * loop waits on a pidfd and never reaps the child: the JDK does, and the handler gets the
     * status it collected ({@link Process#exitValue()}). A child that has exited already, even
     * one the JDK reaped, is reported on the next iteration.
     *
     * @param process a child of this JVM
     * @param handler called on the loop thread once, after the child exited
     * @return the registration
     * @throws UnsupportedOperationException when {@code process} has no {@link Process#toHandle() handle}
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public ExitSource onExit(Process process, ExitHandler handler) throws IOException {
        checkThread("onExit");
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(handler, "handler");
        // the bridge eventfd reports a child that is gone already, or whose status the JDK collects late
        signals().openBridge();
        ExitSource source = ExitSource.open(this, process, handler);
        register(source);
        source.reportIfGone();
        return source;
    }

    /**
     * How many times the realtime signal queue was full (RLIMIT_SIGPENDING) and the loop polled
     * every signal-driven fd instead of reading their signals. Raise the limit
     * ({@code ulimit -i}) if this grows. Thread-safe (approximate from another thread).
     *
     * @return how many times the realtime signal queue was full (RLIMIT_SIGPENDING) and the loop polled every signal-driven fd instead of reading their signals
     */
    public long signalQueueOverflows() {
        return signals == null ? 0 : signals.overflows();
    }

    LoopSignals signals() {
        if (signals == null) {
            signals = new LoopSignals(this, signalRoute, signalPipeBytes);
        }
        return signals;
    }

    // ---- bookkeeping for sources ------------------------------------------------------------------

    Poller poller() {
        return poller;
    }

    TimerQueue timers() {
        return timers;
    }

    /**
     * Gives {@code source} a slot and its token and puts its fd in the poller; if the poller
     * refuses, undoes both and what opening the source did, and throws.
     */
    private void register(PolledSource source) throws IOException {
        int slot = claimSlot(source);
        source.slot = slot;
        source.token = ((long) generations[slot] << 32) | slot;
        try {
            source.register();
        } catch (IOException | RuntimeException e) {
            freeSlot(slot);
            source.registrationFailed();
            throw e;
        }
        count(source);
    }

    private int claimSlot(Source source) {
        int slot;
        if (freeCount > 0) {
            slot = freeSlots[--freeCount];
        } else {
            if (slotsUsed == slots.length) {
                slots = Arrays.copyOf(slots, slotsUsed * 2);
                generations = Arrays.copyOf(generations, slotsUsed * 2);
            }
            slot = slotsUsed++;
        }
        slots[slot] = source;
        return slot;
    }

    private void freeSlot(int slot) {
        slots[slot] = null;
        generations[slot]++; // events already reported for the old registration no longer match
        if (freeCount == freeSlots.length) {
            freeSlots = Arrays.copyOf(freeSlots, freeCount * 2);
        }
        freeSlots[freeCount++] = slot;
    }

    /** Counts {@code source} among those that keep run() going, if its kind does and it is not counted yet. */
    void count(Source source) {
        if (!source.counted && source.keepsLoopAlive() && source.enabled && !source.closed) {
            source.counted = true;
            liveSources++;
        }
    }

    /** Stops counting {@code source} (disabled, fired one-shot, closed). */
    void uncount(Source source) {
        if (source.counted) {
            source.counted = false;
            liveSources--;
        }
    }

    /** Called once by each source's onClose: frees what the loop holds for it. */
    void release(Source source) {
        switch (source) {
            case IoSource io -> {
                freeSlot(io.slot);
                FdAccess.get().unpin(io.fd());
            }
            case TimerSource t -> { } // onClose took it out of the heaps
            case SignalSource s -> signals.release(s);
            case AsyncIoSource a -> signals.release(a);
            case ExitSource e -> freeSlot(e.slot);
            case HookSource h -> (h.kind == HookSource.Kind.DEFER ? deferHooks
                    : h.kind == HookSource.Kind.POST ? postHooks : exitHooks).remove(h);
            case WatchSource w -> w.watches.remove(w);
            default -> throw new IllegalStateException("unknown source " + source);
        }
    }

    // ---- statistics and closing -------------------------------------------------------------------

    /** {@return what the loop has done so far. Thread-safe (approximate from another thread)} */
    public LoopStats stats() {
        return new LoopStats(iterations, eventsDispatched, wakeups, handlerNanos, waitNanos, histogram, slowestNanos, slowestName);
    }

    /** {@return the backend this loop waits with} */
    public Backend backend() {
        return poller.backend();
    }

    /**
     * Closes every source and every fd the loop created. From the loop thread, or from any thread
     * once the loop is not running (after its {@link #start()} thread ended).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        Thread current = Thread.currentThread();
        if (running) {
            throw new IllegalStateException(current == owner
                    ? "close() inside a handler: call stop(), and close the loop after run() returns"
                    : "close() while the loop runs on thread '" + owner.getName() + "': stop() it and let run() return first");
        }
        Thread started = startedThread;
        if (started != null && started.isAlive() && started != current) {
            throw new IllegalStateException("close() while the loop's thread '" + started.getName()
                    + "' is still alive: stop() the loop and join the thread first");
        }
        owner = current;
        if (watches != null) {
            watches.close(); // closes the file watches, then their inotify (whose I/O source is in the slots)
        }
        for (int slot = 0; slot < slotsUsed; slot++) {
            if (slots[slot] != null) {
                slots[slot].close();
            }
        }
        for (TimerSource t; (t = timers.pollAny()) != null; ) {
            t.close();
        }
        for (List<HookSource> hooks : List.of(deferHooks, postHooks, exitHooks)) {
            for (HookSource h : hooks.toArray(HookSource[]::new)) {
                h.close();
            }
        }
        if (signals != null) {
            signals.close();
        }
        closed = true;
        tasks.clear();
        if (slackThread == current) {
            try {
                LibC.setTimerSlack(slackBefore);
            } catch (IOException e) {
                // prctl(PR_SET_TIMERSLACK) fails only for a value it cannot take, and this one it gave. Ignoring.
            }
        }
        FdAccess.get().unpin(wakeFd);
        wakeFd.close();
        poller.close();
    }

    /** {@return whether {@link #close()} has been called} */
    public boolean isClosed() {
        return closed;
    }

    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4; // about 73 years: never, in practice
        }
    }
}
