package org.fdloop.testing;

import org.fdloop.internal.linux.Constants;

/**
 * A full realtime signal queue on demand. RLIMIT_SIGPENDING is this process's limit, but the
 * kernel counts every signal queued for the user (the SigQ line of /proc/self/status), other
 * processes' too: a low limit is full at once, whatever they hold.
 */
public final class SignalQueue {
    private SignalQueue() {}

    /** What runs while the queue is small. */
    @FunctionalInterface
    public interface Burst {
        void run() throws Exception;
    }

    /** Runs {@code burst} with RLIMIT_SIGPENDING at {@code limit}, and restores it even when it fails. */
    public static void withLimit(long limit, Burst burst) throws Exception {
        long[] before = Rlimits.get(Constants.RLIMIT_SIGPENDING);
        Rlimits.set(Constants.RLIMIT_SIGPENDING, limit, before[1]);
        try {
            burst.run();
        } finally {
            Rlimits.set(Constants.RLIMIT_SIGPENDING, before[0], before[1]);
        }
    }
}
