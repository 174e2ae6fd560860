package org.fdloop;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.fdloop.fd.AsyncOwner;
import org.fdloop.fd.EventFd;
import org.fdloop.fd.Fd;
import org.fdloop.fd.LinuxException;
import org.fdloop.fd.OsThread;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalFd;
import org.fdloop.fd.SignalInfo;
import org.fdloop.fd.SignalSet;
import org.fdloop.internal.FdAccess;
import org.fdloop.internal.linux.Fasync;
import org.fdloop.internal.linux.PollList;
import org.fdloop.internal.linux.SignalRecords;

/**
 * What a loop holds for signals, signal-driven I/O and child exits, created with the first such
 * source.
 *
 * <ul>
 * <li>A signalfd, in the poller under {@link #SIGNALFD_TOKEN}, for the signals sent to the loop
 *     thread: those of {@link EventLoop#onThreadSignal}, the realtime signals of signal-driven
 *     I/O, and SIGIO (the kernel's "realtime queue full"). Its mask only grows; each signal in
 *     it is blocked in the thread that registered it, and threads started from there inherit
 *     that. Closing the loop takes what is still pending and unblocks them again.</li>
 * <li>An eventfd, in the poller under {@link #BRIDGE_TOKEN}, written by the JVM's signal
 *     handler threads for process-directed signals ({@link SignalBridge}) and by anyone who has
 *     a source due outside the poller: a child that exited before its pidfd existed, an async
 *     fd to look at again.</li>
 * </ul>
 */
final class LoopSignals {
    static final long SIGNALFD_TOKEN = -2L;
    static final long BRIDGE_TOKEN = -3L;
    private static final int RECORDS_PER_READ = 64;

    private final EventLoop loop;

    // thread-directed signals and signal-driven I/O
    private SignalFd signalFd;
    private int signalFdNumber = -1;
    private SignalRecords records;
    /** The threads this loop blocked signals in, each with the mask it had before. */
    private final Map<Thread, SignalSet> maskBefore = new LinkedHashMap<>();
    private final Map<Signal, List<SignalSource>> threadSources = new HashMap<>();
    private AsyncIoSource[] asyncByFd = new AsyncIoSource[64];
    private final List<AsyncIoSource> async = new ArrayList<>();
    /** How many async sources use each signal, by number. */
    private final int[] asyncUses = new int[Signal.MAX_NUMBER + 1];
    /**
     * Fd numbers whose async source closed since the signal queue was last read empty: a signal
     * for such a number may have been queued for the file it named before.
     */
    private final BitSet suspect = new BitSet();
    private PollList pollList;
    private final List<AsyncIoSource> polled = new ArrayList<>();
    private long overflows;

    // process-directed signals, and sources due outside the poller
    private volatile EventFd bridgeFd;
    private final List<SignalSource> bridged = new ArrayList<>();
    private final ConcurrentLinkedQueue<Source> due = new ConcurrentLinkedQueue<>();

    LoopSignals(EventLoop loop) {
        this.loop = loop;
    }

    // ---- registering ---------------------------------------------------------------------------

    void addProcessDirected(SignalSource source) throws IOException {
        openBridge();
        bridged.add(source);
        try {
            SignalBridge.subscribe(source);
        } catch (IOException | RuntimeException e) {
            bridged.remove(source);
            throw e;
        }
    }

    void addThreadDirected(SignalSource source) throws IOException {
        watch(source.signal());
        threadSources.computeIfAbsent(source.signal(), s -> new ArrayList<>()).add(source);
    }

