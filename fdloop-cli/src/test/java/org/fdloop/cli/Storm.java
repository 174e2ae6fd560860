package org.fdloop.cli;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Events made as fast as a thread can make them, until {@link #close}: files created and deleted,
 * signals sent, bytes written. What fails in an action (the command it feeds has ended) is counted
 * and ignored.
 */
final class Storm implements AutoCloseable {
    /** One event of the storm. */
    interface Action {
        void run(long i) throws Exception;
    }

    private final Thread thread;
    private final AtomicLong made = new AtomicLong();
    private volatile boolean running = true;

    private Storm(String name, Action action) {
        thread = Thread.ofPlatform().daemon().name("storm " + name).start(() -> {
            for (long i = 0; running; i++) {
                try {
                    action.run(i);
                    made.incrementAndGet();
                } catch (Exception e) {
                    Thread.onSpinWait(); // the command ended, or the event could not be made now, ignoring
                }
            }
        });
    }

    static Storm start(String name, Action action) {
        return new Storm(name, action);
    }

    /** How many events were made. */
    long made() {
        return made.get();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
    }
}
