package org.fdloop.internal.backend;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.fdloop.backend.Backend;
import org.fdloop.fd.LinuxException;
import org.fdloop.fd.Signal;
import org.fdloop.internal.SignalRules;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.EventCalls;
import org.fdloop.internal.linux.Fasync;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.PollList;
import org.fdloop.internal.linux.ProcessCalls;
import org.fdloop.internal.linux.SignalRecords;
import org.fdloop.internal.linux.Structs;

/**
 * The signal-driven backend: every fd that can signal is armed for a realtime signal to the loop
 * thread (F_SETSIG SIGRTMIN+9, F_SETOWN_EX the loop thread, O_ASYNC: {@link Fasync}), and the loop
 * waits in ppoll on a signalfd for that signal, next to the fds that cannot signal.
 *
 * <p>A signal says that an fd's readiness changed, so the loop gets level-triggered semantics from
 * edges by looking again (one poll(2), no waiting) at what it reported ready last time, at what is
 * new or modified, and at each fd a signal named; the readiness it reports is always what that poll
 * found, so a signal queued for a file whose fd number was closed and reused since reports nothing
 * wrong. Readiness that existed before arming raises no signal: a new fd is looked at once.
 *
 * <p>Files without a {@code ->fasync} method never signal, and the kernel drops their O_ASYNC
 * (eventfd, timerfd, signalfd, pidfd, epoll: see {@link Fasync}); the loop's own wake-up eventfd,
 * its signalfd and every pidfd are such fds. They are polled on every wait.
 *
 * <p>When the realtime signal queue is full (RLIMIT_SIGPENDING), the kernel sends one plain SIGIO
 * instead. The loop reads SIGIO from its own signalfd (a signal goes to whichever signalfd reads it
 * first, so it is read in one place) and calls {@link #signalQueueOverflowed()}: the next wait
 * looks at every fd once, then goes on with signals, as nginx's rtsig module did.
 *
 * <p>The signals go to one thread, so a thread can own one SIGIO loop. When the loop moves to
 * the thread {@code start()} creates, the next wait re-owns every fd to it and looks at all of them.
 */
final class SigioPoller extends PollSetPoller {
    /** The readiness signal is SIGRTMIN + this. */
    static final int SIGNAL_OFFSET = 9;
    private static final int RECORDS_PER_READ = 64;
    /** The threads that own a SIGIO loop: two would read each other's signals. */
    private static final Set<Thread> OWNERS = ConcurrentHashMap.newKeySet();

    private final int signal;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment sigset;
    private final int signalFd;
    private final SignalRecords records;
    /** The wait: the signalfd, then the fds looked at. */
    private final PollList list = new PollList();
    /** The fds signals named, looked at without waiting. */
    private final PollList hints = new PollList();
    private int[] listIndex = new int[16];
    private int[] hintIndex = new int[16];

    // parallel to the table
    /** Armed, and its file kept O_ASYNC: it signals. */
    private boolean[] signals = new boolean[16];
    /** Looked at by the next wait: new, modified, or ready last time. */
    private boolean[] recheck = new boolean[16];
    /** The wait that last reported it, or that a signal named it in. */
    private int[] seen = new int[16];
    private int pass;
    private boolean recheckAll;

    private Thread owner;
    private int ownerTid;
    private final Thread blockedIn;
    private final boolean wasBlocked;
    private boolean closed;