    void addAsync(AsyncIoSource source) throws IOException {
        int number = source.number;
        if (number < asyncByFd.length && asyncByFd[number] != null) {
            throw new IllegalStateException(source.fd() + " is registered for signal-driven I/O already: close that source first");
        }
        Fd fd = source.fd();
        int tid = OsThread.currentId();
        int backendSignal = loop.poller().readinessSignal();
        if (backendSignal != 0 && fd.isAsync() && fd.asyncSignal() != null && fd.asyncSignal().number() == backendSignal) {
            throw new IllegalStateException(fd + " is registered with onIo already, and the SIGIO backend has it send "
                    + fd.asyncSignal().name() + ": one fd cannot carry two readiness signals. Use the IoSource alone, or close it first");
        }
        if (fd.isAsync()) {
            AsyncOwner owner = fd.asyncOwner();
            if (owner.kind() != AsyncOwner.Kind.THREAD || owner.id() != tid) {
                throw new IllegalStateException(fd + " is in signal-driven I/O already (O_ASYNC), to " + owner
                        + " (another loop, or other code): close that registration, or call disableAsync() on it first");
            }
        }
        openBridge();
        watch(Signal.IO);
        watch(source.signal());
        fd.enableAsync(source.signal(), tid);
        if (number >= asyncByFd.length) {
            asyncByFd = Arrays.copyOf(asyncByFd, Math.max(number + 1, asyncByFd.length * 2));
        }
        asyncByFd[number] = source;
        async.add(source);
        asyncUses[source.signal().number()]++;
        recheck(source); // O_ASYNC signals changes only: look once for readiness from before
    }

