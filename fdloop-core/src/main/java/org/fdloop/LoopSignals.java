package org.fdloop;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.fdloop.fd.AsyncOwner;
import org.fdloop.fd.Fd;
import org.fdloop.fd.LinuxException;
import org.fdloop.fd.OsThread;
import org.fdloop.fd.Pipe;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalFd;
import org.fdloop.fd.SignalInfo;
import org.fdloop.fd.SignalSet;
import org.fdloop.internal.FdAccess;
import org.fdloop.internal.SignalReaders;
import org.fdloop.internal.linux.Fasync;
import org.fdloop.internal.linux.NativeSignalHandler;
import org.fdloop.internal.linux.PollList;
import org.fdloop.internal.linux.SignalRecords;

/**
 * What a loop holds for signals, signal-driven I/O and child exits, created with the first such
 * source. Its fds are internal registrations of the loop ({@link InternalSource}), each with its
 * own handler:
 *
 * <ul>
 * <li>A signalfd for the signals sent to the loop thread: those of {@link EventLoop#onThreadSignal},
 *     the realtime signals of signal-driven I/O to the thread, and SIGIO (the kernel's "realtime
 *     queue full"). Its mask only grows; each signal in it is blocked in the thread that
 *     registered it, and threads started from there inherit that. Closing the loop takes what is
 *     still pending and unblocks them again.</li>
 * <li>A pipe into which the native signal handler ({@link NativeSignalHandler}) writes the
 *     siginfo of each process-directed signal this loop takes, on the {@link SignalRoute#NATIVE}
 *     route, and of signal-driven I/O to the process.</li>
 * </ul>
 *
 * <p>What comes from other threads, the JVM's signal handler threads on the {@link SignalRoute#JVM}
 * route ({@link SignalBridge}) and anyone who has a source due outside the poller (a child that
 * exited before its pidfd existed, an async fd to look at again), comes through the loop's one
 * cross-thread channel, {@link EventLoop#execute}.
 */
final class LoopSignals {
    private static final int RECORDS_PER_READ = 64;
    /** What the native handler's pipe is enlarged to: 8192 records (fs.pipe-max-size allows it unprivileged). */
    static final int NATIVE_PIPE_BYTES = 1 << 20;
    /** Records one collection reads at most; epoll reports the rest in the next iteration. */
    private static final int NATIVE_RECORDS_PER_COLLECT = 4096;
    private static final System.Logger LOG = System.getLogger("org.fdloop");
    /** Set to {@code false} to leave the main thread's signal mask alone ({@link #steer}). */
    static final String STEER_PROPERTY = "fdloop.steerSignals";
    private static final boolean STEER = !"false".equalsIgnoreCase(System.getProperty(STEER_PROPERTY, "true"));
    /** Whether the fallback to the JVM's handler was reported: once per process. */
    private static final AtomicBoolean fallbackReported = new AtomicBoolean();

    private final EventLoop loop;

    // thread-directed signals and signal-driven I/O
    private SignalFd signalFd;
    private InternalSource signalFdSource;
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
    private final List<SignalSource> bridged = new ArrayList<>();
    private final ConcurrentLinkedQueue<Source> due = new ConcurrentLinkedQueue<>();
    /** Whether {@link #takeQueuedTask} is in the loop's task queue and has not started yet. */
    private final AtomicBoolean taskQueued = new AtomicBoolean();
    private final EventLoop.InternalTask takeQueuedTask = this::takeQueued;

