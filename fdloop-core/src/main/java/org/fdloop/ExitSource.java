package org.fdloop;

import java.io.IOException;
import org.fdloop.fd.PidFd;

/**
 * A child process whose exit a loop reports once: {@link EventLoop#onExit}.
 *
 * <p>The loop waits on a pidfd (readable once the process exited) and never reaps the child:
 * the JDK's reaper does, and the handler gets the status the JDK collected. A pidfd turns
 * readable as the child exits, which can be a moment before the JDK has its status; the loop
 * then waits for the JDK ({@link Process#onExit()}) and dispatches after it. A child that exited
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
