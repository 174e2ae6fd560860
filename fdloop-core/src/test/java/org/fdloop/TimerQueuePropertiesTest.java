package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The loop's timer heaps ({@link TimerQueue}) against a plain list of the live timers, for random
 * sequences of what the loop does to them: add, remove from any position, discard (a close: taken
 * out lazily), move (restart: remove, new deadline, add), and take the due ones. After every step
 * the queue agrees with the list: its size, its next wake-up, and each timer's index (the entry at
 * a live timer's recorded index is that timer). Due timers come out by deadline, precise ones
 * first, and none before its deadline. Deadlines are drawn from a small range so that many are
 * equal; the heap promises no order among equal deadlines, and neither did the binary heap before it.
 */
class TimerQueuePropertiesTest {
    private static EventLoop loop;

    @BeforeContainer
    static void open() throws IOException {
        loop = EventLoop.open();
    }

    @AfterContainer
    static void close() {
        loop.close();
    }

    /** One step: a kind (0 add precise, 1 add windowed, 2 remove, 3 discard, 4 move, 5 take due) and two numbers. */
    record Step(int kind, int a, int b) {}

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> step = net.jqwik.api.Combinators.combine(
                Arbitraries.integers().between(0, 5), Arbitraries.integers().between(0, 999), Arbitraries.integers().between(0, 99))
                .as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(600);
    }

    @Property(tries = 300)
    void theHeapsAgreeWithAListOfTheLiveTimers(@ForAll("steps") List<Step> steps) {
        TimerQueue queue = new TimerQueue();
        List<TimerSource> live = new ArrayList<>();
        long now = 0;
        for (Step s : steps) {
            switch (s.kind()) {
                case 0, 1 -> {
                    TimerSource t = timer(now + s.a() / 10, s.kind() == 1 ? s.b() : 0);
                    queue.add(t);
                    live.add(t);
                }
                case 2, 3, 4 -> {
                    if (live.isEmpty()) {
                        continue;
                    }
                    TimerSource t = live.get(s.a() % live.size());
                    if (s.kind() == 2) {
                        queue.remove(t);
                        live.remove(t);
                    } else if (s.kind() == 3) {
                        queue.discard(t);
                        live.remove(t);
                        assertThat(t.inHeap).isFalse();
                    } else {
                        queue.remove(t);
                        t.deadline = now + s.b();
                        queue.add(t);
                    }
                }
                default -> {
                    now += s.b();
                    long previous = Long.MIN_VALUE;
                    boolean windowedStarted = false;
                    for (TimerSource t; (t = queue.pollDue(now)) != null; ) {
                        assertThat(live).contains(t);
                        assertThat(t.deadline).isLessThanOrEqualTo(now);
                        assertThat(t.inHeap).isFalse();
                        assertThat(t.deadlineIndex).isEqualTo(-1);
                        assertThat(t.latestIndex).isEqualTo(-1);
                        boolean windowed = t.accuracy != 0;
                        if (windowed && !windowedStarted) {
                            windowedStarted = true;
                            previous = Long.MIN_VALUE;
                        }
                        assertThat(windowed).as("precise timers come out before windowed ones").isEqualTo(windowedStarted);
                        assertThat(t.deadline).as("by deadline").isGreaterThanOrEqualTo(previous);
                        previous = t.deadline;
                        live.remove(t);
                    }
                    long finalNow = now;
                    assertThat(live).noneMatch(t -> t.deadline <= finalNow);
                }
            }
            check(queue, live);
        }
        for (TimerSource t; (t = queue.pollAny()) != null; ) {
            assertThat(live.remove(t)).as("pollAny returns live timers only").isTrue();
        }
        assertThat(live).isEmpty();
        assertThat(queue.size()).isZero();
        assertThat(queue.held()).isZero();
    }

    @Property(tries = 50)
    void discardedTimersNeverOutnumberTheLiveOnesBeyondTheMinimumAndTheRebuildKeepsTheRest(@ForAll("counts") int timers,
            @ForAll("keepEvery") int keepEvery) {
        TimerQueue queue = new TimerQueue();
        List<TimerSource> all = new ArrayList<>();
        for (int i = 0; i < timers; i++) {
            TimerSource t = timer((i * 7919L) % 1000, i % 3 == 0 ? 5 : 0);
            queue.add(t);
            all.add(t);
        }
        List<TimerSource> kept = new ArrayList<>();
        for (int i = 0; i < timers; i++) {
            TimerSource t = all.get((int) ((i * 104729L) % timers));
            if (i % keepEvery == 0) {
                kept.add(t);
                continue;
            }
            queue.discard(t);
            int live = queue.size();
            assertThat(queue.held() - live).isLessThanOrEqualTo(Math.max(live, TimerQueue.COMPACT_MIN));
        }
        assertThat(queue.size()).isEqualTo(kept.size());
        for (TimerSource t : kept) {
            assertThat(queue.wellFormed(t)).as("after the rebuilds: %s", t).isTrue();
        }
        List<TimerSource> out = new ArrayList<>();
        for (TimerSource t; (t = queue.pollDue(1000)) != null; ) {
            out.add(t);
        }
        assertThat(out).containsExactlyInAnyOrderElementsOf(kept);
        assertThat(queue.nextWakeNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(queue.pollAny()).isNull();
    }

    @Provide
    Arbitrary<Integer> keepEvery() {
        return Arbitraries.integers().between(2, 1_000_000);
    }

    @Provide
    Arbitrary<Integer> counts() {
        return Arbitraries.integers().between(1, 5_000);
    }

    private static TimerSource timer(long deadline, long accuracy) {
        TimerSource t = new TimerSource(loop, "t", deadline, 0, TimerSource.Mode.ONCE, x -> { });
        t.accuracy = accuracy;
        return t;
    }

    private static void check(TimerQueue queue, List<TimerSource> live) {
        assertThat(queue.size()).isEqualTo(live.size());
        assertThat(queue.held() - live.size()).isLessThanOrEqualTo(Math.max(live.size(), TimerQueue.COMPACT_MIN));
        long expected = live.stream().mapToLong(t -> t.accuracy == 0 ? t.deadline : t.latest()).min().orElse(Long.MAX_VALUE);
        assertThat(queue.nextWakeNanos()).isEqualTo(expected);
        for (TimerSource t : live) {
            assertThat(t.inHeap).isTrue();
            assertThat(t.deadlineIndex).isNotNegative();
            assertThat(t.latestIndex >= 0).isEqualTo(t.accuracy != 0);
            assertThat(queue.wellFormed(t)).as("heap order, cached keys and %s's indexes", t).isTrue();
        }
    }
}