    // process-directed signals through the native handler
    private SignalRoute route;
    private final int nativePipeBytes;
    private Pipe nativePipe;
    private InternalSource nativePipeSource;
    private int nativeReadFd = -1;
    private int nativePipeRecords;
    private SignalRecords siginfo;
    /** The sources that take each signal through the native handler, by signal number; null where none. */
    private final List<List<SignalSource>> nativeSources = new ArrayList<>(Collections.nCopies(Signal.MAX_NUMBER + 1, null));
    /** The numbers of the signals in {@link #nativeSources}, for the loops over them. */
    private int[] nativeNumbers = new int[0];
    /** This loop's slot in the handler's table, by signal number; -1 where it takes no signal. */
    private final int[] nativeSlot = new int[Signal.MAX_NUMBER + 1];
    /** Records read, and signals counted as lost, since the slot was taken; by signal number. */
    private final long[] nativeRead = new long[Signal.MAX_NUMBER + 1];
    private final long[] nativeLost = new long[Signal.MAX_NUMBER + 1];
    private final long[] sentSnapshot = new long[Signal.MAX_NUMBER + 1];
    /** This loop's users of each signal through the native handler: sources, and process-owned async fds. */
    private final int[] nativeUsers = new int[Signal.MAX_NUMBER + 1];
    /** How many process-owned async sources use each signal (SIGIO: all of them, for the kernel's overflow), by number. */
    private final int[] processAsyncUses = new int[Signal.MAX_NUMBER + 1];
    private int processAsync;
    /** Set when a native record said to look at every process-owned async fd: plain SIGIO, or records lost. */
    private boolean pollProcessOwned;
    /** Set when a native signal was added or the loop changed threads: {@link #steer} looks at the thread again. */
    boolean steerPending;
    /** Set when a collection ended before it could account: look again in the next iteration. */
    private boolean nativeRecheck;
    /** Whether the pipe may have been full since the last accounting, so that records may be lost. */
    private boolean nativeMayHaveLost;

    LoopSignals(EventLoop loop, SignalRoute requested, int nativePipeBytes) {
        this.loop = loop;
        this.route = requested;
        this.nativePipeBytes = nativePipeBytes;
        Arrays.fill(nativeSlot, -1);
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
     * {@link SignalReaders}.)
     */
    void checkProcessDirected(String method, Signal signal) throws IOException {
        if (route() == SignalRoute.JVM) {
            SignalBridge.check(method, signal);
        } else {
            SignalBridge.checkNative(method, signal);
        }
    }

    void addProcessDirected(SignalSource source) throws IOException {
        if (route() == SignalRoute.NATIVE) {
            addNative(source);
            return;
        }
        SignalReaders.claim(source.signal(), SignalReaders.Kind.JVM_HANDLER, "onSignal(" + source.signal().name() + ")");
        bridged.add(source);
        try {
            SignalBridge.subscribe(source);
        } catch (IOException | RuntimeException e) {
            bridged.remove(source);
            SignalReaders.release(source.signal(), SignalReaders.Kind.JVM_HANDLER);
            throw e;
        }
    }

    private void addNative(SignalSource source) throws IOException {
        takeNative(source.signal(), "onSignal(" + source.signal().name() + ")");
        nativeSources.get(source.signal().number()).add(source);
    }

    /**
     * One more user in this loop of {@code signal} through the native handler (a source, or the
     * process-owned async fds): the first takes the signal's slot in the handler's table.
     */
    private void takeNative(Signal signal, String call) throws IOException {
        openNativePipe();
        int n = signal.number();
        if (nativeUsers[n] == 0) {
            // records of an earlier registration of this signal may still be in the pipe: take them first
            drainNative();
            nativeRead[n] = 0;
            nativeLost[n] = 0;
            SignalReaders.claim(signal, SignalReaders.Kind.NATIVE_HANDLER, call);
            int writeFd = FdAccess.get().pin(nativePipe.writeEnd());
            try {
                nativeSlot[n] = NativeSignalHandler.add(n, writeFd);
            } catch (IOException | RuntimeException e) {
                FdAccess.get().unpin(nativePipe.writeEnd());
                SignalReaders.release(signal, SignalReaders.Kind.NATIVE_HANDLER);
                throw e;
            }
            steerPending = true;
            // a signal has a slot exactly while it has a list of sources: giveBackNative clears both
            nativeSources.set(n, new ArrayList<>());
            nativeNumbers = Arrays.copyOf(nativeNumbers, nativeNumbers.length + 1);
            nativeNumbers[nativeNumbers.length - 1] = n;
        }
        nativeUsers[n]++;
    }

