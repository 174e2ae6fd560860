package org.fdloop;

/** Handles an fd's readiness. */
@FunctionalInterface
public interface IoHandler {
    /**
     * Called on the loop thread when the fd is ready.
     *
     * @param source the registration, to change its interest or close it
     * @param events what is ready: {@link IoSource#READABLE}, {@link IoSource#WRITABLE},
     *     {@link IoSource#PRIORITY}, {@link IoSource#READ_HANGUP}, {@link IoSource#HANGUP}, {@link IoSource#ERROR}
     * @throws Exception anything the handler throws goes to the loop's {@link ErrorHandler}, and the loop goes on
     */
    void ready(IoSource source, int events) throws Exception;
}
