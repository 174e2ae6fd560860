package org.fdloop.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.fdloop.AsyncIoSource;
import org.fdloop.fd.Fd;
import org.fdloop.fd.OsThread;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalFd;
import org.fdloop.fd.SignalInfo;
import org.fdloop.fd.SignalSet;

/**
 * What a {@link SigioCells.Cell}'s procedure observes with: fds put into signal-driven I/O to the
 * calling thread ({@link Fd#enableAsync}, realtime signal {@link #SIGNAL}), and a signalfd in that
 * thread that takes every signal they send, plain SIGIO included (the kernel's "realtime queue
 * full"). Each signal is recorded as the kernel filled it in: signo, si_code, ssi_fd (named by
 * the role the procedure gave the fd) and ssi_band.
 *
 * <p>Made by {@link SigioCells#observe}, in a platform thread of its own that blocks both
 * signals; the procedure closes every fd it watched before it returns.
 */
public final class SigioProbe implements AutoCloseable {
    /** The signal every watched fd sends (F_SETSIG). */
    public static final Signal SIGNAL = Signal.realtime(5);
    /** How long the probe waits for more signals after the last one: the end of an observation. */
    public static final Duration QUIET = Duration.ofMillis(200);
    /** How long a procedure waits for an fd to become ready. */
    public static final Duration PATIENCE = Duration.ofSeconds(10);

    /** One signal, as read from the signalfd. */
    public record Signalled(int signo, String signal, int code, String codeName, int fd, String role, int band) {
        /** {@code "SIGRTMIN+5 POLL_IN read end POLLIN|POLLRDNORM"}: what tests compare. */
        public String brief() {
            return signal + " " + codeName + " " + role + " " + AsyncIoSource.describeBand(band);
        }

        @Override
        public String toString() {
            return brief();
        }
    }

    private final SignalFd signals;
    private final int tid = OsThread.currentId();
    private final Map<Integer, String> roles = new HashMap<>();
    private final List<Signalled> seen = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    /** Set by {@link #observed()}: what comes after is the procedure's clean-up, not the observation. */
    private boolean observed;

    SigioProbe() throws IOException {
        signals = SignalFd.open(SignalSet.of(SIGNAL, Signal.IO));
    }

    /**
     * Puts {@code fd} into signal-driven I/O to this thread (F_SETSIG {@link #SIGNAL},
     * F_SETOWN_EX, O_ASYNC) and names it {@code role} in the record.
     */
    public <F extends Fd> F watch(F fd, String role) throws IOException {
        name(fd, role);
        fd.enableAsync(SIGNAL, tid);
        return fd;
    }

    /** Names {@code fd} in the record without watching it. */
    public void name(Fd fd, String role) {
        roles.put(fd.number(), role);
    }

    /** Waits until {@code fd} is readable, hung up or in error; notes it if it never is. */
    public void awaitReadable(Fd fd) throws IOException {
        if (!fd.awaitReadable(PATIENCE)) {
            note(fd.kind() + " did not become readable within " + PATIENCE.toSeconds() + " s");
        }
    }

    /** Waits until {@code fd} is writable, hung up or in error; notes it if it never is. */
    public void awaitWritable(Fd fd) throws IOException {
        if (!fd.awaitWritable(PATIENCE)) {
            note(fd.kind() + " did not become writable within " + PATIENCE.toSeconds() + " s");
        }
    }

    /** Records the signals that come until none has come for {@link #QUIET}. */
    public void settle() throws IOException {
        while (signals.awaitReadable(QUIET)) {
            for (SignalInfo info; (info = signals.read()) != null; ) {
                if (observed) {
                    continue; // the clean-up's signals (closing an end signals the other), dropped
                }
                String role = roles.getOrDefault(info.fd(), info.signo() == Signal.IO.number() && info.fd() <= 0
                        ? "no fd" : "fd " + info.fd());
                seen.add(new Signalled(info.signo(), info.signal().name(), info.code(), info.codeName(), info.fd(), role,
                        info.band()));
            }
        }
    }

    /**
     * Ends the observation: settles, and records nothing after. Every procedure calls it before
     * it closes what it opened, since a close is itself an event for the other end.
     */
    public void observed() throws IOException {
        settle();
        observed = true;
    }

    /** Whether {@link #observed()} was called. */
    public boolean isObserved() {
        return observed;
    }

    /** Settles, then forgets what came: the set-up's signals are not the observation. */
    public void forget() throws IOException {
        settle();
        seen.clear();
    }

    /** Adds a remark to the observation: what a read returned, say. */
    public void note(String remark) {
        notes.add(remark);
    }

    /** The signals recorded so far, in order. */
    public List<Signalled> signals() {
        return List.copyOf(seen);
    }

    /** The remarks so far. */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    @Override
    public void close() {
        signals.close();
    }
}
