package org.fdloop;

/** Handles signal-driven readiness of an fd: {@link EventLoop#onAsyncIo}. */
@FunctionalInterface
public interface AsyncIoHandler {
    /**
     * Called on the loop thread when the kernel signalled that the fd became ready. Signal-driven
     * I/O reports changes, not levels: read (or write) until nothing is ready, or the next call
     * waits for the next change.
     *
     * @param source the registration; {@link AsyncIoSource#fd()} is the fd
     * @param band the poll events, as the kernel puts them in {@code si_band}: POLLIN|POLLRDNORM
     *     (0x41) for input, POLLOUT|POLLWRNORM|POLLWRBAND (0x304) for room to write,
     *     POLLHUP|POLLERR for a hangup ({@link AsyncIoSource#describeBand(int)} names them). When the
     *     signal queue overflowed, the fd's poll(2) events instead.
     * @throws Exception anything the handler throws goes to the loop's {@link ErrorHandler}, and the loop goes on
     */
    void ready(AsyncIoSource source, int band) throws Exception;
}
