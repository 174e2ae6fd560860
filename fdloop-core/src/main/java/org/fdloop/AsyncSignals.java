package org.fdloop;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import org.fdloop.fd.AsyncOwner;
import org.fdloop.fd.Dnotify;
import org.fdloop.fd.Fd;
import org.fdloop.fd.LinuxException;
import org.fdloop.fd.OsThread;
import org.fdloop.fd.Signal;
import org.fdloop.internal.FdAccess;
import org.fdloop.internal.SignalRules;
import org.fdloop.internal.linux.Fasync;
import org.fdloop.internal.linux.NativeSignalHandler;
import org.fdloop.internal.linux.PollList;

/**
 * A loop's signal-driven I/O ({@link AsyncIoSource}): the fds by number, which signal each uses
 * (F_SETSIG) and who gets it. A thread owner's signals come from the loop's signalfd
 * ({@link ThreadSignals}), a process owner's from the native handler's pipe
 * ({@link NativeSignals}); both hand each record here with its fd and band. Also the suspect set
 * (numbers closed since the signal queue was last read empty, whose signals are believed only if
 * poll(2) finds the fd ready), and the polling that stands in for signals the kernel could not
 * queue (a plain SIGIO) or the pipe lost; the SIGIO backend shares that overflow.
 */
final class AsyncSignals {
    private final EventLoop loop;
    private final LoopSignals signals;
    private ThreadSignals thread;
    private NativeSignals nat;
    private AsyncIoSource[] asyncByFd = new AsyncIoSource[64];
    private final List<AsyncIoSource> async = new ArrayList<>();
    /** How many thread-owned async sources use each signal, by number. */
    private final int[] asyncUses = new int[Signal.MAX_NUMBER + 1];
    /** How many process-owned async sources use each signal, by number. */
    private final int[] processAsyncUses = new int[Signal.MAX_NUMBER + 1];
    private int processAsync;
    /** Set when a native record said to look at every process-owned async fd: plain SIGIO, or records lost. */
    private boolean pollProcessOwned;
    /**
     * Fd numbers whose async source closed since the signal queue was last read empty: a signal
     * for such a number may have been queued for the file it named before.
     */
    private final BitSet suspect = new BitSet();
    private PollList pollList;
    private final List<AsyncIoSource> polled = new ArrayList<>();
    private long overflows;

    AsyncSignals(EventLoop loop, LoopSignals signals) {
        this.loop = loop;
        this.signals = signals;
    }

    /** The routes whose records come here, and which a registration uses. */
    void connect(ThreadSignals thread, NativeSignals nat) {
        this.thread = thread;
        this.nat = nat;
    }

    void add(AsyncIoSource source) throws IOException {
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
        SignalRules.checkNotAsyncElsewhere(fd, tid);
        String call = "onAsyncIo(" + fd + ", " + source.signal().name() + (source.isProcessOwned() ? ", " + source.owner() : "")
                + ")";
        if (source.isProcessOwned()) {
            addProcessOwned(source, call);
        } else {
            thread.watch(Signal.IO, call);
            thread.watch(source.signal(), call);
            fd.enableAsync(source.signal() == Signal.IO ? null : source.signal(), new AsyncOwner(AsyncOwner.Kind.THREAD, tid));
            asyncUses[source.signal().number()]++;
        }
        if (number >= asyncByFd.length) {
            asyncByFd = Arrays.copyOf(asyncByFd, Math.max(number + 1, asyncByFd.length * 2));
        }
        asyncByFd[number] = source;
        async.add(source);
        if (!(fd instanceof Dnotify)) { // a directory polls ready always: its signals are the only news
            signals.recheck(source); // O_ASYNC signals changes only: look once for readiness from before
        }
    }

