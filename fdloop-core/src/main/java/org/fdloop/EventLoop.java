package org.fdloop;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import org.fdloop.backend.Backend;
import org.fdloop.fd.EventFd;
import org.fdloop.internal.backend.Pollers;

/**
 * One thread, one poller, every kind of source: fds, timers, tasks from other threads, hooks,
 * signals, child exits, file watches (the package documentation tells how it is built).
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
 * {@link #inLoopThread()} and {@link #stats()}. Other threads reach the loop through one channel,
 * {@code execute}'s queue, which wakes it with one eventfd write per batch while it sleeps.
 *
 * <h2>Guarantees</h2>
 * A source closed in any handler gets no further event, even one already reported in the same
 * batch (each registration's token carries a slot index and a generation). A handler that throws
 * has its source disabled and the {@link ErrorHandler} told once; the loop keeps running. A task
 * {@link #execute} accepted is never dropped. EINTR never reaches a handler. Timers never fire
 * early. Steady-state dispatch allocates nothing.
 */
public final class EventLoop extends LoopRegistry implements AutoCloseable {
    /** Tasks run per iteration at most, so that a flood of execute() does not starve I/O. */
    private static final int TASKS_PER_ITERATION = 4096;

    private final String threadName;
    private final ThreadTimerSlack timerSlack;
    private final TaskQueue tasks;

    private volatile Thread owner;
    /** The thread start() created, if any. */
    private volatile Thread startedThread;
    private volatile boolean stopRequested;
    private volatile boolean running;
    /** Set as close() begins: execute() refuses from then on. */
    private volatile boolean closing;
    private volatile boolean closed;
    /** Set when the thread of start() has ended: execute() refuses from then on. */
    private volatile boolean ended;

    private EventLoop(Builder builder) throws IOException {
        super(Pollers.open(builder.backend, builder.maxEventsPerPoll), builder.errorHandler, builder.signalRoute,
                builder.signalPipeBytes, builder.timing);
        this.threadName = builder.threadName;
        this.timerSlack = new ThreadTimerSlack(builder.timerSlackNanos);
        this.owner = Thread.currentThread();
        EventFd wake = null;
        try {
            wake = EventFd.open();
            this.tasks = new TaskQueue(wake);
            EventFd woken = wake;
            addInternal("the loop's wake-up eventfd", wake, IoSource.READABLE, events -> {
                stats.wakeup();
                woken.read();
            });
            if (poller.readinessSignal() != 0) {
                signals().watchSignalQueueOverflow(); // the SIGIO backend: plain SIGIO says its signals were lost
            }
        } catch (IOException | RuntimeException e) {
            if (signals != null) {
                signals.close();
            }
            closeInternalSources();
            if (wake != null) {
                wake.close();
            }
            poller.close();
            throw e;
        }
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

    // ---- threads and running ------------------------------------------------------------------------

    /** {@return whether the calling thread owns this loop. Thread-safe} */
    @Override
    public boolean inLoopThread() {
        return Thread.currentThread() == owner;
    }

    @Override
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
     * Runs the loop in a new platform thread (named by the builder) until {@link #stop()} or
     * {@link #close()}, with or without sources: a loop used only through {@link #execute} works.
     * From now on that thread owns the loop. When the thread ends, the tasks already accepted
     * run, and from then on {@link #execute} and the {@code schedule} methods throw
     * {@link RejectedExecutionException}.
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
                runLoop(true);
            } catch (IOException e) {
                errorHandler.handle(null, e);
            } finally {
                ended = true; // execute() refuses from here on; what it accepted before runs now
                runAcceptedTasks();
            }
        });
        owner = thread;
        startedThread = thread;
        thread.start();
        return thread;
    }

