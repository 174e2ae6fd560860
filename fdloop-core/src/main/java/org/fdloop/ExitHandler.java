package org.fdloop;

/** Handles a child process's exit: {@link EventLoop#onExit}. */
@FunctionalInterface
public interface ExitHandler {
    /**
     * Called on the loop thread once, after the child exited: as soon as the loop sees it, with
     * the status read from the exited child without reaping it, so possibly a moment before the
     * JDK's reaper has collected it too ({@link Process#isAlive()} can still be true here); or,
     * where that cannot be read (the JDK reaped it first), after the JDK collected it.
     *
     * @param source the registration, closed by now
     * @param process the child
     * @param exitValue {@link Process#exitValue()}: the exit status, or 128 + the signal that ended it
     * @throws Exception anything the handler throws goes to the loop's {@link ErrorHandler}, and the loop goes on
     */
    void exited(ExitSource source, Process process, int exitValue) throws Exception;
}
