package org.fdloop;

/**
 * Receives what a handler threw. The loop keeps running either way; if the error handler
 * itself throws, that is printed to standard error and ignored.
 */
@FunctionalInterface
public interface ErrorHandler {
    /**
     * Called on the loop thread after a handler or task threw.
     *
     * @param source the source whose handler threw, or null for a task given to {@link EventLoop#execute}
     * @param error what it threw
     */
    void handle(Source source, Throwable error);

    /** The default: prints the source's name and the stack trace to standard error. */
    ErrorHandler PRINT = (source, error) -> {
        System.err.println("fdloop: " + (source == null ? "a task" : source.name()) + " failed, the loop goes on:");
        error.printStackTrace();
    };
}
