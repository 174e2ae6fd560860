package org.fdloop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.fdloop.fd.Signal;
import org.fdloop.internal.SignalRules;
import org.fdloop.internal.linux.NativeSignalHandler;

/**
 * What a loop holds for signals, signal-driven I/O and child exits, created with the first such
 * source: one class per route, each owning its fd and state, and what they share.
 *
 * <ul>
 * <li>{@link ThreadSignals}: the signalfd and the mask, for signals sent to the loop thread.</li>
 * <li>{@link NativeSignals}: the native handler's pipe, its loss accounting and the main
 *     thread's block, for signals sent to the process on the {@link SignalRoute#NATIVE} route.</li>
 * <li>{@link JvmSignals}: the sources the JVM's handler counts, on the {@link SignalRoute#JVM}
 *     route ({@link SignalBridge}).</li>
 * <li>{@link AsyncSignals}: signal-driven I/O, whose records come from the first two.</li>
 * </ul>
 *
 * <p>Every rule by which a signal, a route or an owner is refused is
 * {@link org.fdloop.internal.SignalRules}': which signal a route takes, who may own signal-driven
 * I/O, and which kind of reader takes a signal in the process. What comes from other threads, the JVM's handler
 * threads and anyone who has a source due outside the poller (a child that exited before its
 * pidfd existed, {@link LoopSources#due}), comes through the loop's one cross-thread channel,
 * {@link EventLoop#execute}: the JVM route's counts and a native collection left unfinished in at
 * most one queued task ({@link #wake}).
 */
final class LoopSignals {
    /** What the native handler's pipe is enlarged to: 8192 records (fs.pipe-max-size allows it unprivileged). */
    static final int NATIVE_PIPE_BYTES = 1 << 20;
    /** Set to {@code false} to leave the main thread's signal mask alone ({@link NativeSignals#steer}). */
    static final String STEER_PROPERTY = NativeSignals.STEER_PROPERTY;
    private static final System.Logger LOG = System.getLogger("org.fdloop");
    /** Whether the fallback to the JVM's handler was reported: once per process. */
    private static final AtomicBoolean fallbackReported = new AtomicBoolean();

    private final EventLoop loop;
    private SignalRoute route;
    private final AsyncSignals async;
    private final ThreadSignals thread;
    private final NativeSignals nat;
    private final JvmSignals jvm;
    /** Whether {@link #takeQueuedTask} is in the loop's task queue and has not started yet. */
    private final AtomicBoolean taskQueued = new AtomicBoolean();
    private final EventLoop.InternalTask takeQueuedTask = this::takeQueued;

    LoopSignals(EventLoop loop, SignalRoute requested, int nativePipeBytes) {
        this.loop = loop;
        this.route = requested;
        this.async = new AsyncSignals(loop, this);
        this.thread = new ThreadSignals(loop, async);
        this.nat = new NativeSignals(loop, this, async, nativePipeBytes);
        this.jvm = new JvmSignals(loop);
        async.connect(thread, nat);
    }

    // ---- registering ---------------------------------------------------------------------------

    /**
     * The route process-directed signals take in this loop: the one the builder asked for, or
     * NATIVE where the native handler can be used and JVM (said once per process) where not.
     *
     * @throws IllegalStateException when NATIVE was asked for and cannot be used
     */
    SignalRoute route() {
        if (route == null) {
            String reason = NativeSignalHandler.unavailableReason();
            if (reason == null) {
                route = SignalRoute.NATIVE;
            } else {
                route = SignalRoute.JVM;
                if (fallbackReported.compareAndSet(false, true)) {
                    LOG.log(System.Logger.Level.WARNING, "fdloop takes process-directed signals through the JVM's handler "
                            + "(signal number and count only, no sender), because its native signal handler cannot be used: "
                            + reason);
                }
            }
        } else if (route == SignalRoute.NATIVE) {
            String reason = NativeSignalHandler.unavailableReason();
            if (reason != null) {
                throw new IllegalStateException("this loop was built with SignalRoute.NATIVE, but the native signal handler "
                        + "cannot be used: " + reason + ". Build it with SignalRoute.JVM, or leave the route unset to "
                        + "fall back by itself");
            }
        }
        return route;
    }

