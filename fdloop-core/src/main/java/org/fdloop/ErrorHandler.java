package org.fdloop;

/**
 * Receives what a handler or task threw.
 *
 * <p>The policy (sd-event's): a source whose handler throws is <em>disabled</em> before the error
 * handler hears of it, so a handler that fails every time is called once, not in a loop (a
 * level-triggered fd that stays ready would otherwise call it again in every iteration). The
 * error handler gets the source and the error once; the rest of the loop runs on.
 * {@link Source#enable()} runs the source again, and {@link Source#close()} removes it. A task
 * given to {@link EventLoop#execute} runs once anyway: its failure is reported with a null
 * source. The one exception to the policy is a {@link org.fdloop.fd.ListeningSocket} out of
 * file descriptors (EMFILE or ENFILE from {@code accept}): see {@link EventLoop#onIo}.
 *
 * <p>An error handler that throws itself is printed to standard error and ignored. A
 * {@link VirtualMachineError} (OutOfMemoryError, StackOverflowError) is not handled: it ends
 * {@code run()} or {@code runOnce()}, and the loop stays usable for the next call.
 */
@FunctionalInterface
public interface ErrorHandler {
    /**
     * Called on the loop thread after a handler or task threw.
     *
     * @param source the source whose handler threw (disabled by now), or null for a task given
     *     to {@link EventLoop#execute}
     * @param error what it threw
     */
    void handle(Source source, Throwable error);

    /**
     * The default: one line on standard error per failure, so one per failing source: the source,
     * that it is disabled, the error and the line that threw it. For the whole stack trace, use an
     * error handler of your own: {@code (source, error) -> error.printStackTrace()}.
     */
    ErrorHandler PRINT = (source, error) -> System.err.println(describe(source, error));

    /**
     * The line {@link #PRINT} prints: {@code "fdloop: io pipe read end 7 failed and is disabled
     * (enable() runs it again): java.lang.IllegalStateException: boom, at Server.read(Server.java:42)"}.
     *
     * @param source the source whose handler threw, or null for a task
     * @param error what it threw
     * @return the line, without a line break
     */
    static String describe(Source source, Throwable error) {
        StringBuilder line = new StringBuilder("fdloop: ");
        if (source == null) {
            line.append("a task failed: ");
        } else if (source.isClosed()) {
            line.append(source.name()).append(" failed and is closed: ");
        } else if (!source.isEnabled()) {
            line.append(source.name()).append(" failed and is disabled (enable() runs it again): ");
        } else {
            line.append(source.name()).append(" failed: ");
        }
        line.append(error);
        StackTraceElement[] trace = error.getStackTrace();
        if (trace.length > 0) {
            line.append(", at ").append(trace[0]);
        }
        return line.toString();
    }
}
