package org.fdloop;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalInfo;

/**
 * A signal registered with a loop, by one of two routes.
 *
 * <ul>
 * <li><b>Process-directed</b> ({@link EventLoop#onSignal}): {@code kill(2)} to the process, a
 *     terminal's Ctrl-C, systemd's SIGTERM. Inside a JVM such a signal lands on whichever thread
 *     the kernel picks. On the {@link SignalRoute#NATIVE} route fdloop's machine-code handler
 *     writes its siginfo into the loop's pipe, so the handler gets sender, code and value; on
 *     the {@link SignalRoute#JVM} route the JVM's handler counts it and wakes the loop, and the
 *     handler gets the signal and a count only.</li>
 * <li><b>Thread-directed</b> ({@link EventLoop#onThreadSignal}): {@code tgkill(2)} or
 *     {@code pthread_sigqueue(3)} to the loop thread, POSIX timers aimed at it. The loop thread
 *     blocks the signal and reads it from its signalfd, so the handler gets the whole
 *     {@link SignalInfo}, once per signal (realtime signals queue, standard ones coalesce).</li>
 * </ul>
 *
 * <p>Signals that arrive while the source is disabled are dropped. A signal source keeps
 * {@link EventLoop#run()} going, as an I/O source does.
 */
public final class SignalSource extends Source {
    private final Signal signal;
    private final SignalHandler handler;
    private final SignalInfoHandler infoHandler;
    private final boolean threadDirected;
    private final boolean nativeRoute;
    /** Process-directed through the JVM: deliveries the JVM reported and the loop has not taken yet. */
    final AtomicLong bridgedCount = new AtomicLong();
    /** With an info handler: records read, one per dispatch still due. */
    final ArrayDeque<SignalInfo> records;
    /** Native route, info handler: signals lost (the pipe was full) not yet reported. */
    long lostPending;
    /** Native route, count handler: deliveries (read or lost) not yet reported, and whether a dispatch is due. */
    long nativeCount;
    private final LoopSignals signals;

    private SignalSource(EventLoop loop, LoopSignals signals, Signal signal, SignalHandler handler,
            SignalInfoHandler infoHandler, boolean threadDirected, boolean nativeRoute) {
        super(loop, (threadDirected ? "thread signal " : "signal ") + signal.name());
        this.signals = signals;
        this.signal = signal;
        this.handler = handler;
        this.infoHandler = infoHandler;
        this.threadDirected = threadDirected;
        this.nativeRoute = nativeRoute;
        this.records = infoHandler == null ? null : new ArrayDeque<>();
    }

    static SignalSource processDirected(EventLoop loop, LoopSignals signals, Signal signal, SignalHandler handler,
            SignalInfoHandler infoHandler, SignalRoute route) {
        return new SignalSource(loop, signals, signal, handler, infoHandler, false, route == SignalRoute.NATIVE);
    }

    static SignalSource threadDirected(EventLoop loop, LoopSignals signals, Signal signal, SignalInfoHandler handler) {
        return new SignalSource(loop, signals, signal, null, handler, true, false);
    }

    /** {@return the signal} */
    public Signal signal() {
        return signal;
    }

    /** {@return whether this source takes signals sent to the loop thread ({@link EventLoop#onThreadSignal})} */
    public boolean isThreadDirected() {
        return threadDirected;
    }

    /**
     * The route this source's signals take: {@link SignalRoute#NATIVE} or {@link SignalRoute#JVM}
     * for a process-directed signal, null for a thread-directed one (the loop's signalfd).
     *
     * @return the route this source's signals take
     */
    public SignalRoute route() {
        return threadDirected ? null : nativeRoute ? SignalRoute.NATIVE : SignalRoute.JVM;
    }

    /** Process-directed through the native handler. */
    boolean isNative() {
        return nativeRoute;
    }

    /** Whether the handler takes whole records (a SignalInfoHandler). */
    boolean takesInfo() {
        return infoHandler != null;
    }

    /** Called on the JVM's signal handler thread after a delivery was counted in {@link #bridgedCount}. Thread-safe. */
    void wakeLoop() {
        signals.wake();
    }

    @Override
    boolean keepsLoopAlive() {
        return true;
    }

    @Override
    void dispatch(int events) throws Exception {
        if (infoHandler == null) {
            if (nativeRoute) {
                long n = nativeCount;
                nativeCount = 0;
                if (n > 0) {
                    handler.received(this, signal, (int) Math.min(n, Integer.MAX_VALUE));
                }
            } else {
                handler.received(this, signal, events);
            }
        } else {
            SignalInfo info = records.poll();
            if (info != null) {
                infoHandler.received(this, info);
            } else if (lostPending > 0) {
                long lost = lostPending;
                lostPending = 0;
                infoHandler.overflowed(this, lost);
            }
        }
    }

    @Override
    void onEnable() {}

    @Override
    void onDisable() {
        if (records != null) {
            records.clear();
        }
        lostPending = 0;
        nativeCount = 0;
    }

    @Override
    void onClose() {
        loop.release(this);
    }
}
