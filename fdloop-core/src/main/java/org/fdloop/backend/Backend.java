package org.fdloop.backend;

import java.io.IOException;

/** The ways an event loop can wait for readiness. */
public enum Backend {
    /** epoll(7), with nanosecond timeouts through epoll_pwait2 where the kernel has it: the default. */
    EPOLL {
        @Override
        public Poller open(int maxEventsPerPoll) throws IOException {
            return new EpollPoller(maxEventsPerPoll);
        }
    };

    /** A new poller of this kind that reports at most {@code maxEventsPerPoll} fds per poll. */
    public abstract Poller open(int maxEventsPerPoll) throws IOException;
}
