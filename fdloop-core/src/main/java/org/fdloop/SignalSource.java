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
 * <p>What came and is not handed to the handler yet is held by kind of handler ({@link Delivery}):
 * the records for a {@link SignalInfoHandler}, a count for a {@link SignalHandler}, whichever
 * route brought them. Signals that arrive while the source is disabled are dropped. A signal source keeps
 * {@link EventLoop#run()} going, as an I/O source does.
 */
public final class SignalSource extends Source {
    private final Signal signal;
    /** The route of a process-directed signal; null for a thread-directed one (the loop's signalfd). */
    private final SignalRoute route;
    private final Delivery delivery;
    private final LoopSignals signals;

    /** What came for a source and is not handed to its handler yet: one kind per kind of handler. */
    sealed interface Delivery permits Records, Count {}

    /**
     * For a {@link SignalInfoHandler} (thread-directed, and the native route): the records read,
     * one per dispatch due, and the signals the native handler's full pipe lost, reported after them.
     */
    static final class Records implements Delivery {
        final SignalInfoHandler handler;
        final ArrayDeque<SignalInfo> records = new ArrayDeque<>();
        long lost;

        Records(SignalInfoHandler handler) {
            this.handler = handler;
        }
    }

    /**
     * For a {@link SignalHandler} (the native and the JVM route): deliveries counted and not yet
     * reported, read or lost; added on the loop thread by the native route, on the JVM's handler
     * thread by the JVM route.
     */
    static final class Count implements Delivery {
        final SignalHandler handler;
        final AtomicLong count = new AtomicLong();

        Count(SignalHandler handler) {
            this.handler = handler;
        }
    }

    private SignalSource(EventLoop loop, LoopSignals signals, Signal signal, SignalRoute route, Delivery delivery) {
        super(loop, (route == null ? "thread signal " : "signal ") + signal.name());
        this.signals = signals;
        this.signal = signal;
        this.route = route;
        this.delivery = delivery;
    }

    static SignalSource processDirected(EventLoop loop, LoopSignals signals, Signal signal, SignalHandler handler,
            SignalInfoHandler infoHandler, SignalRoute route) {
        return new SignalSource(loop, signals, signal, route, infoHandler == null ? new Count(handler) : new Records(infoHandler));
    }

    static SignalSource threadDirected(EventLoop loop, LoopSignals signals, Signal signal, SignalInfoHandler handler) {
        return new SignalSource(loop, signals, signal, null, new Records(handler));
    }

    /** {@return the signal} */
    public Signal signal() {
        return signal;
    }

    /** {@return whether this source takes signals sent to the loop thread ({@link EventLoop#onThreadSignal})} */
    public boolean isThreadDirected() {
        return route == null;
    }

    /**
     * The route this source's signals take: {@link SignalRoute#NATIVE} or {@link SignalRoute#JVM}
     * for a process-directed signal, null for a thread-directed one (the loop's signalfd).
     *
     * @return the route this source's signals take
     */
    public SignalRoute route() {
        return route;
    }

    /** Whether the handler takes whole records (a SignalInfoHandler). */
    boolean takesInfo() {
        return delivery instanceof Records;
    }

    /** A record for a {@link SignalInfoHandler}: the caller makes the source pending, once per record. */
    void addRecord(SignalInfo info) {
        ((Records) delivery).records.add(info);
    }

    /** Signals the native handler's pipe lost, for a {@link SignalInfoHandler}: reported after the records. */
    void addLost(long lost) {
        ((Records) delivery).lost += lost;
    }

    /** Deliveries for a {@link SignalHandler}; thread-safe (the JVM's handler thread counts here). */
    void addCount(long deliveries) {
        ((Count) delivery).count.addAndGet(deliveries);
    }

    /** Whether deliveries were counted that the handler has not been told of. */
    boolean hasCount() {
        return countNotReported() > 0;
    }

    /** The deliveries counted that the handler has not been told of (0 for a SignalInfoHandler). */
    long countNotReported() {
        return delivery instanceof Count c ? c.count.get() : 0;
    }

    /** Called on the JVM's signal handler thread after a delivery was counted. Thread-safe. */
    void wakeLoop() {
        signals.wake();
    }

    @Override
    boolean keepsLoopAlive() {
        return true;
    }

    /** Hands the handler one record, the lost ones, or the count: what came is held here, not in {@code events}. */
    @Override
    void dispatch(int events) throws Exception {
        switch (delivery) {
            case Count c -> {
                long n = c.count.getAndSet(0);
                if (n > 0) {
                    c.handler.received(this, signal, (int) Math.min(n, Integer.MAX_VALUE));
                }
            }
            case Records r -> {
                SignalInfo info = r.records.poll();
                if (info != null) {
                    r.handler.received(this, info);
                } else if (r.lost > 0) {
                    long lost = r.lost;
                    r.lost = 0;
                    r.handler.overflowed(this, lost);
                }
            }
        }
    }

    @Override
    void onEnable() {}

    /** Drops what came and was not handed over: a disabled source drops its signals. */
    @Override
    void onDisable() {
        clear();
    }

    void clear() {
        switch (delivery) {
            case Count c -> c.count.set(0);
            case Records r -> {
                r.records.clear();
                r.lost = 0;
            }
        }
    }

    @Override
    void onClose() {
        loop.release(this);
    }
}
