package org.fdloop.cli;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Ending a command's child process and what it started, so that none outlives the command. */
final class ChildProcesses {
    private ChildProcesses() {}

    /**
     * Kills {@code child} and its descendants (a shell in sleep(1), gcc's cc1): the child first,
     * so that it starts nothing more; then waits until each is gone.
     */
    static void end(Process child) throws InterruptedException {
        List<ProcessHandle> family = child.descendants().toList();
        child.destroyForcibly();
        child.waitFor();
        for (ProcessHandle p : family) {
            p.destroyForcibly();
            try {
                p.onExit().get(5, TimeUnit.SECONDS); // an orphan is gone once its new parent reaped it
            } catch (ExecutionException | TimeoutException e) {
                // still listed after 5 s: nothing more we can do from here, ignoring
            }
        }
    }
}