    /** Adds {@code signal} to the signalfd and blocks it in the calling thread. */
    private void watch(Signal signal) throws IOException {
        if (signal.number() == loop.poller().readinessSignal()) {
            throw new IllegalArgumentException(signal.name() + " is the SIGIO backend's: the kernel sends it for every fd of "
                    + "this loop. Choose another realtime signal");
        }
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("signals are blocked and read per OS thread, and a virtual thread moves between "
                    + "carriers: register signal sources on a platform thread (the loop's)");
        }
        if (signalFd == null) {
            signalFd = SignalFd.open(SignalSet.empty());
            try {
                signalFdNumber = FdAccess.get().pin(signalFd);
                loop.poller().add(signalFdNumber, IoSource.READABLE, SIGNALFD_TOKEN);
                records = new SignalRecords(RECORDS_PER_READ);
            } catch (IOException | RuntimeException e) {
                closeSignalFd();
                throw e;
            }
        }
        if (!signalFd.signals().contains(signal)) {
            signalFd.setSignals(signalFd.signals().with(signal));
        }
        // blocked after it is in the signalfd, so that closing finds every signal this loop blocked there
        SignalSet before = SignalSet.of(signal).block();
        maskBefore.putIfAbsent(Thread.currentThread(), before);
    }

    /**
     * Reads SIGIO for a backend that waits for readiness signals: the kernel's "realtime queue
     * full" is a plain SIGIO, and a signal is consumed by whichever signalfd reads it first, so
     * the loop reads it here, for its own signal-driven sources and the backend alike.
     */
    void watchSignalQueueOverflow() throws IOException {
        watch(Signal.IO);
    }

    void openBridge() throws IOException {
        if (bridgeFd == null) {
            EventFd fd = EventFd.open();
            int number = FdAccess.get().pin(fd);
            try {
                loop.poller().add(number, IoSource.READABLE, BRIDGE_TOKEN);
            } catch (IOException | RuntimeException e) {
                FdAccess.get().unpin(fd);
                fd.close();
                throw e;
            }
            bridgeFd = fd;
        }
    }

    /**
     * Has the loop dispatch {@code source} (a child's exit) or look at it (an async fd) on its
     * next iteration. Thread-safe.
     */
    void due(Source source) {
        due.add(source);
        wake();
    }

    /** Looks at an async fd on the next iteration and dispatches it if ready. */
    void recheck(AsyncIoSource source) {
        due(source);
    }

    /** Wakes the loop to take the bridged signals and the due sources. Thread-safe. */
    void wake() {
        EventFd fd = bridgeFd;
        if (fd == null) {
            return;
        }
        try {
            fd.write(1);
        } catch (IOException | IllegalStateException e) {
            // the loop closed meanwhile: nothing is left to wake, ignoring
        }
    }

    void release(SignalSource source) {
        if (source.isThreadDirected()) {
            List<SignalSource> list = threadSources.get(source.signal());
            if (list != null) {
                list.remove(source);
            }
            source.records.clear();
        } else {
            bridged.remove(source);
            SignalBridge.unsubscribe(source);
        }
    }

    void release(AsyncIoSource source) {
        int number = source.number;
        asyncByFd[number] = null;
        async.remove(source);
        asyncUses[source.signal().number()]--;
        try {
            Fasync.disarm(number, "fd " + number);
        } catch (LinuxException e) {
            // the number is pinned, so it is still this file: this cannot fail but for EBADF of a bug, ignoring
        }
        // No new signal is queued for it from here on, but some may be queued already.
        suspect.set(number);
        FdAccess.get().unpin(source.fd());
    }

    long overflows() {
        return overflows;
    }

    // ---- collecting what is ready ----------------------------------------------------------------

    /** Called by the loop when one of this class's fds is ready. */
    void collect(long token) throws IOException {
        if (token == SIGNALFD_TOKEN) {
            collectSignals();
        } else if (token == BRIDGE_TOKEN) {
            collectBridged();
        }
    }

    private void collectSignals() throws IOException {
        int count = records.read(signalFdNumber);
        boolean overflow = false;
        for (int i = 0; i < count; i++) {
            int signo = records.signo(i);
            int code = records.code(i);
            if (code >= POLL_IN && code <= POLL_HUP && asyncUses[signo] > 0) {
                asyncSignal(signo, records.fd(i), records.band(i));
            } else {
                if (signo == SIGIO && code == SI_KERNEL && (!async.isEmpty() || loop.poller().readinessSignal() != 0)) {
                    // The realtime queue was full and some fd's signal was not queued. (A plain SIGIO
                    // of an fd without F_SETSIG looks the same: it goes to onThreadSignal(SIGIO) too.)
                    overflow = true;
                }
                List<SignalSource> sources = threadSources.get(Signal.of(signo));
                if (sources != null && !sources.isEmpty()) {
                    SignalInfo info = records.info(i);
                    for (SignalSource source : sources) {
                        if (source.isEnabled()) {
                            source.records.add(info);
                            loop.addPending(source, 0);
                        }
                    }
                }
                // else: no source takes this signal any more, ignoring
            }
        }
        if (count < records.capacity()) {
            suspect.clear(); // the queue was read empty: nothing queued before a close is left
        }
        if (overflow) {
            overflows++;
            loop.poller().signalQueueOverflowed(); // the SIGIO backend's signals were lost too: it looks at every fd
            polled.addAll(async);
            pollAndDispatch();
        }
    }

    private void asyncSignal(int signo, int fd, int band) throws IOException {
        AsyncIoSource source = fd >= 0 && fd < asyncByFd.length ? asyncByFd[fd] : null;
        if (source == null || source.signal().number() != signo) {
            return; // queued for an fd whose source closed since, ignoring
        }
        if (suspect.get(fd)) {
            // queued perhaps for the file this number named before: believe it only if the fd is ready now
            polled.add(source);
            pollAndDispatch();
            return;
        }
        ready(source, band);
    }

    private void ready(AsyncIoSource source, int band) {
        if (!source.isEnabled() || !source.wants(band)) {
            return;
        }
        source.band |= band;
        if (!source.inBatch) {
            source.inBatch = true;
            loop.addPending(source, 0);
        }
    }

    /** Polls the sources in {@link #polled} once and dispatches the ready ones. */
    private void pollAndDispatch() throws IOException {
        if (pollList == null) {
            pollList = new PollList();
        }
        pollList.clear();
        for (AsyncIoSource source : polled) {
            pollList.add(source.number, source.events());
        }
        if (pollList.pollNow() > 0) {
            for (int i = 0; i < polled.size(); i++) {
                int revents = pollList.revents(i);
                if (revents != 0 && (revents & POLLNVAL) == 0) {
                    ready(polled.get(i), revents);
                }
            }
        }
        polled.clear();
    }

    private void collectBridged() throws IOException {
        bridgeFd.read();
        for (SignalSource source : bridged) {
            long n = source.bridgedCount.getAndSet(0);
            if (n > 0 && source.isEnabled()) {
                loop.addPending(source, (int) Math.min(n, Integer.MAX_VALUE));
            }
            // a disabled source drops what came meanwhile
        }
        for (Source source; (source = due.poll()) != null; ) {
            if (!source.isEnabled()) {
                continue; // closed or disabled since; enable() looks again
            }
            if (source instanceof AsyncIoSource a) {
                if (!polled.contains(a)) {
                    polled.add(a);
                }
            } else {
                loop.addPending(source, 0);
            }
        }
        if (!polled.isEmpty()) {
            pollAndDispatch();
        }
    }

    // ---- the loop's thread changes, the loop closes ----------------------------------------------

    /**
     * Called in the thread {@link EventLoop#start()} created, before it runs the loop: signal-driven
     * I/O goes to this thread from now on, and each async fd is looked at once for what went to
     * the old one meanwhile. (The blocked signals are inherited.)
     */
    void movedToCurrentThread() throws IOException {
        int tid = OsThread.currentId();
        for (AsyncIoSource source : async.toArray(AsyncIoSource[]::new)) {
            Fd fd = source.fd();
            if (!fd.isOpen()) {
                source.close(); // the user closed it while registered, as IoSource notices at dispatch
                continue;
            }
            fd.enableAsync(source.signal(), tid);
            recheck(source);
        }
    }

    /** Closes every source here, takes the signals still pending and unblocks them, and closes the fds. */
    void close() {
        for (SignalSource source : bridged.toArray(SignalSource[]::new)) {
            source.close();
        }
        for (List<SignalSource> sources : threadSources.values()) {
            for (SignalSource source : sources.toArray(SignalSource[]::new)) {
                source.close();
            }
        }
        for (AsyncIoSource source : async.toArray(AsyncIoSource[]::new)) {
            source.close();
        }
        due.clear();
        restoreMask();
        closeSignalFd();
        EventFd bridge = bridgeFd;
        if (bridge != null) {
            FdAccess.get().unpin(bridge); // the poller closes right after: no need to remove it
            bridge.close();
        }
        if (pollList != null) {
            pollList.close();
        }
    }

    /**
     * In the calling thread, if this loop blocked signals in it: takes every one still pending
     * (unblocking a pending SIGIO or realtime signal would end the JVM), then unblocks the ones
     * that were not blocked before. Other threads keep their masks: a thread's mask can only be
     * changed by the thread itself (and the thread start() created has ended).
     */
    private void restoreMask() {
        SignalSet before = maskBefore.remove(Thread.currentThread());
        if (before == null || signalFd == null) {
            return;
        }
        try {
            while (signalFd.read() != null) {
                // dropped: the loop is closing
            }
            List<Signal> unblock = new ArrayList<>();
            for (Signal signal : signalFd.signals().signals()) {
                if (!before.contains(signal)) {
                    unblock.add(signal);
                }
            }
            SignalSet.of(unblock).unblock();
        } catch (IOException e) {
            // reading a signalfd we own, or pthread_sigmask, failed: the signals stay blocked, which is safe, ignoring
        }
    }

    private void closeSignalFd() {
        if (signalFd != null) {
            if (signalFdNumber >= 0) {
                FdAccess.get().unpin(signalFd);
            }
            signalFd.close();
            signalFd = null;
        }
        if (records != null) {
            records.close();
        }
    }
}
