package org.fdloop;

/**
 * The loop's pending timers: 4-ary heaps that add, remove and find the next in O(log n).
 *
 * <p>Timers without an accuracy window sit in {@code precise}, by deadline. Timers with one sit
 * in {@code windowed}, by deadline, and in {@code latest}, by deadline plus window. The loop
 * wakes at the earliest of the first precise deadline and the first latest time, and then fires
 * every timer whose deadline has passed: so windowed timers coalesce, and none fires early.
 *
 * <p>A closed timer (cancelled, or a one-shot timer that fired) is {@linkplain #discard discarded}
 * lazily, as {@code ScheduledThreadPoolExecutor} does by default: it is marked and left where it
 * is, which touches the timer and nothing else, and it leaves the heaps when it comes to the top
 * or when the discarded timers outnumber the live ones, whichever comes first; then the heaps are
 * rebuilt without them in O(n), amortised O(1) per cancel. So the heaps hold at most twice the
 * live timers (plus {@link #COMPACT_MIN}). A timer that is moved (restart, accuracy) or disabled
 * leaves at once.
 */
final class TimerQueue {
    /** Below this many discarded timers the heaps are not rebuilt for them. */
    static final int COMPACT_MIN = 64;

    private final Heap precise = new Heap(false);
    private final Heap windowed = new Heap(false);
    private final Heap latest = new Heap(true);
    /** Timers in the heaps and not discarded: {@code inHeap} is true for exactly these. */
    private int live;
    /** Discarded timers still in the heaps. */
    private int discarded;

    void add(TimerSource t) {
        if (t.inHeap) {
            return;
        }
        if (t.deadlineIndex >= 0) {
            purge(t); // discarded and still there: closed timers are never added again, but be safe
        }
        t.inHeap = true;
        live++;
        if (t.accuracy == 0) {
            precise.add(t);
        } else {
            windowed.add(t);
            latest.add(t);
        }
    }

    /** Takes {@code t} out of the heaps now. */
    void remove(TimerSource t) {
        if (!t.inHeap) {
            return;
        }
        t.inHeap = false;
        live--;
        take(t);
    }

    /**
     * Takes a closed timer out: it is only marked, and leaves the heaps at the top or at the next
     * rebuild (see the class comment). It must never be added again.
     */
    void discard(TimerSource t) {
        if (!t.inHeap) {
            return;
        }
        t.inHeap = false;
        live--;
        if (++discarded > COMPACT_MIN && discarded > live) {
            compact();
        }
    }

    /** Takes {@code t}, live or discarded, out of the heap (or the two heaps) that hold it. */
    private void take(TimerSource t) {
        if (t.latestIndex >= 0) {
            windowed.remove(t);
            latest.remove(t);
        } else {
            precise.remove(t);
        }
    }

    /** Takes a discarded timer out of the heaps. */
    private void purge(TimerSource t) {
        take(t);
        discarded--;
    }

    /** Drops the discarded timers from the tops of the heaps, so that each top is live or the heap empty. */
    private void dropDiscardedTops() {
        if (discarded == 0) {
            return;
        }
        while (precise.size > 0 && !precise.items[0].inHeap) {
            purge(precise.items[0]);
        }
        while (windowed.size > 0 && !windowed.items[0].inHeap) {
            purge(windowed.items[0]);
        }
        while (latest.size > 0 && !latest.items[0].inHeap) {
            purge(latest.items[0]);
        }
    }

    /** Rebuilds the heaps with their live timers only. */
    private void compact() {
        precise.keepLive();
        windowed.keepLive();
        latest.keepLive();
        discarded = 0;
    }

    /** When the loop must wake for its timers ({@link Long#MAX_VALUE}: no timer). */
    long nextWakeNanos() {
        dropDiscardedTops();
        long next = Long.MAX_VALUE;
        if (precise.size > 0) {
            next = precise.firstKey();
        }
        if (latest.size > 0 && (precise.size == 0 || latest.firstKey() - next < 0)) {
            next = latest.firstKey();
        }
        return next;
    }

    /** Removes and returns a timer whose deadline is at or before {@code now}, or null. */
    TimerSource pollDue(long now) {
        dropDiscardedTops();
        if (precise.size > 0 && precise.firstKey() - now <= 0) {
            TimerSource t = precise.items[0];
            remove(t);
            return t;
        }
        if (windowed.size > 0 && windowed.firstKey() - now <= 0) {
            TimerSource t = windowed.items[0];
            remove(t);
            return t;
        }
        return null;
    }

    /** Removes and returns any timer, or null when none is left (for closing the loop). */
    TimerSource pollAny() {
        dropDiscardedTops();
        TimerSource t = precise.size > 0 ? precise.items[0] : windowed.size > 0 ? windowed.items[0] : null;
        if (t != null) {
            remove(t);
        }
        return t;
    }

