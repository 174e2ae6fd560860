package org.fdloop;

/**
 * The loop's pending timers: binary heaps that add, remove and find the next in O(log n).
 *
 * <p>Timers without an accuracy window sit in {@code precise}, by deadline. Timers with one sit
 * in {@code windowed}, by deadline, and in {@code latest}, by deadline plus window. The loop
 * wakes at the earliest of the first precise deadline and the first latest time, and then fires
 * every timer whose deadline has passed: so windowed timers coalesce, and none fires early.
 */
final class TimerQueue {
    private final Heap precise = new Heap(false);
    private final Heap windowed = new Heap(false);
    private final Heap latest = new Heap(true);

    void add(TimerSource t) {
        if (t.inHeap) {
            return;
        }
        t.inHeap = true;
        if (t.accuracy == 0) {
            precise.add(t);
        } else {
            windowed.add(t);
            latest.add(t);
        }
    }

    void remove(TimerSource t) {
        if (!t.inHeap) {
            return;
        }
        t.inHeap = false;
        if (t.latestIndex >= 0) {
            windowed.remove(t);
            latest.remove(t);
        } else {
            precise.remove(t);
        }
    }

    /** When the loop must wake for its timers ({@link Long#MAX_VALUE}: no timer). */
    long nextWakeNanos() {
        long next = Long.MAX_VALUE;
        if (precise.size > 0) {
            next = precise.items[0].deadline;
        }
        if (latest.size > 0 && latest.items[0].latest() - next < 0) {
            next = latest.items[0].latest();
        }
        return next;
    }

    /** Removes and returns a timer whose deadline is at or before {@code now}, or null. */
    TimerSource pollDue(long now) {
        if (precise.size > 0 && precise.items[0].deadline - now <= 0) {
            TimerSource t = precise.items[0];
            remove(t);
            return t;
        }
        if (windowed.size > 0 && windowed.items[0].deadline - now <= 0) {
            TimerSource t = windowed.items[0];
            remove(t);
            return t;
        }
        return null;
    }

    /** Removes and returns any timer, or null when none is left (for closing the loop). */
    TimerSource pollAny() {
        TimerSource t = precise.size > 0 ? precise.items[0] : windowed.size > 0 ? windowed.items[0] : null;
        if (t != null) {
            remove(t);
        }
        return t;
    }

    int size() {
        return precise.size + windowed.size;
    }

    /** A min-heap of timers keyed by deadline or by latest time, each timer knowing its index. */
    private static final class Heap {
        private final boolean byLatest;
        TimerSource[] items = new TimerSource[16];
        int size;

        Heap(boolean byLatest) {
            this.byLatest = byLatest;
        }

        private long key(TimerSource t) {
            return byLatest ? t.latest() : t.deadline;
        }

        private void setIndex(TimerSource t, int i) {
            if (byLatest) {
                t.latestIndex = i;
            } else {
                t.deadlineIndex = i;
            }
        }

        private int index(TimerSource t) {
            return byLatest ? t.latestIndex : t.deadlineIndex;
        }

        void add(TimerSource t) {
            if (size == items.length) {
                items = java.util.Arrays.copyOf(items, size * 2);
            }
            items[size] = t;
            setIndex(t, size);
            siftUp(size++);
        }

        void remove(TimerSource t) {
            int i = index(t);
            setIndex(t, -1);
            int last = --size;
            if (i != last) {
                TimerSource moved = items[last];
                items[i] = moved;
                setIndex(moved, i);
                items[last] = null;
                siftDown(i);
                if (items[i] == moved) {
                    siftUp(i);
                }
            } else {
                items[last] = null;
            }
        }

        private void siftUp(int i) {
            TimerSource t = items[i];
            long k = key(t);
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                TimerSource p = items[parent];
                if (key(p) - k <= 0) {
                    break;
                }
                items[i] = p;
                setIndex(p, i);
                i = parent;
            }
            items[i] = t;
            setIndex(t, i);
        }

        private void siftDown(int i) {
            TimerSource t = items[i];
            long k = key(t);
            int half = size >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                int right = child + 1;
                if (right < size && key(items[right]) - key(items[child]) < 0) {
                    child = right;
                }
                if (k - key(items[child]) <= 0) {
                    break;
                }
                items[i] = items[child];
                setIndex(items[i], i);
                i = child;
            }
            items[i] = t;
            setIndex(t, i);
        }
    }
}
