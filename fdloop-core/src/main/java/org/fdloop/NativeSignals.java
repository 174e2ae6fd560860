package org.fdloop;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.fdloop.fd.LinuxException;
import org.fdloop.fd.OsThread;
import org.fdloop.fd.OsPipe;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalInfo;
import org.fdloop.fd.SignalSet;
import org.fdloop.internal.FdAccess;
import org.fdloop.internal.SignalRules;
import org.fdloop.internal.linux.NativeSignalHandler;
import org.fdloop.internal.linux.SignalRecords;

/**
 * A loop's signals on the {@link SignalRoute#NATIVE} route: the pipe into which fdloop's native
 * handler ({@link NativeSignalHandler}) writes the siginfo of each process-directed signal this
 * loop takes (an internal registration of the loop), the loop's slots in the handler's table,
 * the accounting of records the full pipe lost, and the main thread's block of these signals
 * ({@link #steer}). Signal-driven I/O to the process shares the slots: its records go to
 * {@link AsyncSignals}.
 */
final class NativeSignals {
    private static final int RECORDS_PER_READ = 64;
    /** Records one collection reads at most; epoll reports the rest in the next iteration. */
    private static final int NATIVE_RECORDS_PER_COLLECT = 4096;
    private static final System.Logger LOG = System.getLogger("org.fdloop");
    /** Set to {@code false} to leave the main thread's signal mask alone ({@link #steer}). */
    static final String STEER_PROPERTY = "fdloop.steerSignals";
    private static final boolean STEER = !"false".equalsIgnoreCase(System.getProperty(STEER_PROPERTY, "true"));

    private final EventLoop loop;
    private final LoopSignals signals;
    private final AsyncSignals async;
    private final int nativePipeBytes;
    private OsPipe nativePipe;
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
    /** Set when a native signal was added or the loop changed threads: {@link #steer} looks at the thread again. */
    boolean steerPending;
    /** Set when a collection ended before it could account: look again in the next iteration. */
    private boolean nativeRecheck;
    /** Whether the pipe may have been full since the last accounting, so that records may be lost. */
    private boolean nativeMayHaveLost;

    NativeSignals(EventLoop loop, LoopSignals signals, AsyncSignals async, int nativePipeBytes) {
        this.loop = loop;
        this.signals = signals;
        this.async = async;
        this.nativePipeBytes = nativePipeBytes;
        Arrays.fill(nativeSlot, -1);
    }

    void add(SignalSource source) throws IOException {
        take(source.signal(), "onSignal(" + source.signal().name() + ")");
        nativeSources.get(source.signal().number()).add(source);
    }

    /**
     * One more user in this loop of {@code signal} through the native handler (a source, or the
     * process-owned async fds): the first takes the signal's slot in the handler's table.
     */
    void take(Signal signal, String call) throws IOException {
        openNativePipe();
        int n = signal.number();
        if (nativeUsers[n] == 0) {
            // records of an earlier registration of this signal may still be in the pipe: take them first
            drainNative();
            nativeRead[n] = 0;
            nativeLost[n] = 0;
            SignalRules.claim(signal, SignalRules.Reader.NATIVE_HANDLER, call);
            int writeFd = FdAccess.get().pin(nativePipe.writeEnd());
            try {
                nativeSlot[n] = NativeSignalHandler.add(n, writeFd);
            } catch (IOException | RuntimeException e) {
                FdAccess.get().unpin(nativePipe.writeEnd());
                SignalRules.release(signal, SignalRules.Reader.NATIVE_HANDLER);
                throw e;
            }
            steerPending = true;
            // a signal has a slot exactly while it has a list of sources: giveBack clears both
            nativeSources.set(n, new ArrayList<>());
            nativeNumbers = Arrays.copyOf(nativeNumbers, nativeNumbers.length + 1);
            nativeNumbers[nativeNumbers.length - 1] = n;
        }
        nativeUsers[n]++;
    }

    /** One user fewer of {@code signal} through the native handler: the last gives its slot back. */
    void giveBack(Signal signal) {
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
        SignalRules.release(signal, SignalRules.Reader.NATIVE_HANDLER);
    }

    void release(SignalSource source) {
        List<SignalSource> list = nativeSources.get(source.signal().number());
        if (list != null && list.remove(source)) {
            giveBack(source.signal());
        }
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
        OsPipe pipe = OsPipe.open();
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

    /** How many times the native handler wrote (or tried to write) {@code signal} into this loop's pipe; for tests. */
    long sent(Signal signal) {
        int slot = nativeSlot[signal.number()];
        return slot < 0 ? 0 : NativeSignalHandler.sent(signal.number(), slot);
    }

    /**
     * Called after a wait that reported nothing ready: when the native handler ran on the loop's
     * own thread during the wait, the wait ended with EINTR and the handler's record is already in
     * the pipe; taking it now hands the signal to its sources in this iteration, where waiting for
     * epoll to report the pipe would take one more wait and one more pass of the loop. Costs a
     * read of the handler's counters where this loop takes native signals.
     */
    void collectAfterEmptyWait() throws IOException {
        for (int n : nativeNumbers) {
            if (NativeSignalHandler.sent(n, nativeSlot[n]) != nativeRead[n] + nativeLost[n]) {
                collectNative();
                return;
            }
        }
    }

    /** Called when the loop takes what was queued for it: goes on with a collection that ended unfinished. */
    void collectIfUnfinished() throws IOException {
        if (nativeRecheck) {
            collectNative();
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
            async.pollProcessOwnedIfAsked();
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
        signals.wake();
    }

    /** Hands the {@code count} records just read to the sources of their signals. */
    private void deliverNative(int count) throws IOException {
        for (int i = 0; i < count; i++) {
            int signo = siginfo.signo(i);
            if (signo <= 0 || signo > Signal.MAX_NUMBER) {
                continue; // not a record the handler wrote, ignoring
            }
            nativeRead[signo]++;
            if (async.isProcessOwned() && async.tookRecord(signo, siginfo.code(i), siginfo.fd(i), siginfo.band(i))) {
                continue;
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
                    source.addRecord(info);
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
            async.recordsLost(n);
            for (SignalSource source : nativeSources.get(n)) {
                if (!source.isEnabled()) {
                    continue;
                }
                if (source.takesInfo()) {
                    source.addLost(lost);
                    loop.addPending(source, 0);
                } else {
                    countNative(source, lost);
                }
            }
        }
    }

    private void countNative(SignalSource source, long deliveries) {
        source.addCount(deliveries);
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

    /** The loop moved to the thread start() created: the main thread's block is looked at again there. */
    void movedToCurrentThread() {
        steerPending = nativeNumbers.length > 0;
    }

    /** Closes the sources (the signals' slots go back), then the pipe. */
    void close() {
        // closing the last source of a signal takes its list out of nativeSources: close from a copy
        for (SignalSource source : Arrays.stream(nativeNumbers).mapToObj(nativeSources::get).flatMap(List::stream)
                .toArray(SignalSource[]::new)) {
            source.close();
        }
    }

    /** Closes the pipe, once every slot is given back (process-owned async fds give theirs back as they close). */
    void closePipe() {
        if (nativePipe != null) {
            // every slot is empty and no handler writes to the pipe any more (remove() waited)
            nativePipeSource.close(); // the read end
            nativePipe.close();
            siginfo.close();
        }
    }
}