    /** One user fewer of {@code signal} through the native handler: the last gives its slot back. */
    private void giveBackNative(Signal signal) {
        int n = signal.number();
        if (nativeUsers[n] == 0 || --nativeUsers[n] > 0) {
            return;
        }
        // so that collecting no longer reads a slot the signal gave back
        nativeSources.set(n, null);
        nativeNumbers = Arrays.stream(nativeNumbers).filter(number -> number != n).toArray();
        int slot = nativeSlot[n];
        nativeSlot[n] = -1;
        try {
            NativeSignalHandler.remove(n, slot); // waits until no handler can write to our pipe for it
        } catch (LinuxException e) {
            // sigaction(signo, previous) failed: only EINVAL for a bad signal number could do it, ignoring
        }
        FdAccess.get().unpin(nativePipe.writeEnd());
        SignalReaders.release(signal, SignalReaders.Kind.NATIVE_HANDLER);
    }

    /**
     * Called at a blocking wait when {@link #steerPending}: where this loop's thread is the one the
     * kernel tries after the process's main thread (in a JVM the java launcher started, the thread
     * that runs {@code main}), has the main thread block this loop's native signals from the next
     * one it takes on, so that the later ones wake this thread in its wait instead of waking the
     * main thread first ({@link NativeSignalHandler#blockInMainThread}). Turned off with
     * -D{@value #STEER_PROPERTY}=false.
     */
    void steer() {
        steerPending = false;
        if (!STEER || nativeNumbers.length == 0 || OsThread.currentId() != threadAfterMain()) {
            return;
        }
        int main = OsThread.processId();
        for (int n : nativeNumbers) {
            Signal signal = Signal.of(n);
            try {
                if (!SignalSet.blockedInThread(main).contains(signal)) { // else an earlier loop's doing, or its own mask
                    NativeSignalHandler.blockInMainThread(n);
                    LOG.log(System.Logger.Level.DEBUG, () -> signal.name() + " wakes the loop thread directly from the second "
                            + "one on: the process's main thread blocks it once it took one");
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> signal.name() + " goes through the process's main thread: " + e);
            }
        }
    }

