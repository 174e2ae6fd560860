package org.fdloop;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.fdloop.internal.linux.Constants.*;
import static org.fdloop.internal.linux.SpawnCalls.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.fdloop.fd.PidFd;
import org.fdloop.internal.linux.SpawnCalls;

/**
 * A child process whose exit a loop reports once: {@link EventLoop#onExit}.
 *
 * <p>The loop waits on a pidfd (readable once the process exited) and never reaps the child:
 * the JDK's reaper does. When the pidfd turns readable the loop reads the exit status from the
 * exited child without reaping it ({@code waitid(P_PIDFD, WEXITED | WNOWAIT)}: the child stays a
 * zombie for the JDK's reaper, which collects it as usual) and runs the handler at once, in that
 * iteration. So the handler may run a moment before the JDK has the status too: in it,
 * {@link Process#isAlive()} can still be true and {@link Process#exitValue()} can still throw;
 * {@link Process#waitFor()} returns at once or nearly so. Where the status cannot be read that way
 * (the JDK reaped the child first, or the {@code Process} is not this JVM's child), the loop
 * waits for the JDK ({@link Process#onExit()}) and dispatches after it. A child that exited
 * before the registration, even one the JDK reaped already, is reported on the next iteration.
 *
 * <p>The source closes itself before its handler runs. Closing it earlier cancels the report;
 * the child goes on running.
 */
public final class ExitSource extends PolledSource {
    private final Process process;
    /** The pidfd, or null when the child was reaped before it could be opened. */
    private final PidFd pidFd;
    private final ExitHandler handler;
    /** Whether the loop waits for the JDK to collect the status (the pidfd is out of the poller). */
    private boolean waitingForJdk;

    private ExitSource(EventLoop loop, Process process, PidFd pidFd, ExitHandler handler) {
        super(loop, "exit of pid " + process.pid());
        this.process = process;
        this.pidFd = pidFd;
        this.handler = handler;
    }

    /** A source for {@code process} with its pidfd open, or without one if the child is gone already. */
    static ExitSource open(EventLoop loop, Process process, ExitHandler handler) throws IOException {
        PidFd pidFd = PidFd.openUnlessGone(process.toHandle()); // null: exited and reaped already, reportIfGone() dispatches it
        return new ExitSource(loop, process, pidFd, handler);
    }

    /** {@return the child} */
    public Process process() {
        return process;
    }

    @Override
    int polledNumber() {
        return pidFd.number();
    }

    /** Puts the pidfd in the wait set, or has a child gone already reported on the next iteration. */
    @Override
    void register() throws IOException {
        if (pidFd != null && !waitingForJdk && !registered()) {
            addToPoller(IoSource.READABLE);
        }
        reportIfGone();
    }

    @Override
    void registrationFailed() {
        closePidFd();
    }

    /** Has the loop dispatch this source on its next iteration if the child is gone already. */
    private void reportIfGone() {
        if (pidFd == null || !process.isAlive()) {
            loop.due(this);
        }
    }

    private void closePidFd() {
        if (pidFd != null) {
            pidFd.close();
        }
    }

    @Override
    boolean keepsLoopAlive() {
        return true;
    }

    @Override
    void dispatch(int events) throws Exception {
        int exitValue = pidFd != null && !waitingForJdk ? exitValueWithoutReaping() : -1;
        if (exitValue >= 0) {
            close();
            handler.exited(this, process, exitValue);
            return;
        }
        if (process.isAlive()) {
            // The pidfd says the child exited, but the JDK's reaper has not stored its status yet.
            removeFromPollerQuietly();
            if (!waitingForJdk) {
                waitingForJdk = true;
                // on the JDK's thread, through execute()'s queue, the loop's one cross-thread channel
                process.onExit().whenComplete((p, failure) -> loop.due(this));
            }
            return;
        }
        close();
        handler.exited(this, process, process.exitValue());
    }

    /**
     * The exit value {@link Process#exitValue()} will give, read from the exited child without
     * reaping it ({@code waitid(P_PIDFD, WEXITED | WNOWAIT | WNOHANG)}), or -1 when there is none to
     * read: the child has not exited, the JDK's reaper took it already (ECHILD), or it is not this
     * JVM's child (ECHILD). WNOWAIT leaves the child waitable, so the JDK's reaper, blocked in
     * {@code waitpid(pid)} for it, still collects it and its status.
     */
    private int exitValueWithoutReaping() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(SIGINFO_BYTES, 8);
            // the pidfd stays open until onClose, on this thread: no acquire needed
            int r = SpawnCalls.waitid(P_PIDFD, pidFd.number(), info, WEXITED | WNOWAIT | WNOHANG);
            if (r < 0 || info.get(JAVA_INT, SIGINFO_PID) == 0) {
                return -1;
            }
            int status = info.get(JAVA_INT, SIGINFO_STATUS);
            return switch (info.get(JAVA_INT, SIGINFO_CODE)) {
                case CLD_EXITED -> status & 0xff;
                case CLD_KILLED, CLD_DUMPED -> 0x80 + status; // as the JDK reports a signal's end
                default -> -1;
            };
        }
    }

    @Override
    void onEnable() throws IOException {
        register();
    }

    @Override
    void onDisable() {
        removeFromPollerQuietly();
    }

    @Override
    void onClose() {
        removeFromPollerQuietly();
        closePidFd();
        loop.release(this);
    }
}