    SigioPoller(int maxEvents) throws IOException {
        super(maxEvents);
        Thread current = Thread.currentThread();
        if (current.isVirtual()) {
            throw new IllegalStateException("the SIGIO backend sends readiness signals to the loop's OS thread, and a virtual "
                    + "thread moves between carriers: open the loop on a platform thread");
        }
        if (!OWNERS.add(current)) {
            throw new IllegalStateException("thread '" + current.getName() + "' owns a SIGIO loop already: its readiness "
                    + "signals go to the thread, and two loops would take each other's. Open this one with another backend, "
                    + "or on another thread");
        }
        this.signal = ProcessCalls.sigrtmin() + SIGNAL_OFFSET;
        try {
            SignalRules.claim(Signal.of(signal), SignalRules.Reader.SIGNALFD, "the SIGIO backend's readiness signal");
        } catch (RuntimeException e) {
            OWNERS.remove(current);
            list.close();
            hints.close();
            arena.close();
            throw e;
        }
        this.sigset = arena.allocate(Structs.SIGSET);
        int word = (signal - 1) / 64;
        sigset.set(JAVA_LONG, word * 8L, 1L << ((signal - 1) % 64));
        MemorySegment before = arena.allocate(Structs.SIGSET);
        int opened = -1;
        try {
            // blocked before any fd is armed: its default action would end the JVM
            Errno.check(ProcessCalls.pthreadSigmask(SIG_BLOCK, sigset, before), "pthread_sigmask(SIG_BLOCK)");
            this.wasBlocked = (before.get(JAVA_LONG, word * 8L) & (1L << ((signal - 1) % 64))) != 0;
            this.blockedIn = current;
            opened = Errno.check(EventCalls.signalfd(-1, sigset, SFD_CLOEXEC | SFD_NONBLOCK), "signalfd(SIGRTMIN+" + SIGNAL_OFFSET + ")");
            this.signalFd = opened;
            this.records = new SignalRecords(SignalRecords.Format.SIGNALFD, RECORDS_PER_READ);
        } catch (IOException | RuntimeException e) {
            OWNERS.remove(current);
            SignalRules.release(Signal.of(signal), SignalRules.Reader.SIGNALFD);
            if (opened >= 0) {
                IoCalls.close(opened);
            }
            list.close();
            hints.close();
            arena.close();
            throw e;
        }
        this.owner = current;
        this.ownerTid = ProcessCalls.gettid();
    }

    @Override
    public int readinessSignal() {
        return signal;
    }

    @Override
    public void signalQueueOverflowed() {
        recheckAll = true;
    }

    // ---- the table ------------------------------------------------------------------------------

    @Override
    void added(int i) throws IOException {
        if (signals.length < fds.length) {
            signals = Arrays.copyOf(signals, fds.length);
            recheck = Arrays.copyOf(recheck, fds.length);
            seen = Arrays.copyOf(seen, fds.length);
        }
        int fd = fds[i];
        if (Fasync.isArmed(fd, name(fd))) {
            throw new IllegalStateException("fd " + fd + " is in signal-driven I/O already (onAsyncIo, or other code), and the "
                    + "SIGIO backend needs its own signal on it: close that registration (or clear O_ASYNC) first");
        }
        signals[i] = Fasync.arm(fd, signal, ownerTid, name(fd));
        recheck[i] = true; // readiness from before arming raised no signal
        seen[i] = 0;
    }

    @Override
    void modified(int i) {
        recheck[i] = true;
    }

    @Override
    void removed(int i) {
        if (signals[i]) {
            try {
                Fasync.disarm(fds[i], name(fds[i]));
            } catch (LinuxException e) {
                // the loop pins the number until this returns, so it is the registered file: cannot fail, ignoring
            }
            signals[i] = false;
        }
    }

    @Override
    void moved(int from, int to) {
        signals[to] = signals[from];
        recheck[to] = recheck[from];
        seen[to] = seen[from];
    }

    private static String name(int fd) {
        return "fd " + fd;
    }

    // ---- waiting ----------------------------------------------------------------------------------

    @Override
    void waitFor(long timeoutNanos) throws IOException {
        Thread current = Thread.currentThread();
        if (current != owner) {
            follow(current);
        }
        boolean look = recheckAll;
        for (int i = 0; i < size && !look; i++) {
            look = recheck[i] && pollEvents(i) != 0;
        }
        pollOnce(look ? 0 : timeoutNanos);
        if (look && readyCount() == 0 && timeoutNanos != 0) {
            pollOnce(timeoutNanos); // nothing looked at was ready: now wait for signals
        }
    }