    /** {@return the live timers (not discarded)} */
    int size() {
        return live;
    }

    /** {@return the entries the heaps hold, discarded timers included (a windowed timer counts once)} */
    int held() {
        return precise.size + windowed.size;
    }

    /** Whether every heap is in heap order with the right keys, and {@code t}'s indexes point at it (for the tests). */
    boolean wellFormed(TimerSource t) {
        boolean indexed = t.latestIndex >= 0
                ? windowed.at(t.deadlineIndex) == t && latest.at(t.latestIndex) == t
                : precise.at(t.deadlineIndex) == t;
        return indexed && precise.wellFormed() && windowed.wellFormed() && latest.wellFormed();
    }

    /**
     * A 4-ary min-heap of timers keyed by deadline or by latest time, as libev's: each timer
     * knows its index (a cancel finds it without a search), and the keys sit in an array of their
     * own beside the timers (libev's cached {@code at}), so a sift compares four neighbouring longs
     * without reading the timers they belong to. A 4-ary heap is half as deep as a binary one, and
     * a node's four children share one or two cache lines of {@code keys}.
     */
    static final class Heap {
        private static final int ARITY = 4;
        private final boolean byLatest;
        TimerSource[] items = new TimerSource[16];
        long[] keys = new long[16];
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

        TimerSource at(int i) {
            return i >= 0 && i < size ? items[i] : null;
        }

        boolean wellFormed() {
            for (int i = 0; i < size; i++) {
                if (keys[i] != key(items[i]) || index(items[i]) != i || i > 0 && keys[i] - keys[(i - 1) / ARITY] < 0) {
                    return false;
                }
            }
            return true;
        }

        /** The smallest key; only when {@code size > 0}. */
        long firstKey() {
            return keys[0];
        }

        /** Keeps the live timers only ({@code inHeap}) and makes them a heap again, O(n) (Floyd). */
        void keepLive() {
            int n = 0;
            for (int i = 0; i < size; i++) {
                TimerSource t = items[i];
                if (t.inHeap) {
                    items[n] = t;
                    keys[n] = keys[i];
                    setIndex(t, n++);
                } else {
                    setIndex(t, -1);
                }
            }
            java.util.Arrays.fill(items, n, size, null);
            size = n;
            for (int i = n == 0 ? -1 : (n - 2) / ARITY; i >= 0; i--) {
                siftDown(i, items[i], keys[i]);
            }
        }

        void add(TimerSource t) {
            if (size == items.length) {
                items = java.util.Arrays.copyOf(items, size * 2);
                keys = java.util.Arrays.copyOf(keys, size * 2);
            }
            siftUp(size++, t, key(t));
        }

        void remove(TimerSource t) {
            int i = index(t);
            setIndex(t, -1);
            int last = --size;
            TimerSource moved = items[last];
            long movedKey = keys[last];
            items[last] = null;
            if (i != last) {
                // the last timer fills the hole: down if it is later than the hole's children, else up
                if (i > 0 && movedKey - keys[(i - 1) / ARITY] < 0) {
                    siftUp(i, moved, movedKey);
                } else {
                    siftDown(i, moved, movedKey);
                }
            }
        }

        /** Places {@code t}, keyed {@code k}, at the hole {@code i} or above it. */
        private void siftUp(int i, TimerSource t, long k) {
            TimerSource[] items = this.items;
            long[] keys = this.keys;
            while (i > 0) {
                int parent = (i - 1) / ARITY;
                long pk = keys[parent];
                if (pk - k <= 0) {
                    break;
                }
                TimerSource p = items[parent];
                items[i] = p;
                keys[i] = pk;
                setIndex(p, i);
                i = parent;
            }
            items[i] = t;
            keys[i] = k;
            setIndex(t, i);
        }

        /** Places {@code t}, keyed {@code k}, at the hole {@code i} or below it. */
        private void siftDown(int i, TimerSource t, long k) {
            TimerSource[] items = this.items;
            long[] keys = this.keys;
            int n = size;
            while (true) {
                int first = ARITY * i + 1;
                if (first >= n) {
                    break;
                }
                int end = Math.min(first + ARITY, n);
                int least = first;
                long lk = keys[first];
                for (int c = first + 1; c < end; c++) {
                    long ck = keys[c];
                    if (ck - lk < 0) {
                        least = c;
                        lk = ck;
                    }
                }
                if (k - lk <= 0) {
                    break;
                }
                TimerSource child = items[least];
                items[i] = child;
                keys[i] = lk;
                setIndex(child, i);
                i = least;
            }
            items[i] = t;
            keys[i] = k;
            setIndex(t, i);
        }
    }
}
