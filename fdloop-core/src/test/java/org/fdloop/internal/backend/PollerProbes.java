package org.fdloop.internal.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

/** What tests may look at inside a poller. */
public final class PollerProbes {
    private PollerProbes() {}

    /**
     * Waits until a THREADS poller's workers have queued {@code count} reports, failing the test
     * after {@code patience}, so that the loop's next wait takes them in one batch; returns at once for the other
     * backends, where the kernel reports every ready fd in one wait.
     */
    public static void awaitQueuedReports(Poller poller, int count, Duration patience) throws InterruptedException {
        if (poller instanceof ThreadsPoller threads) {
            long deadline = System.nanoTime() + patience.toNanos();
            while (threads.queuedReports() < count && System.nanoTime() - deadline < 0) {
                Thread.sleep(1);
            }
            assertThat(threads.queuedReports()).as("reports the workers queued within " + patience).isGreaterThanOrEqualTo(count);
        }
    }
}