    /** The thread the kernel tries after the main thread for a process-directed signal: the second in /proc/self/task. */
    private static int threadAfterMain() {
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            int index = 0;
            for (Path task : tasks) { // in the kernel's order of the threads, which is the order they were made in
                if (index++ == 1) {
                    return Integer.parseInt(task.getFileName().toString());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no /proc: keep the kernel's choice
        }
        return -1;
    }

    private void openNativePipe() throws IOException {
        if (nativePipe != null) {
            return;
        }
        Pipe pipe = Pipe.open();
        try {
            try {
                pipe.setCapacity(nativePipeBytes);
            } catch (LinuxException e) {
                // over this user's pipe-user-pages-soft: the default 64 KiB holds 512 records, ignoring
            }
            nativePipeRecords = pipe.capacity() / (int) SignalRecords.Format.SIGINFO.size;
            nativePipeSource = loop.addInternal("the native signal handler's pipe", pipe.readEnd(), IoSource.READABLE,
                    events -> collectNative());
            nativeReadFd = nativePipeSource.polledNumber();
            siginfo = new SignalRecords(SignalRecords.Format.SIGINFO, RECORDS_PER_READ);
            nativePipe = pipe;
        } finally {
            if (nativePipe == null) {
                pipe.close();
            }
        }
    }

    void addThreadDirected(SignalSource source) throws IOException {
        watch(source.signal(), "onThreadSignal(" + source.signal().name() + ")");
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
        String call = "onAsyncIo(" + fd + ", " + source.signal().name() + (source.isProcessOwned() ? ", " + source.owner() : "")
                + ")";
        if (source.isProcessOwned()) {
            addProcessOwned(source, call);
        } else {
            watch(Signal.IO, call);
            watch(source.signal(), call);
            fd.enableAsync(source.signal() == Signal.IO ? null : source.signal(), new AsyncOwner(AsyncOwner.Kind.THREAD, tid));
            asyncUses[source.signal().number()]++;
        }
        if (number >= asyncByFd.length) {
            asyncByFd = Arrays.copyOf(asyncByFd, Math.max(number + 1, asyncByFd.length * 2));
        }
        asyncByFd[number] = source;
        async.add(source);
        recheck(source); // O_ASYNC signals changes only: look once for readiness from before
    }

    /**
     * Signal-driven I/O to this process or its group: the signal lands on any thread, and the
     * native handler writes it, with si_fd and si_band, into this loop's pipe. SIGIO is taken too:
     * it is the signal itself when plain, and the kernel's "realtime queue full" otherwise (whose
     * default action would end the JVM).
     */
    private void addProcessOwned(AsyncIoSource source, String call) throws IOException {
        if (route() != SignalRoute.NATIVE) {
            throw new IllegalStateException(call + ": signal-driven I/O to " + source.owner() + " lands on any thread of "
                    + "the JVM, and only fdloop's native handler takes such a signal with its fd and band; this loop takes "
                    + "signals sent to the process through the JVM (SignalRoute.JVM). Build it with SignalRoute.NATIVE, or "
                    + "use AsyncOwner.Kind.THREAD");
        }
        Signal signal = source.signal();
        takeNative(Signal.IO, call);
        try {
            if (signal != Signal.IO) {
                takeNative(signal, call);
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
                    giveBackNative(signal);
                }
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            giveBackNative(Signal.IO);
            throw e;
        }
        processAsyncUses[signal.number()]++;
        processAsync++;
    }

    /** Adds {@code signal} to the signalfd and blocks it in the calling thread; {@code call} needs it. */
    private void watch(Signal signal, String call) throws IOException {
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
                signalFdSource = loop.addInternal("the loop's signalfd", signalFd, IoSource.READABLE, events -> collectSignals());
                signalFdNumber = signalFdSource.polledNumber();
                records = new SignalRecords(SignalRecords.Format.SIGNALFD, RECORDS_PER_READ);
            } catch (IOException | RuntimeException e) {
                closeSignalFd();
                throw e;
            }
        }
        if (!signalFd.signals().contains(signal)) {
            SignalReaders.claim(signal, SignalReaders.Kind.SIGNALFD, call); // given back when the signalfd closes
            try {
                signalFd.setSignals(signalFd.signals().with(signal));
            } catch (IOException | RuntimeException e) {
                SignalReaders.release(signal, SignalReaders.Kind.SIGNALFD);
                throw e;
            }
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
        watch(Signal.IO, "the SIGIO backend");
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

    /**
     * Has the loop take the JVM route's counts, the due sources and a native collection left
     * unfinished, in a task through {@link EventLoop#execute}: the loop's one cross-thread wake-up.
     * At most one such task is queued at a time. Thread-safe.
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

    void release(SignalSource source) {
        if (source.isThreadDirected()) {
            List<SignalSource> list = threadSources.get(source.signal());
            if (list != null) {
                list.remove(source);
            }
            source.records.clear();
        } else if (source.isNative()) {
            releaseNative(source);
        } else {
            if (bridged.remove(source)) {
                SignalBridge.unsubscribe(source);
                SignalReaders.release(source.signal(), SignalReaders.Kind.JVM_HANDLER);
            }
        }
    }

    private void releaseNative(SignalSource source) {
        List<SignalSource> list = nativeSources.get(source.signal().number());
        if (list != null && list.remove(source)) {
            giveBackNative(source.signal());
        }
    }

    void release(AsyncIoSource source) {
        int number = source.number;
        asyncByFd[number] = null;
        async.remove(source);
        try {
            Fasync.disarm(number, "fd " + number);
        } catch (LinuxException e) {
            // the number is pinned, so it is still this file: this cannot fail but for EBADF of a bug, ignoring
        }
        if (source.isProcessOwned()) {
            processAsyncUses[source.signal().number()]--;
            processAsync--;
            if (source.signal() != Signal.IO) {
                giveBackNative(source.signal());
            }
            giveBackNative(Signal.IO);
        } else {
            asyncUses[source.signal().number()]--;
        }
        // No new signal is queued for it from here on, but some may be queued already.
        suspect.set(number);
        FdAccess.get().unpin(source.fd());
    }

    /** How many times the native handler wrote (or tried to write) {@code signal} into this loop's pipe; for tests. */
    long nativeSent(Signal signal) {
        int slot = nativeSlot[signal.number()];
        return slot < 0 ? 0 : NativeSignalHandler.sent(signal.number(), slot);
    }

    long overflows() {
        return overflows;
    }

    // ---- collecting what is ready ----------------------------------------------------------------

    /**
     * Called after every wait. Takes what other threads queued ({@link #wake}) now, in this
     * iteration, where the queued task would run only after this iteration's dispatch (the task
     * then finds nothing). And after a wait that reported nothing ready: when the native handler
     * ran on the loop's own thread during the wait, the wait ended with EINTR and the handler's
     * record is already in the pipe; taking it now hands the signal to its sources in this
     * iteration, where waiting for epoll to report the pipe would take one more wait and one more
     * pass of the loop. Costs a read of the handler's counters where this loop takes native signals.
     */
    void collectAfterWait(boolean emptyWait) throws IOException {
        if (taskQueued.get()) {
            collectQueued(); // the task still runs later, and finds nothing left
        }
        if (!emptyWait) {
            return;
        }
        for (int n : nativeNumbers) {
            if (NativeSignalHandler.sent(n, nativeSlot[n]) != nativeRead[n] + nativeLost[n]) {
                collectNative();
                return;
            }
        }
    }

    /**
     * Reads the records the native handler wrote and hands each to the sources of its signal.
     * A record is lost only when the pipe is full; reading a full pipe takes more than one read
     * (or one read of a whole pipe's worth), and only then does this also account: per signal,
     * {@code sent} (the handler's count, taken before the pipe is read) minus the records read
     * minus those reported lost already is the number lost, reported as an overflow event. A
     * handler may be between its count and its write, so that difference is believed only when
     * the pipe was found empty after the counts were taken and no handler was running then:
     * every handler counted had finished, and its record, if written, had been read.
     */
    private void collectNative() throws IOException {
        try {
            collectNativeRecords();
        } finally {
            if (pollProcessOwned) {
                pollProcessOwned = false;
                for (AsyncIoSource source : async) {
                    if (source.isProcessOwned() && !polled.contains(source)) {
                        polled.add(source);
                    }
                }
                pollAndDispatch();
            }
        }
    }

    private void collectNativeRecords() throws IOException {
        nativeRecheck = false;
        int taken = 0;
        for (int round = 0; round < 8; round++) {
            for (int n : nativeNumbers) {
                sentSnapshot[n] = NativeSignalHandler.sent(n, nativeSlot[n]);
            }
            long active = NativeSignalHandler.active();
            int reads = 0;
            int read = 0;
            while (true) {
                int k = siginfo.read(nativeReadFd);
                reads++;
                read += k;
                deliverNative(k);
                if (k < siginfo.capacity()) {
                    break; // the pipe was empty after these
                }
                if (taken + read >= NATIVE_RECORDS_PER_COLLECT) {
                    nativeMayHaveLost = true;
                    return; // more is waiting: epoll reports the pipe again, and this goes on then
                }
            }
            taken += read;
            if (reads > 1 || read >= nativePipeRecords) {
                nativeMayHaveLost = true;
            }
            if (!nativeMayHaveLost) {
                return; // the pipe has not been full since the last accounting: nothing can be lost
            }
            if (active == 0 && read == 0) {
                settleNative();
                nativeMayHaveLost = false;
                return;
            }
            Thread.onSpinWait(); // a handler is between its count and its write, or more came meanwhile
        }
        nativeRecheck = true; // still busy: look again in the next iteration
        wake();
    }

    /** Hands the {@code count} records just read to the sources of their signals. */
    private void deliverNative(int count) throws IOException {
        for (int i = 0; i < count; i++) {
            int signo = siginfo.signo(i);
            if (signo <= 0 || signo > Signal.MAX_NUMBER) {
                continue; // not a record the handler wrote, ignoring
            }
            nativeRead[signo]++;
            if (processAsync > 0) {
                int code = siginfo.code(i);
                if (code >= POLL_IN && code <= POLL_HUP && processAsyncUses[signo] > 0) {
                    asyncSignal(signo, siginfo.fd(i), siginfo.band(i));
                    continue;
                }
                if (signo == SIGIO && code == SI_KERNEL) {
                    // plain SIGIO, which names no fd, or the kernel's "realtime queue full"
                    if (processAsyncUses[SIGIO] == 0) {
                        overflows++;
                    }
                    pollProcessOwned = true;
                    continue;
                }
            }
            List<SignalSource> sources = nativeSources.get(signo);
            if (sources == null) {
                continue; // no source takes this signal any more, ignoring
            }
            SignalInfo info = null;
            for (SignalSource source : sources) {
                if (!source.isEnabled()) {
                    continue;
                }
                if (source.takesInfo()) {
                    if (info == null) {
                        info = siginfo.info(i);
                    }
                    source.records.add(info);
                    loop.addPending(source, 0);
                } else {
                    countNative(source, 1);
                }
            }
        }
    }

    /** Reports what the handler counted and the pipe did not hold, per signal, as lost. */
    private void settleNative() {
        for (int n : nativeNumbers) {
            long lost = sentSnapshot[n] - nativeRead[n] - nativeLost[n];
            if (lost <= 0) {
                continue;
            }
            nativeLost[n] += lost;
            if (processAsyncUses[n] > 0 || n == SIGIO && processAsync > 0) {
                pollProcessOwned = true; // a readiness signal was lost: look at the fds instead
            }
            for (SignalSource source : nativeSources.get(n)) {
                if (!source.isEnabled()) {
                    continue;
                }
                if (source.takesInfo()) {
                    source.lostPending += lost;
                    loop.addPending(source, 0);
                } else {
                    countNative(source, lost);
                }
            }
        }
    }

    private void countNative(SignalSource source, long deliveries) {
        source.nativeCount += deliveries;
        loop.addPendingOnce(source);
    }

    /** Takes every record in the pipe now (before a slot is taken anew), without settling. */
    private void drainNative() throws IOException {
        if (siginfo == null) {
            return;
        }
        int k;
        do {
            k = siginfo.read(nativeReadFd);
            deliverNative(k);
            nativeMayHaveLost |= k > 0;
        } while (k == siginfo.capacity());
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
        if (nativeRecheck) {
            collectNative();
        }
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
        steerPending = nativeNumbers.length > 0;
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
            recheck(source);
        }
    }

    /** Closes every source here, takes the signals still pending and unblocks them, and closes the fds. */
    void close() {
        for (SignalSource source : bridged.toArray(SignalSource[]::new)) {
            source.close();
        }
        // closing the last source of a signal takes its list out of nativeSources: close from a copy
        for (SignalSource source : Arrays.stream(nativeNumbers).mapToObj(nativeSources::get).flatMap(List::stream)
                .toArray(SignalSource[]::new)) {
            source.close();
        }
        for (AsyncIoSource source : async.toArray(AsyncIoSource[]::new)) {
            source.close(); // a process-owned one gives back its native slots
        }
        if (nativePipe != null) {
            // every slot is empty and no handler writes to the pipe any more (remove() waited)
            nativePipeSource.close(); // the read end
            nativePipe.close();
            siginfo.close();
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
            for (Signal signal : signalFd.signals().signals()) {
                SignalReaders.release(signal, SignalReaders.Kind.SIGNALFD);
            }
            if (signalFdSource != null) {
                signalFdSource.close(); // closes the signalfd too
            } else {
                signalFd.close();
            }
            signalFd = null;
        }
        if (records != null) {
            records.close();
        }
    }
}
