package org.fdloop;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalFd;
import org.fdloop.fd.SignalInfo;
import org.fdloop.fd.SignalSet;
import org.fdloop.internal.SignalRules;
import org.fdloop.internal.linux.SignalRecords;

/**
 * A loop's signals sent to its thread: a signalfd (an internal registration of the loop) and the
 * mask it reads, for the signals of {@link EventLoop#onThreadSignal}, the realtime signals of
 * signal-driven I/O to the thread, and SIGIO (the kernel's "realtime queue full"; the SIGIO
 * backend's too). The mask only grows; each signal in it is blocked in the thread that
 * registered it, and threads started from there inherit that. Closing takes what is still
 * pending and unblocks them again. Readiness records go to {@link AsyncSignals}.
 */
final class ThreadSignals {
    private static final int RECORDS_PER_READ = 64;

    private final EventLoop loop;
    private final AsyncSignals async;
    private SignalFd signalFd;
    private InternalSource signalFdSource;
    private int signalFdNumber = -1;
    private SignalRecords records;
    /** The threads this loop blocked signals in, each with the mask it had before. */
    private final Map<Thread, SignalSet> maskBefore = new LinkedHashMap<>();
    private final Map<Signal, List<SignalSource>> threadSources = new HashMap<>();

    ThreadSignals(EventLoop loop, AsyncSignals async) {
        this.loop = loop;
        this.async = async;
    }

    void add(SignalSource source) throws IOException {
        watch(source.signal(), "onThreadSignal(" + source.signal().name() + ")");
        threadSources.computeIfAbsent(source.signal(), s -> new ArrayList<>()).add(source);
    }

    /** Adds {@code signal} to the signalfd and blocks it in the calling thread; {@code call} needs it. */
    void watch(Signal signal, String call) throws IOException {
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
            SignalRules.claim(signal, SignalRules.Reader.SIGNALFD, call); // given back when the signalfd closes
            try {
                signalFd.setSignals(signalFd.signals().with(signal));
            } catch (IOException | RuntimeException e) {
                SignalRules.release(signal, SignalRules.Reader.SIGNALFD);
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

    void release(SignalSource source) {
        List<SignalSource> list = threadSources.get(source.signal());
        if (list != null) {
            list.remove(source);
        }
        source.clear();
    }

    private void collectSignals() throws IOException {
        int count = records.read(signalFdNumber);
        boolean overflow = false;
        for (int i = 0; i < count; i++) {
            int signo = records.signo(i);
            int code = records.code(i);
            if (async.tookThreadRecord(signo, code, records.fd(i), records.band(i))) {
                continue;
            }
            if (signo == SIGIO && code == SI_KERNEL && async.takesOverflow()) {
                // The realtime queue was full and some fd's signal was not queued. (A plain SIGIO
                // of an fd without F_SETSIG looks the same: it goes to onThreadSignal(SIGIO) too.)
                overflow = true;
            }
            List<SignalSource> sources = threadSources.get(Signal.of(signo));
            if (sources != null && !sources.isEmpty()) {
                SignalInfo info = records.info(i);
                for (SignalSource source : sources) {
                    if (source.isEnabled()) {
                        source.addRecord(info);
                        loop.addPending(source, 0);
                    }
                }
            }
            // else: no source takes this signal any more, ignoring
        }
        if (count < records.capacity()) {
            async.queueReadEmpty();
        }
        if (overflow) {
            async.overflowed();
        }
    }

    /** Closes every source. */
    void close() {
        for (List<SignalSource> sources : threadSources.values()) {
            for (SignalSource source : sources.toArray(SignalSource[]::new)) {
                source.close();
            }
        }
    }

    /** After every source is closed: takes the signals still pending, unblocks them, closes the signalfd. */
    void closeSignalFdAndRestoreMask() {
        restoreMask();
        closeSignalFd();
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
                SignalRules.release(signal, SignalRules.Reader.SIGNALFD);
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
