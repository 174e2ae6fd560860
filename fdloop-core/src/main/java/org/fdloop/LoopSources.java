package org.fdloop;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import org.fdloop.backend.Backend;
import org.fdloop.fd.Fd;
import org.fdloop.internal.FdAccess;
import org.fdloop.internal.backend.Poller;

/**
 * What {@link EventLoop} holds for its sources, below the public methods that register them: the
 * slot table, the pending list, the timer heaps and hooks, the count of sources that keep
 * {@code run()} going, the registration of a polled source (and of the loop's own fds), the
 * dispatch of what is pending (by priority, timers rescheduled after their run), what a source
 * gives back when it closes, and the policy for a handler that throws. The classes above
 * it are the public API, documented on {@link EventLoop}: {@link LoopProcesses} (process and
 * child exits), {@link LoopRegistry} (the other sources) and {@link EventLoop} itself (the
 * thread, the iteration, the wake-up channel and closing). The split keeps each part readable,
 * as the JDK's {@code AbstractStringBuilder} does.
 */
abstract sealed class LoopSources permits LoopProcesses {
    final Poller poller;
    final ErrorHandler errorHandler;
    final StatsRecorder stats;
    private final SignalRoute signalRoute;
    private final int signalPipeBytes;

    final SlotTable slots = new SlotTable();
    final PendingList pending = new PendingList();
    final TimerQueue timers = new TimerQueue();
    final AcceptReserve acceptReserve = new AcceptReserve();
    final HookList deferHooks = new HookList();
    final HookList postHooks = new HookList();
    final HookList exitHooks = new HookList();
    /** Sources that keep run() going: enabled, referenced, of a kind that does (see Source.hasRef). */
    int liveSources;
    /** Signals, signal-driven I/O; created with the first such source. */
    LoopSignals signals;
    /** The inotify shared by this loop's file watches: opened with the first, closed with the last. */
    Watches watches;
    /** The stream sources open on this loop (onStream), for a group's graceful shutdown. */
    final LoopStreams streams = new LoopStreams();

    LoopSources(Poller poller, ErrorHandler errorHandler, SignalRoute signalRoute, int signalPipeBytes, boolean timing) {
        this.poller = poller;
        this.errorHandler = errorHandler;
        this.stats = new StatsRecorder(timing);
        this.signalRoute = signalRoute;
        this.signalPipeBytes = signalPipeBytes;
    }

    /** This loop: the only subclass is EventLoop (sealed). */
    final EventLoop self() {
        return (EventLoop) this;
    }

    /** {@return whether the calling thread owns this loop. Thread-safe} */
    public abstract boolean inLoopThread();

    /**
     * See {@link EventLoop#execute}.
     *
     * @param task what to run on the loop thread
     */
    public abstract void execute(Runnable task);

    /** {@return whether {@link EventLoop#close()} has been called} */
    public abstract boolean isClosed();

    /** Throws IllegalStateException off the loop thread or on a closed loop, naming {@code method}. */
    abstract void checkThread(String method);

    /** Throws RejectedExecutionException when nothing would run a task any more. Thread-safe. */
    abstract void rejectIfOver(String method);

    /** {@return the backend this loop waits with} */
    public Backend backend() {
        return poller.backend();
    }

    LoopSignals signals() {
        if (signals == null) {
            signals = new LoopSignals(self(), signalRoute, signalPipeBytes);
        }
        return signals;
    }

    Poller poller() {
        return poller;
    }

    TimerQueue timers() {
        return timers;
    }

    /** Has the loop dispatch {@code source} in this iteration, by priority (from a collect step, or a due source). */
    void addPending(Source source, int events) {
        pending.add(source, events);
    }

    /** {@link #addPending} unless {@code source} is pending already; the dispatch clears the mark. */
    void addPendingOnce(Source source) {
        pending.addOnce(source);
    }

    /**
     * Has the loop dispatch {@code source} on its next iteration, from any thread and from the loop
     * thread alike: through {@link EventLoop#execute}'s queue, the one cross-thread channel, as a
     * task of the loop's own that puts the source in the pending list, where it goes by the
     * priority it has then. Does nothing once the loop ended or closed (its close() closes the
     * source). Thread-safe.
     */
    void due(Source source) {
        try {
            execute((EventLoop.InternalTask) () -> {
                if (source.isEnabled() && !source.queued) { // closed or disabled since: enable() looks again
                    pending.addOnce(source);
                }
            });
        } catch (RejectedExecutionException e) {
            // the loop ended or closed: nothing will dispatch the source, ignoring
        }
    }

    /**
     * Registers one of the loop's own fds ({@link InternalSource}): it gets a slot and a token like
     * any source, and {@code handler} runs when the poller reports it ready, while the loop collects
     * what its wait found. The registration pins {@code fd} and owns it: closing the source closes
     * the fd. On the loop thread (or in the loop's constructor). If the poller refuses the fd,
     * throws and leaves {@code fd} open and unpinned, as it was.
     *
     * @param name what the source is called in errors and tests ("the loop's wake-up eventfd")
     * @param events what to wait for, usually {@link IoSource#READABLE}; level-triggered
     */
    InternalSource addInternal(String name, Fd fd, int events, InternalSource.Handler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        int number = FdAccess.get().pin(fd);
        InternalSource source = new InternalSource(self(), name, fd, number, IoSource.checkEvents(events), handler);
        try {
            register(source);
        } catch (UnsupportedOperationException e) {
            if (poller.backend() == Backend.SELECT && number >= 1024) {
                throw new UnsupportedOperationException("the SELECT backend cannot wait on " + name + ", fd " + number
                        + ", the loop's own: select(2) takes fds below 1024 (FD_SETSIZE), and this process already holds "
                        + "so many descriptors that the loop's own opened above that. Open the loop with Backend.EPOLL or "
                        + "POLL, which have no such limit, or before the process holds a thousand descriptors", e);
            }
            throw e;
        }
        return source;
    }

