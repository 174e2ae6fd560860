package org.fdloop;

/** Handles the exit of any process: {@link EventLoop#onExit(ProcessHandle, ProcessExitHandler)}. */
@FunctionalInterface
public interface ProcessExitHandler {
    /**
     * Called on the loop thread once, after the process exited. Its exit status is not given:
     * only its parent can read it (waitid), and the parent may have done so already.
     *
     * @param source the registration, closed by now
     * @param process the process
     * @throws Exception anything: the loop's {@link ErrorHandler} gets it
     */
    void exited(ProcessExitSource source, ProcessHandle process) throws Exception;
}