    /**
     * Refuses a process-directed {@code signal} that this loop's route cannot take, saying why.
     * (Another kind of reader that takes it already is refused where the signal is claimed:
     * {@link SignalRules#claim}.)
     */
    void checkProcessDirected(String method, Signal signal) throws IOException {
        if (route() == SignalRoute.JVM) {
            SignalRules.checkJvmRoute(method, signal);
        } else {
            SignalRules.checkNativeRoute(method, signal);
        }
    }

    void addProcessDirected(SignalSource source) throws IOException {
        if (route() == SignalRoute.NATIVE) {
            nat.add(source);
        } else {
            jvm.add(source);
        }
    }

    void addThreadDirected(SignalSource source) throws IOException {
        thread.add(source);
    }

    void addAsync(AsyncIoSource source) throws IOException {
        async.add(source);
    }

    /**
     * Reads SIGIO for a backend that waits for readiness signals: the kernel's "realtime queue
     * full" is a plain SIGIO, and a signal is consumed by whichever signalfd reads it first, so
     * the loop reads it here, for its own signal-driven sources and the backend alike.
     */
    void watchSignalQueueOverflow() throws IOException {
        thread.watchSignalQueueOverflow();
    }

    void release(SignalSource source) {
        switch (source.route()) {
            case null -> thread.release(source);
            case NATIVE -> nat.release(source);
            case JVM -> jvm.release(source);
        }
    }

    void release(AsyncIoSource source) {
        async.release(source);
    }

    /** Whether {@link #steer} has something to look at before the loop blocks. */
    boolean steerPending() {
        return nat.steerPending;
    }

    /** See {@link NativeSignals#steer}. */
    void steer() {
        nat.steer();
    }

    /** How many times the native handler wrote (or tried to write) {@code signal} into this loop's pipe; for tests. */
    long nativeSent(Signal signal) {
        return nat.sent(signal);
    }

    long overflows() {
        return async.overflows();
    }

    // ---- what other threads queue ------------------------------------------------------------------

    /**
     * Looks at an async fd on the next iteration and dispatches it if ready (registered, enabled
     * again, or moved to another thread: O_ASYNC signals changes only). Loop thread only.
     */
    void recheck(AsyncIoSource source) {
        async.lookAt(source);
        wake();
    }

    /**
     * Has the loop take the JVM route's counts, a native collection left unfinished and the async
     * fds due for a look, in a task through {@link EventLoop#execute}: the loop's one cross-thread
     * wake-up. At most one such task is queued at a time. Thread-safe.
     */
    void wake() {
        if (taskQueued.compareAndSet(false, true)) {
            try {
                loop.execute(takeQueuedTask);
            } catch (RejectedExecutionException e) {
                // the loop has ended or closed: nothing is left to take, ignoring
            }
        }
    }

    /** The task {@link #wake} queues, on the loop thread. */
    private void takeQueued() {
        taskQueued.set(false); // first: what comes after this has its own task
        try {
            collectQueued();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void collectQueued() throws IOException {
        nat.collectIfUnfinished();
        jvm.collect();
        async.pollLookedAt();
    }

    /**
     * Called after every wait. Takes what other threads queued ({@link #wake}) now, in this
     * iteration, where the queued task would run only after this iteration's dispatch (the task
     * then finds nothing); and after a wait that reported nothing ready, what the native handler
     * wrote while it ended the wait ({@link NativeSignals#collectAfterEmptyWait}).
     */
    void collectAfterWait(boolean emptyWait) throws IOException {
        if (taskQueued.get()) {
            collectQueued(); // the task still runs later, and finds nothing left
        }
        if (emptyWait) {
            nat.collectAfterEmptyWait();
        }
    }

    // ---- the loop's thread changes, the loop closes ----------------------------------------------

    /**
     * Called in the thread {@link EventLoop#start()} created, before it runs the loop: signal-driven
     * I/O goes to this thread from now on, and the main thread's block is looked at again. (The
     * blocked signals are inherited.)
     */
    void movedToCurrentThread() throws IOException {
        nat.movedToCurrentThread();
        async.movedToCurrentThread();
    }

    /** Closes every source here, takes the signals still pending and unblocks them, and closes the fds. */
    void close() {
        jvm.close();
        nat.close();
        async.close(); // a process-owned one gives back its native slots
        nat.closePipe();
        thread.close();
        thread.closeSignalFdAndRestoreMask();
        async.closePollList();
    }
}
