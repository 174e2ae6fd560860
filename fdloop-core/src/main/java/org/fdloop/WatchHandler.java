package org.fdloop;

/** Handles the changes a {@link WatchSource} reports. */
@FunctionalInterface
public interface WatchHandler {
    /**
     * Called on the loop thread once per change, in the order the kernel queued them.
     *
     * @param source the watch, to close it
     * @param event what changed
     * @throws Exception anything the handler throws goes to the loop's {@link ErrorHandler}, and the loop goes on
     */
    void changed(WatchSource source, FileEvent event) throws Exception;
}
