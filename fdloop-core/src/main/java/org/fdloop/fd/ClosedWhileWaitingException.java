package org.fdloop.fd;

import java.io.Serial;
import java.nio.channels.AsynchronousCloseException;

/**
 * Thrown to a virtual thread that waited for an fd when another thread closed it: the wait
 * ends at once and the descriptor is released when the waiting call returns. An
 * {@link AsynchronousCloseException}, as NIO throws for a channel closed under a blocked call,
 * with a message that names the fd.
 */
public final class ClosedWhileWaitingException extends AsynchronousCloseException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** What was closed, as {@code "pipe read end 7"}. */
    private final String fd;
    /** Whether the thread waited for it to become readable (else writable). */
    private final boolean reading;

    ClosedWhileWaitingException(String fd, boolean reading) {
        this.fd = fd;
        this.reading = reading;
    }

    @Override
    public String getMessage() {
        return fd + " was closed by another thread while this thread waited for it to become "
                + (reading ? "readable" : "writable");
    }
}
