package org.fdloop;

import java.io.IOException;
import org.fdloop.fd.PidFd;

/**
 * Any process whose exit a loop reports once: {@link EventLoop#onExit(ProcessHandle, ProcessExitHandler)}.
 *
 * <p>The loop waits on a pidfd ({@code pidfd_open(2)}), readable once the process exited: no
 * thread and no polling, for a process that is not this JVM's child as for one that is. The
 * exit status is not reported: only the process's parent can read it, and reading it is the
 * parent's business (for a child started with {@link org.fdloop.fd.Spawn}, use
 * {@link EventLoop#onChildExit(org.fdloop.fd.Child, ChildHandler)}; for a JDK {@link Process},
 * {@link EventLoop#onExit(Process, ExitHandler)}). The loop never reaps anything here.
 *
 * <p>A process that is gone before the registration is reported on the next iteration. The
 * source closes itself before its handler runs; closing it earlier cancels the report and does
 * nothing to the process.
 */
public final class ProcessExitSource extends PolledSource {
    private final ProcessHandle process;
    /** The pidfd, or null when the process was gone before it could be opened. */
    private final PidFd pidFd;
    private final ProcessExitHandler handler;

    private ProcessExitSource(EventLoop loop, ProcessHandle process, PidFd pidFd, ProcessExitHandler handler) {
        super(loop, "exit of process " + process.pid());
        this.process = process;
        this.pidFd = pidFd;
        this.handler = handler;
    }

    static ProcessExitSource open(EventLoop loop, ProcessHandle process, ProcessExitHandler handler) throws IOException {
        PidFd pidFd = PidFd.openUnlessGone(process);
        return new ProcessExitSource(loop, process, pidFd, handler);
    }

    /** {@return the process} */
    public ProcessHandle process() {
        return process;
    }

    @Override
    int polledNumber() {
        return pidFd.number();
    }

    /** Puts the pidfd in the wait set, or has a process gone already reported on the next iteration. */
    @Override
    void register() throws IOException {
        if (pidFd != null && !registered()) {
            addToPoller(IoSource.READABLE);
        }
        reportIfGone();
    }

    @Override
    void registrationFailed() {
        if (pidFd != null) {
            pidFd.close();
        }
    }

    /** Has the loop report the process on its next iteration if it was gone before the pidfd. */
    private void reportIfGone() {
        if (pidFd == null) {
            loop.due(this);
        }
    }

    @Override
    boolean keepsLoopAlive() {
        return true;
    }

    @Override
    void dispatch(int events) throws Exception {
        close();
        handler.exited(this, process);
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
        if (pidFd != null) {
            pidFd.close();
        }
        loop.release(this);
    }
}