    /** One ppoll over the signalfd, the fds that cannot signal and those to look at again. */
    private void pollOnce(long timeoutNanos) throws IOException {
        pass++;
        boolean all = recheckAll;
        recheckAll = false;
        list.clear();
        list.add(signalFd, POLLIN);
        int n = 0;
        int first = firstIndex(); // as the other poll-set backends: a full ready list does not always favour the same fds
        for (int k = 0; k < size; k++) {
            int i = (first + k) % size;
            int interest = pollEvents(i);
            if (interest != 0 && (!signals[i] || recheck[i] || all)) {
                if (n == listIndex.length) {
                    listIndex = Arrays.copyOf(listIndex, n * 2);
                }
                listIndex[n++] = i;
                list.add(fds[i], interest);
                recheck[i] = false;
            }
        }
        list.ppoll(timeoutNanos);
        for (int k = 0; k < n; k++) {
            int revents = list.revents(k + 1);
            if (revents != 0) {
                ready(listIndex[k], revents);
            }
        }
        if ((list.revents(0) & POLLIN) != 0) {
            takeSignals();
        }
    }

    private void ready(int i, int revents) {
        seen[i] = pass;
        report(i, revents);
        if (signals[i]) {
            recheck[i] = true; // level-triggered: no new signal comes while it stays ready, so look again
        }
    }

    /** Reads the queued readiness signals and looks at each fd they name once. */
    private void takeSignals() throws IOException {
        hints.clear();
        int m = 0;
        int count;
        do {
            count = records.read(signalFd);
            for (int j = 0; j < count; j++) {
                int code = records.code(j);
                if (records.signo(j) != signal || code < POLL_IN || code > POLL_HUP) {
                    continue; // sent by someone else (tgkill, sigqueue), ignoring
                }
                int i = indexOf(records.fd(j));
                if (i < 0 || !signals[i] || pollEvents(i) == 0 || seen[i] == pass) {
                    continue; // removed since, disarmed, or reported already in this wait
                }
                seen[i] = pass;
                if (m == hintIndex.length) {
                    hintIndex = Arrays.copyOf(hintIndex, m * 2);
                }
                hintIndex[m++] = i;
                hints.add(fds[i], pollEvents(i));
            }
        } while (count == records.capacity());
        if (m > 0 && hints.pollNow() > 0) {
            for (int k = 0; k < m; k++) {
                int revents = hints.revents(k);
                if (revents != 0) {
                    ready(hintIndex[k], revents);
                }
            }
        }
    }

    /** The loop moved to {@code current} (start()): its signals go there from now on. */
    private void follow(Thread current) throws IOException {
        OWNERS.remove(owner);
        OWNERS.add(current);
        owner = current;
        ownerTid = ProcessCalls.gettid();
        Errno.check(ProcessCalls.pthreadSigmask(SIG_BLOCK, sigset, MemorySegment.NULL), "pthread_sigmask(SIG_BLOCK)"); // inherited from the thread that started it; made sure
        for (int i = 0; i < size; i++) {
            if (signals[i]) {
                Fasync.setOwner(fds[i], ownerTid, name(fds[i]));
            }
        }
        recheckAll = true; // what was signalled to the old thread stays pending there
    }

    @Override
    public Backend backend() {
        return Backend.SIGIO;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i < size; i++) {
            removed(i);
        }
        OWNERS.remove(owner);
        if (Thread.currentThread() == blockedIn) {
            try {
                // no fd signals any more: take what is pending, then unblock (a pending one would end the JVM)
                while (records.read(signalFd) == records.capacity()) {
                    // dropped: the loop is closing
                }
                if (!wasBlocked) {
                    Errno.check(ProcessCalls.pthreadSigmask(SIG_UNBLOCK, sigset, MemorySegment.NULL), "pthread_sigmask(SIG_UNBLOCK)");
                }
            } catch (LinuxException e) {
                // reading our own signalfd or pthread_sigmask failed: the signal stays blocked, which is safe, ignoring
            }
        }
        IoCalls.close(signalFd);
        SignalRules.release(Signal.of(signal), SignalRules.Reader.SIGNALFD);
        records.close();
        list.close();
        hints.close();
        arena.close();
    }
}
