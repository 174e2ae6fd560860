package org.fdloop.internal.backend;

import java.io.IOException;
import org.fdloop.backend.Backend;

/**
 * One way of waiting for fd readiness (epoll, poll, select, ...): the event loop's only
 * dependency on the kernel's multiplexer.
 *
 * <p>Interest and readiness are epoll's event bits on every backend (EPOLLIN 0x1, EPOLLPRI 0x2,
 * EPOLLOUT 0x4, EPOLLERR 0x8, EPOLLHUP 0x10, EPOLLRDHUP 0x2000, EPOLLONESHOT 1&lt;&lt;30,
 * EPOLLET 1&lt;&lt;31). Each registration carries a 64-bit token that comes back with its
 * readiness. A poller is used by one thread at a time (the loop's).
 */
public abstract class Poller implements AutoCloseable {

    /** For the backends: a poller holds no state of its own here. */
    protected Poller() {}

    /**
     * Starts watching {@code fd} for {@code events}.
     *
     * @param fd the file descriptor
     * @param events epoll's event bits to wait for
     * @param token what {@link #readyToken} gives back when the fd is ready
     * @throws IOException when the kernel refuses (a {@link org.fdloop.fd.LinuxException} names the call and the errno)
     */
    public abstract void add(int fd, int events, long token) throws IOException;

    /**
     * Changes what {@code fd} is watched for (and re-arms a one-shot registration).
     *
     * @param fd the file descriptor, already added
     * @param events epoll's event bits to wait for from now on
     * @param token what {@link #readyToken} gives back from now on
     * @throws IOException when the kernel refuses (a {@link org.fdloop.fd.LinuxException} names the call and the errno)
     */
    public abstract void modify(int fd, int events, long token) throws IOException;

    /**
     * Stops watching {@code fd}.
     *
     * @param fd the file descriptor, already added
     * @throws IOException when the kernel refuses (a {@link org.fdloop.fd.LinuxException} names the call and the errno)
     */
    public abstract void remove(int fd) throws IOException;

    /**
     * Waits until some fd is ready or {@code timeoutNanos} passed (0: just look; -1: no limit).
     * Never waits less than asked unless an fd became ready; a signal interrupting the wait
     * returns 0 (no error).
     *
     * @param timeoutNanos how long to wait at most, in nanoseconds: 0 to just look, -1 for no limit
     * @return how many entries {@link #readyEvents} and {@link #readyToken} now hold
     * @throws IOException when the kernel refuses (a {@link org.fdloop.fd.LinuxException} names the call and the errno)
     */
    public abstract int poll(long timeoutNanos) throws IOException;

    /**
     * The ready events of entry {@code index} of the last {@link #poll}.
     *
     * @param index from 0 to what {@link #poll} returned, exclusive
     * @return epoll's event bits that are ready
     */
    public abstract int readyEvents(int index);

    /**
     * The token of entry {@code index} of the last {@link #poll}.
     *
     * @param index from 0 to what {@link #poll} returned, exclusive
     * @return the token the fd was added or modified with
     */
    public abstract long readyToken(int index);

    /** {@return which backend this is} */
    public abstract Backend backend();

    /**
     * The realtime signal this poller has the kernel send to the loop thread when an fd becomes
     * ready (the SIGIO backend's), or 0 when it waits without signals. The loop keeps this signal
     * out of its own signal sources, and reads plain SIGIO for it: with it the kernel says that
     * the realtime queue was full and readiness signals were lost, and a signal is consumed by
     * whichever signalfd reads it first, so one reader ({@link #signalQueueOverflowed()}) must
     * tell the other.
     *
     * @return the signal's number, or 0
     */
    public int readinessSignal() {
        return 0;
    }

    /**
     * Called by the loop when the kernel reported a full realtime signal queue (a plain SIGIO with
     * si_code SI_KERNEL): a poller that waits for readiness signals looks at every fd on its next
     * {@link #poll}. Others ignore it.
     */
    public void signalQueueOverflowed() {}

    /** Releases the poller's descriptors and memory. */
    @Override
    public abstract void close();
}
