package org.fdloop.backend;

import java.io.IOException;

/**
 * The ways an event loop can wait for readiness: {@code EventLoop.builder().backend(Backend.POLL)}.
 *
 * <p>Every backend offers the same loop: level-triggered and one-shot I/O, timers, execute,
 * signals, child exit, file watching. What differs is how the kernel is asked, what that costs
 * per wait, and a few limits, each refused at registration with an exception that says so.
 */
public enum Backend {
    /**
     * epoll(7), with nanosecond timeouts through epoll_pwait2 where the kernel has it: the default.
     * The kernel keeps the interest list; a wait costs time in proportion to the fds that are
     * ready, not to those registered. The only backend with edge-triggered I/O (EDGE).
     */
    EPOLL(EpollPoller::new),

    /**
     * ppoll(2) over every registered fd: each wait hands the whole set to the kernel. No EDGE.
     */
    POLL(PollPoller::new),

    /**
     * pselect(2) over three fd_set bitmaps: fds below FD_SETSIZE (1024) only, a hang-up reported
     * as READABLE, no READ_HANGUP, no EDGE.
     */
    SELECT(SelectPoller::new),

    /**
     * The blocking model: one daemon platform thread per fd, blocked in poll(2) on it, handing
     * readiness to the loop through an eventfd. A thread and a context switch per event; no EDGE.
     */
    THREADS(ThreadsPoller::new),

    /**
     * Signal-driven I/O: every fd that can signal is armed to send SIGRTMIN+9 to the loop thread
     * (F_SETSIG, F_SETOWN_EX, O_ASYNC), and the loop waits on a signalfd, polling only the fds
     * that cannot signal (eventfd, timerfd, signalfd, pidfd) and those it must look at again. On
     * a full realtime signal queue it looks at every fd once. One SIGIO loop per thread; SIGRTMIN+9
     * is the backend's; no EDGE.
     */
    SIGIO(SigioPoller::new);

    /** A poller constructor: its argument is the most fds one poll reports. */
    private interface Opener {
        Poller open(int maxEventsPerPoll) throws IOException;
    }

    private final Opener opener;

    Backend(Opener opener) {
        this.opener = opener;
    }

    /**
     * A new poller of this kind that reports at most {@code maxEventsPerPoll} fds per poll.
     *
     * @param maxEventsPerPoll the most fds one {@link Poller#poll} reports; more ready ones wait for the next
     * @return a new poller, which the caller closes
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public Poller open(int maxEventsPerPoll) throws IOException {
        return opener.open(maxEventsPerPoll);
    }
}