    /**
     * Runs until {@link #stop()} or until no source is left that keeps it going (see
     * {@link Source#hasRef()}: enabled I/O sources, timers, signals, child exits, watches and
     * pending defer hooks, unless {@link Source#unref() unreferenced}). Then runs the exit hooks.
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void run() throws IOException {
        runLoop(false);
    }

    /** run(), or with {@code untilStopped} the loop of start()'s thread, which sources do not end. */
    private void runLoop(boolean untilStopped) throws IOException {
        checkRunnable("run");
        running = true;
        stats.clock = System.nanoTime();
        try {
            while (!stopRequested && (untilStopped || liveSources > 0 || !tasks.isEmpty())) {
                iterate(-1);
            }
        } finally {
            stopRequested = false;
            running = false;
            runHooks(exitHooks);
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
        stats.clock = System.nanoTime(); // the caller's code ran since the last iteration
        try {
            return iterate(saturatedNanos(timeout));
        } finally {
            running = false;
        }
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

    /** Whether {@link #stop()} was called and {@link #run()} has not returned yet: costly work waits (a watch's rescan). */
    boolean isStopping() {
        return stopRequested;
    }

    /** Makes {@link #run()} return after the current iteration. Thread-safe. */
    public void stop() {
        stopRequested = true;
        tasks.wakeUp();
    }

    /**
     * Runs {@code task} on the loop thread, in the order given. Thread-safe. A task accepted is
     * never dropped: it runs in an iteration, or when the thread of {@link #start()} ends, or in
     * {@link #close()}.
     *
     * @param task what to run on the loop thread
     * @throws RejectedExecutionException when the loop is closed, or its {@link #start()} thread
     *     has ended: nothing would run the task
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        rejectIfOver("execute");
        tasks.add(task);
        if ((closing || ended) && tasks.remove(task)) {
            rejectIfOver("execute"); // the loop ended meanwhile, and its last look at the queue came before this task
        }
        tasks.wakeUp();
    }

    /** Throws RejectedExecutionException when nothing would run a task any more. Thread-safe. */
    @Override
    void rejectIfOver(String method) {
        if (closing) {
            throw new RejectedExecutionException(method + "(): the loop is closed; nothing would run the task");
        }
        if (ended) {
            throw new RejectedExecutionException(method + "(): the loop's thread '" + threadName
                    + "' has ended (stop() ended it); nothing would run the task. Start a new loop");
        }
    }

    // ---- one iteration ------------------------------------------------------------------------------

    /** One pass, as libuv's uv_run: defer hooks, wait, collect, timers, dispatch, tasks, post hooks. */
    private int iterate(long timeoutNanos) throws IOException {
        stats.iteration();
        timerSlack.setOn(owner); // before anything runs, so that handlers see it too
        runHooks(deferHooks);
        int ready = poller.poll(waitTime(timeoutNanos));
        tasks.awake();
        long before = stats.clock;
        stats.waited(before, stats.timing || timers.size() > 0 ? System.nanoTime() : before);
        collect(ready);
        int due = 0;
        for (TimerSource t; (t = timers.pollDue(stats.clock)) != null; due++) {
            pending.add(t, 0);
        }
        if (due > 0) {
            stats.skipLoopTime(); // taking timers off the heap is the loop's time, not the first handler's
        }
        int dispatched = dispatchPending() + runTasks(TASKS_PER_ITERATION);
        if (dispatched > 0 && !postHooks.isEmpty()) {
            runHooks(postHooks);
        }
        return dispatched;
    }

    /**
     * How long the wait may block: 0 when work is waiting, else until the next timer or
     * {@code timeoutNanos} (-1: no limit). A wait that may block marks the loop asleep for execute().
     */
    private long waitTime(long timeoutNanos) throws IOException {
        if ((!pending.isEmpty() && pending.keepLeftovers()) // an error ended the last dispatch: the rest is ready
                || !tasks.isEmpty() || !deferHooks.isEmpty() || stopRequested) {
            return 0;
        }
        long wait = timeoutNanos;
        long next = timers.nextWakeNanos();
        if (next != Long.MAX_VALUE) {
            stats.clock = System.nanoTime();
            long untilTimer = Math.max(0, next - stats.clock);
            wait = wait < 0 ? untilTimer : Math.min(wait, untilTimer);
        }
        if (wait != 0) {
            if (signals != null && signals.steerPending()) {
                signals.steer();
            }
            if (!tasks.sleep()) {
                return 0; // a task came after the check above: its producer may have seen the loop awake
            }
        }
        return wait;
    }

    /** Turns what the wait reported into pending entries; the loop's own fds' handlers run here. */
    private void collect(int ready) throws IOException {
        for (int i = 0; i < ready; i++) {
            PolledSource source = slots.lookup(poller.readyToken(i));
            if (source instanceof InternalSource internal) {
                internal.collect(poller.readyEvents(i));
            } else if (source != null && !source.queued) { // null: closed since; queued: left by an interrupted dispatch
                pending.add(source, poller.readyEvents(i));
            }
        }
        if (signals != null) {
            signals.collectAfterWait(ready == 0); // what other threads queued; a signal's handler may have ended the wait
        }
    }

    private int runTasks(int most) {
        int ran = 0;
        for (Runnable task; ran < most && (task = tasks.poll()) != null; ) {
            if (task instanceof InternalTask) {
                task.run(); // the loop's own (LoopSignals.wake): it queues what it finds, and is no dispatch
                continue;
            }
            ran++;
            long start = stats.clock;
            try {
                task.run();
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                reportError(null, t);
            }
            stats.finished("task", start);
        }
        return ran;
    }

    /** A task the loop queues for itself through {@link #execute}: no dispatch, and what it throws ends {@code run()}. */
    interface InternalTask extends Runnable {}

    /** Runs every task execute() accepted, until none is left; when the loop ends or closes. */
    private void runAcceptedTasks() {
        while (runTasks(Integer.MAX_VALUE) > 0) {
            // a task may execute() another
        }
    }

    // ---- statistics and closing -------------------------------------------------------------------

    /** {@return what the loop has done so far. Thread-safe (approximate from another thread)} */
    public LoopStats stats() {
        return stats.snapshot();
    }

    /**
     * Closes every source and every fd the loop created. From the loop thread, or from any thread
     * once the loop is not running; a loop on the thread of {@link #start()} is stopped first, and
     * close() waits for that thread to end. Tasks {@link #execute} accepted and not yet run run
     * first; after it, {@code execute} and the {@code schedule} methods throw
     * {@link RejectedExecutionException}, and closing a source or cancelling a timer does nothing.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        Thread current = Thread.currentThread();
        Thread started = startedThread;
        if (started != null && started != current && started.isAlive()) {
            stop(); // the thread of start() runs until stopped: stop it, and wait until it has ended
            joinUninterruptibly(started);
        }
        if (running) {
            throw new IllegalStateException(current == owner
                    ? "close() inside a handler: call stop(), and close the loop after run() returns"
                    : "close() while the loop runs on thread '" + owner.getName() + "': stop() it and let run() return first");
        }
        closing = true; // execute() refuses from here on
        owner = current;
        runAcceptedTasks(); // what execute() accepted before
        if (watches != null) {
            watches.close(); // closes the file watches, then their inotify (whose I/O source is in the slots)
        }
        for (PolledSource source : slots.snapshot()) {
            if (!(source instanceof InternalSource)) {
                source.close();
            }
        }
        for (TimerSource t; (t = timers.pollAny()) != null; ) {
            t.close();
        }
        for (HookList hooks : List.of(deferHooks, postHooks, exitHooks)) {
            for (HookSource h : hooks.snapshot()) {
                h.close();
            }
        }
        if (signals != null) {
            signals.close();
        }
        acceptReserve.close();
        closeInternalSources(); // last, the wake-up eventfd among them
        closed = true;
        timerSlack.restore(current);
        poller.close();
    }

    /** {@return whether {@link #close()} has been called} */
    @Override
    public boolean isClosed() {
        return closed;
    }
}
