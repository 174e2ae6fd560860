package org.fdloop;

import org.fdloop.fd.Child;
import org.fdloop.fd.ExitStatus;

/** Handles the exit of a child started with {@link org.fdloop.fd.Spawn}: {@link EventLoop#spawn}, {@link EventLoop#onChildExit(Child, ChildHandler)}. */
@FunctionalInterface
public interface ChildHandler {
    /**
     * Called on the loop thread once, after the child exited and was reaped.
     *
     * @param source the registration, closed by now
     * @param child the child: its pipes are still open, for the rest of its output; close it when done
     * @param status how it ended
     * @throws Exception anything: the loop's {@link ErrorHandler} gets it
     */
    void exited(ChildSource source, Child child, ExitStatus status) throws Exception;
}
