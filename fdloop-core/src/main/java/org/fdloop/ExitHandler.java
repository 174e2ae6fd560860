package org.fdloop;

/** Handles a child process's exit: {@link EventLoop#onExit}. */
@FunctionalInterface
public interface ExitHandler {
    /**
     * Called on the loop thread once, after the child exited and the JDK collected its status.
     *
     * @param source the registration, closed by now
     * @param process the child
     * @param exitValue {@link Process#exitValue()}: the exit status, or 128 + the signal that ended it
     * @throws Exception anything the handler throws goes to the loop's {@link ErrorHandler}, and the loop goes on
     */
    void exited(ExitSource source, Process process, int exitValue) throws Exception;
}