    /**
     * Signal-driven I/O to this process or its group: the signal lands on any thread, and the
     * native handler writes it, with si_fd and si_band, into this loop's pipe. SIGIO is taken too:
     * it is the signal itself when plain, and the kernel's "realtime queue full" otherwise (whose
     * default action would end the JVM).
     */
    private void addProcessOwned(AsyncIoSource source, String call) throws IOException {
        SignalRules.checkProcessOwnerRoute(call, source.owner(), signals.route() == SignalRoute.NATIVE);
        Signal signal = source.signal();
        nat.take(Signal.IO, call);
        try {
            if (signal != Signal.IO) {
                nat.take(signal, call);
            }
            // one may be pending when the last source closes, and the previous action (SIG_DFL) would end the JVM
            NativeSignalHandler.keepInstalled(Signal.IO.number());
            NativeSignalHandler.keepInstalled(signal.number());
            try {
                AsyncOwner owner = source.owner() == AsyncOwner.Kind.PROCESS ? AsyncOwner.ofThisProcess()
                        : AsyncOwner.ofThisProcessGroup();
                source.fd().enableAsync(signal == Signal.IO ? null : signal, owner);
            } catch (IOException | RuntimeException e) {
                if (signal != Signal.IO) {
                    nat.giveBack(signal);
                }
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            nat.giveBack(Signal.IO);
            throw e;
        }
        processAsyncUses[signal.number()]++;
        processAsync++;
    }

    void release(AsyncIoSource source) {
        int number = source.number;
        asyncByFd[number] = null;
        async.remove(source);
        polled.remove(source);
        try {
            Fasync.disarm(number, "fd " + number);
        } catch (LinuxException e) {
            // the number is pinned, so it is still this file: this cannot fail but for EBADF of a bug, ignoring
        }
        if (source.fd() instanceof Dnotify dnotify && dnotify.isOpen()) {
            try {
                dnotify.stop(); // dnotify signals without O_ASYNC
            } catch (IOException | IllegalStateException e) {
                // as above, this cannot fail but for a close on another thread meanwhile, which stops it too
            }
        }
        if (source.isProcessOwned()) {
            processAsyncUses[source.signal().number()]--;
            processAsync--;
            if (source.signal() != Signal.IO) {
                nat.giveBack(source.signal());
            }
            nat.giveBack(Signal.IO);
        } else {
            asyncUses[source.signal().number()]--;
        }
        // No new signal is queued for it from here on, but some may be queued already.
        suspect.set(number);
        FdAccess.get().unpin(source.fd());
    }

    long overflows() {
        return overflows;
    }

    /** Whether a process-owned source is registered: then the native pipe carries readiness too. */
    boolean isProcessOwned() {
        return processAsync > 0;
    }

    /**
     * A record of the native handler's pipe: takes it when it is a process owner's readiness
     * signal (si_code POLL_IN to POLL_HUP) or a plain SIGIO, and says whether it did.
     */
    boolean tookRecord(int signo, int code, int fd, int band) throws IOException {
        if (code >= POLL_IN && code <= POLL_HUP && processAsyncUses[signo] > 0) {
            signal(signo, fd, band);
            return true;
        }
        if (signo == SIGIO && code == SI_KERNEL) {
            // plain SIGIO, which names no fd, or the kernel's "realtime queue full"
            if (processAsyncUses[SIGIO] == 0) {
                overflows++;
            }
            pollProcessOwned = true;
            return true;
        }
        return false;
    }

    /** The native pipe lost records of {@code signo}: when it is a readiness signal, the fds are polled instead. */
    void recordsLost(int signo) {
        if (processAsyncUses[signo] > 0 || signo == SIGIO && processAsync > 0) {
            pollProcessOwned = true;
        }
    }

    /** After a native collection: polls the process-owned fds when a record asked for it. */
    void pollProcessOwnedIfAsked() throws IOException {
        if (!pollProcessOwned) {
            return;
        }
        pollProcessOwned = false;
        for (AsyncIoSource source : async) {
            if (source.isProcessOwned()) {
                lookAt(source);
            }
        }
        pollAndDispatch();
    }

    /** A record of the loop's signalfd: takes a thread owner's readiness signal, and says whether it did. */
    boolean tookThreadRecord(int signo, int code, int fd, int band) throws IOException {
        if (code >= POLL_IN && code <= POLL_HUP && asyncUses[signo] > 0) {
            signal(signo, fd, band);
            return true;
        }
        return false;
    }

    /** Whether a plain SIGIO from the kernel, read from the signalfd, says readiness signals were lost. */
    boolean takesOverflow() {
        return !async.isEmpty() || loop.poller().readinessSignal() != 0;
    }

    /** The signalfd's queue was read empty: nothing queued before a close is left. */
    void queueReadEmpty() {
        suspect.clear();
    }

    /**
     * A plain SIGIO from the kernel (si_code SI_KERNEL) came to the loop thread: the realtime queue
     * was full and some fd's signal was not queued, or an fd that asked for plain SIGIO
     * (F_SETSIG 0) is ready; the kernel sends both alike. Looks at every fd once, the SIGIO
     * backend's too, and counts an overflow only where no thread-owned fd asked for plain SIGIO.
     */
    void overflowed() throws IOException {
        if (asyncUses[SIGIO] == 0) {
            overflows++;
        }
        loop.poller().signalQueueOverflowed(); // the SIGIO backend's signals were lost too: it looks at every fd
        polled.addAll(async);
        pollAndDispatch();
    }

    /** An async fd due for a look (registered, enabled, or moved): polled with the others due. */
    void lookAt(AsyncIoSource source) {
        if (!polled.contains(source)) {
            polled.add(source);
        }
    }

    /** Polls what {@link #lookAt} gathered. */
    void pollLookedAt() throws IOException {
        if (!polled.isEmpty()) {
            pollAndDispatch();
        }
    }

    private void signal(int signo, int fd, int band) throws IOException {
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
        loop.addPendingOnce(source);
    }

    /** Polls the sources in {@link #polled} once and dispatches the ready ones. */
    private void pollAndDispatch() throws IOException {
        if (pollList == null) {
            pollList = new PollList();
        }
        pollList.clear();
        for (AsyncIoSource source : polled) {
            pollList.add(source.number, source.pollEvents());
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

    /**
     * Called in the thread {@link EventLoop#start()} created, before it runs the loop: signal-driven
     * I/O to the thread goes to this thread from now on, and each async fd is looked at once for
     * what went to the old one meanwhile.
     */
    void movedToCurrentThread() throws IOException {
        int tid = OsThread.currentId();
        for (AsyncIoSource source : async.toArray(AsyncIoSource[]::new)) {
            Fd fd = source.fd();
            if (!fd.isOpen()) {
                source.close(); // the user closed it while registered, as IoSource notices at dispatch
                continue;
            }
            if (!source.isProcessOwned()) {
                fd.enableAsync(source.signal() == Signal.IO ? null : source.signal(), new AsyncOwner(AsyncOwner.Kind.THREAD, tid));
            }
            signals.recheck(source);
        }
    }

    /** Closes every source (a process-owned one gives back its native slots). */
    void close() {
        for (AsyncIoSource source : async.toArray(AsyncIoSource[]::new)) {
            source.close();
        }
    }

    /** Frees the poll list, last. */
    void closePollList() {
        if (pollList != null) {
            pollList.close();
        }
    }
}
