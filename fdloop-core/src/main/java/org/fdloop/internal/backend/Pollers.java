package org.fdloop.internal.backend;

import java.io.IOException;
import org.fdloop.backend.Backend;

/** Opens the poller of a {@link Backend}: the event loop's way in to this package. */
public final class Pollers {
    private Pollers() {}

    /** A new poller of {@code backend}'s kind that reports at most {@code maxEventsPerPoll} fds per poll. */
    public static Poller open(Backend backend, int maxEventsPerPoll) throws IOException {
        return switch (backend) {
            case EPOLL -> new EpollPoller(maxEventsPerPoll);
            case POLL -> new PollPoller(maxEventsPerPoll);
            case SELECT -> new SelectPoller(maxEventsPerPoll);
            case THREADS -> new ThreadsPoller(maxEventsPerPoll);
            case SIGIO -> new SigioPoller(maxEventsPerPoll);
        };
    }
}
