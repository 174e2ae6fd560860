package org.fdloop;

import java.io.IOException;
import org.fdloop.fd.Child;
import org.fdloop.fd.ExitStatus;
import org.fdloop.internal.FdAccess;

/**
 * A child started with {@link org.fdloop.fd.Spawn} whose exit a loop reports once, with its
 * status: {@link EventLoop#spawn}, {@link EventLoop#onChildExit(Child, ChildHandler)}.
 *
 * <p>The loop waits on the child's pidfd, which turns readable when the child exits: no thread,
 * no SIGCHLD, no polling. On that event the source reaps the child
 * ({@code waitid(P_PIDFD, WNOHANG)}), closes itself and runs the handler with the status.
 *
 * <p>Closing the source before the child exited, or closing the loop (which closes every
 * source), closes the {@link Child}: it is killed with SIGKILL, with its process group when it
 * leads one, and reaped, so that no zombie is left; the close blocks until it is gone. To let
 * a child finish its work, stop it yourself first (send SIGTERM and wait for the handler)
 * before closing the loop. After the handler ran, the child is the handler's to close.
 */
public final class ChildSource extends PolledSource {
    private final Child child;
    private final ChildHandler handler;
    /** The pidfd's number, pinned while the source is open. */
    private final int pidFd;

    private ChildSource(EventLoop loop, Child child, int pidFd, ChildHandler handler) {
        super(loop, "child " + child.pid() + " (" + child.program() + ")");
        this.child = child;
        this.pidFd = pidFd;
        this.handler = handler;
    }

    static ChildSource open(EventLoop loop, Child child, ChildHandler handler) {
        int number = FdAccess.get().pin(child.pidFd());
        return new ChildSource(loop, child, number, handler);
    }

    /** {@return the child} */
    public Child child() {
        return child;
    }

    @Override
    int polledNumber() {
        return pidFd;
    }

    @Override
    void register() throws IOException {
        if (!registered()) {
            addToPoller(IoSource.READABLE);
        }
    }

    @Override
    void registrationFailed() {
        FdAccess.get().unpin(child.pidFd());
    }

    @Override
    boolean keepsLoopAlive() {
        return true;
    }

    @Override
    void dispatch(int events) throws Exception {
        ExitStatus status = child.isClosed() ? child.status() : child.tryReap();
        if (status == null) {
            return; // not exited after all
        }
        close();
        handler.exited(this, child, status);
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
        FdAccess.get().unpin(child.pidFd());
        loop.release(this);
        if (child.status() == null) {
            child.close(); // kills and reaps it: no zombie outlives the source
        }
    }
}
