package org.fdloop;

import java.io.IOException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.fdloop.fd.EventFd;

/**
 * {@link EventLoop#execute}'s queue: the one way other threads hand the loop work and wake it.
 * Whatever another thread has for the loop (a task, a timer scheduled or cancelled, a child's
 * exit the JDK has collected, a closed fd to let go of) goes in here, and the loop runs it on its
 * own thread.
 *
 * <p>The loop sleeps in its poller; the wake-up eventfd (one of its {@link InternalSource}s) ends
 * the wait. Only a sleeping loop needs that write, and the first producer after it went to sleep
 * makes it: one write per batch of tasks while the loop sleeps, none while it is awake.
 */
final class TaskQueue {
    private static final int AWAKE = 0;
    private static final int SLEEPING = 1;
    private static final int WOKEN = 2;

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wakeState = new AtomicInteger(AWAKE);
    private final EventFd wakeFd;

    TaskQueue(EventFd wakeFd) {
        this.wakeFd = wakeFd;
    }

    /** Queues {@code task} (wakeUp() wakes the loop). Thread-safe. */
    void add(Runnable task) {
        tasks.add(task);
    }

    /** Takes {@code task} back if the loop has not taken it yet. Thread-safe. */
    boolean remove(Runnable task) {
        return tasks.remove(task);
    }

    boolean isEmpty() {
        return tasks.isEmpty();
    }

    Runnable poll() {
        return tasks.poll();
    }

    /** Wakes the loop if it sleeps. Thread-safe. */
    void wakeUp() {
        if (wakeState.get() == SLEEPING && wakeState.compareAndSet(SLEEPING, WOKEN)) {
            try {
                wakeFd.write(1);
            } catch (IOException | IllegalStateException e) {
                // The loop is closing and its eventfd is gone: nothing is waiting to be woken. Ignoring.
            }
        }
    }

    /**
     * Marks the loop asleep before a wait that may block; returns false when a task came in
     * meanwhile (its producer may have seen the loop awake and not written), so the wait must not block.
     */
    boolean sleep() {
        wakeState.set(SLEEPING); // a full fence: producers that come after it see SLEEPING
        return tasks.isEmpty();
    }

    /** Marks the loop awake after its wait. */
    void awake() {
        // no fence needed: a producer that still sees SLEEPING writes the eventfd once more,
        // which costs the next wait one spurious wake-up and loses nothing
        wakeState.setRelease(AWAKE);
    }
}
