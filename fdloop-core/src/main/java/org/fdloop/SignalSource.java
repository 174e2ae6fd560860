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
 *     the kernel picks, so it comes in through the JVM's own signal handler, which counts it and
 *     wakes the loop. The handler gets the signal and a count; no sender, no siginfo.</li>
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
    /** Process-directed: deliveries the JVM reported and the loop has not taken yet. */
    final AtomicLong bridgedCount = new AtomicLong();
    /** Thread-directed: records read from the signalfd, one per dispatch still due. */
    final ArrayDeque<SignalInfo> records;
    private final LoopSignals signals;

    private SignalSource(EventLoop loop, LoopSignals signals, Signal signal, SignalHandler handler,
            SignalInfoHandler infoHandler) {
        super(loop, (handler != null ? "signal " : "thread signal ") + signal.name());
        this.signals = signals;
        this.signal = signal;
        this.handler = handler;
        this.infoHandler = infoHandler;
        this.records = infoHandler == null ? null : new ArrayDeque<>();
    }

    static SignalSource processDirected(EventLoop loop, LoopSignals signals, Signal signal, SignalHandler handler) {
        return new SignalSource(loop, signals, signal, handler, null);
    }

    static SignalSource threadDirected(EventLoop loop, LoopSignals signals, Signal signal, SignalInfoHandler handler) {
        return new SignalSource(loop, signals, signal, null, handler);
    }

    /** The signal. */
    public Signal signal() {
        return signal;
    }

    /** Whether this source takes signals sent to the loop thread ({@link EventLoop#onThreadSignal}). */
    public boolean isThreadDirected() {
        return infoHandler != null;
    }

    /** Called on the JVM's signal handler thread for each delivery. Thread-safe. */
    void bridged() {
        bridgedCount.incrementAndGet();
        signals.wake();
    }

    @Override
    boolean keepsLoopAlive() {
        return true;
    }

    @Override
    void dispatch(int events) throws Exception {
        if (infoHandler == null) {
            handler.received(this, signal, events);
        } else {
            SignalInfo info = records.poll();
            if (info != null) {
                infoHandler.received(this, info);
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
    }

    @Override
    void onClose() {
        loop.release(this);
    }
}
