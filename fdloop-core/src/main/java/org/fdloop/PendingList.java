package org.fdloop;

import java.util.Arrays;

/**
 * The sources ready in this iteration and their events, in dispatch order: by
 * {@link Source#priority()}, and in arrival order among equal priorities. Everything the loop
 * dispatches goes through here, fds, timers, signals, child exits, file watches alike.
 *
 * <p>The loop takes entries one at a time. An error that ends the iteration (a
 * VirtualMachineError out of a handler) leaves the rest where they are: {@link #keepLeftovers()}
 * keeps them for the next iteration and marks them {@link Source#queued}, so that the poller
 * reporting one of them again does not queue it twice. Loop thread only.
 */
final class PendingList {
    private Source[] sources = new Source[64];
    private int[] events = new int[64];
    private int count;
    /** The next entry take() returns. */
    private int next;
    private int takenEvents;

    /** Adds {@code source} with its ready events, after the entries of its priority and lower. */
    void add(Source source, int ready) {
        if (count == sources.length) {
            sources = Arrays.copyOf(sources, count * 2);
            events = Arrays.copyOf(events, count * 2);
        }
        int i = count++;
        while (i > next && sources[i - 1].priority > source.priority) { // never before what was taken already
            sources[i] = sources[i - 1];
            events[i] = events[i - 1];
            i--;
        }
        sources[i] = source;
        events[i] = ready;
    }

    /** {@link #add} unless {@code source} is here already (a count or band that gathers reports into one call). */
    void addOnce(Source source) {
        if (!source.queued) {
            source.queued = true;
            add(source, 0);
        }
    }

    /** The next source, or null when the list is done (and empty again). Clears its {@code queued} mark. */
    Source take() {
        if (next == count) {
            next = 0;
            count = 0;
            return null;
        }
        int i = next++;
        Source source = sources[i];
        sources[i] = null;
        takenEvents = events[i];
        source.queued = false;
        return source;
    }

    /** The ready events of the source {@link #take()} returned last. */
    int takenEvents() {
        return takenEvents;
    }

    /** Whether entries are waiting (left by an interrupted dispatch, or added outside one). */
    boolean isEmpty() {
        return count == next;
    }

    /** Moves what an interrupted dispatch left to the front and marks it queued; true if anything is left. */
    boolean keepLeftovers() {
        int left = count - next;
        if (next > 0) {
            System.arraycopy(sources, next, sources, 0, left);
            System.arraycopy(events, next, events, 0, left);
            Arrays.fill(sources, left, count, null);
        }
        for (int i = 0; i < left; i++) {
            sources[i].queued = true;
        }
        count = left;
        next = 0;
        return left > 0;
    }
}