    /**
     * Gives {@code source} a slot and its token and puts its fd in the poller; if the poller
     * refuses, undoes both and what opening the source did, and throws.
     */
    void register(PolledSource source) throws IOException {
        slots.claim(source);
        try {
            source.register();
        } catch (IOException | RuntimeException e) {
            slots.free(source);
            source.registrationFailed();
            PolledSource holder = source instanceof IoSource io ? slots.holderOf(io.number) : null;
            if (holder != null) {
                throw new IllegalStateException(((IoSource) source).fd() + " is registered with this loop already, by "
                        + holder.name() + ": use that source (setEvents changes what it waits for), or close it first", e);
            }
            throw e;
        }
        count(source);
    }

    /** Counts {@code source} among those that keep run() going, if it does and it is not counted yet. */
    void count(Source source) {
        if (!source.counted && source.hasRef() && source.enabled && !source.closed) {
            source.counted = true;
            liveSources++;
        }
    }

    /** Stops counting {@code source} (disabled, fired one-shot, closed, unreferenced). */
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
                slots.free(io);
                FdAccess.get().unpin(io.fd());
            }
            case InternalSource i -> {
                slots.free(i);
                FdAccess.get().unpin(i.fd());
            }
            case ExitSource e -> slots.free(e);
            case ChildSource c -> slots.free(c);
            case ProcessExitSource p -> slots.free(p);
            case TimerSource t -> { } // onClose took it out of the heaps
            case SignalSource s -> signals.release(s);
            case AsyncIoSource a -> signals.release(a);
            case HookSource h -> (h.kind == HookSource.Kind.DEFER ? deferHooks
                    : h.kind == HookSource.Kind.POST ? postHooks : exitHooks).remove(h);
            case WatchSource w -> w.watches.remove(w);
            default -> throw new IllegalStateException("unknown source " + source);
        }
    }

    /** Dispatches the pending list, by priority; returns how many handlers ran. */
    int dispatchPending() {
        int dispatched = 0;
        for (Source source; (source = pending.take()) != null; ) {
            if (source.closed || !source.enabled) {
                continue; // closed or disabled by an earlier handler of this batch
            }
            if (source instanceof TimerSource t) {
                if (t.cancelled) {
                    t.close();
                } else if (!t.inHeap) { // in the heap: restarted by an earlier handler of this batch, not due now
                    dispatched++;
                    try {
                        invoke(t, 0);
                    } finally {
                        rescheduleOrFinish(t); // also after an error that ends the iteration
                    }
                }
            } else {
                dispatched++;
                invoke(source, pending.takenEvents());
            }
        }
        return dispatched;
    }

    private void rescheduleOrFinish(TimerSource t) {
        if (t.closed || t.inHeap) {
            return; // closed, or restarted by its handler
        }
        switch (t.mode) {
            case ONCE -> t.close();
            case FIXED_RATE -> t.deadline += t.period;
            case FIXED_DELAY -> t.deadline = (stats.timing ? stats.clock : System.nanoTime()) + t.period; // when it returned
        }
        if (!t.closed && t.enabled) {
            timers.add(t);
        }
    }

    /** Runs {@code source}'s handler; one that throws is {@link #failed}, an error of the VM ends the iteration. */
    void invoke(Source source, int events) {
        long start = stats.clock;
        try {
            source.dispatch(events);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            failed(source, t);
        }
        stats.finished(source.name(), start);
    }

    void runHooks(HookList hooks) {
        if (!hooks.isEmpty()) {
            for (HookSource hook : hooks.snapshot()) {
                if (hook.isEnabled()) {
                    invoke(hook, 0);
                }
            }
        }
    }

    /** The policy for a handler that threw ({@link ErrorHandler}): its source is disabled, then the error handler told. */
    void failed(Source source, Throwable error) {
        if (AcceptReserve.outOfDescriptors(source, error) && !source.closed) {
            IoSource listener = (IoSource) source;
            int dropped = acceptReserve.dropWaiting(listener.number);
            if (dropped >= 0) { // the source stays enabled: it accepts again once descriptors are free
                if (!listener.saidOutOfDescriptors) {
                    listener.saidOutOfDescriptors = true;
                    reportError(source, new IOException(source.name() + " is out of file descriptors (" + error.getMessage()
                            + "): the loop closes each connection waiting on it (" + dropped + " now), with a descriptor it "
                            + "keeps in reserve, until descriptors are free, and says so once. Raise the limit (ulimit -n) "
                            + "or hold fewer connections", error));
                }
                return;
            }
        }
        if (!source.closed && source.enabled) {
            source.enabled = false;
            uncount(source);
            try {
                source.onDisable();
            } catch (IOException | RuntimeException e) {
                error.addSuppressed(e); // taking the fd out of the poller failed: the source is disabled all the same
            }
        }
        reportError(source, error);
    }

    /** Tells the error handler of {@code error}, leaving {@code source} as it is (null: a task). */
    void reportError(Source source, Throwable error) {
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

    /** Closes the internal sources still registered: after every other source, as the loop closes. */
    void closeInternalSources() {
        for (PolledSource source : slots.snapshot()) {
            if (source instanceof InternalSource internal) {
                internal.close();
            }
        }
    }

    static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true; // finish the join (the thread is ending), then restore the flag
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4; // about 73 years: never, in practice
        }
    }
}
