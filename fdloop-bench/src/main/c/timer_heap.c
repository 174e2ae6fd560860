/*
 * The C baseline of the timer benchmark (docs/BENCHMARKS.md section 2): timers kept the way libev
 * keeps them, a 4-ary min-heap whose entries cache the deadline beside the timer pointer (libev's
 * ANHE with EV_HEAP_CACHE_AT), the root at index 3 so that a node's four children are contiguous
 * (libev's HEAP0), and each timer holding its own heap index (libev's ev_active), so that a cancel
 * finds its entry without a search. Written for fdloop from that description; no libev code.
 *
 *   timer_heap [-m timers] [-f fired] [-r rounds] [-s seed]
 *
 * Per round, in ns per operation, as TimerComparison measures fdloop and the JVM timers:
 *   schedule: M timers (default 1,000,000) with random delays of 1 to 1000 s;
 *   cancel:   the same M timers stopped in random order;
 *   fire:     F timers (default 100,000) due within 20 ms; after 25 ms asleep, the time to pop
 *             every due timer and call its callback, per timer (one clock reading per pass, as an
 *             event loop reads it once per iteration).
 * Prints one line per round:
 *   timers impl=C-4-heap round=R schedule_ns=.. cancel_ns=.. fire_ns=..
 * Round 0 is a warm-up (page faults of the first allocation), marked "(warm-up)".
 *
 * Build: gcc -O2 -o timer_heap timer_heap.c
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ARITY 4
#define HEAP0 (ARITY - 1)
#define PARENT(k) ((((k) - HEAP0 - 1) / ARITY) + HEAP0)
#define FIRST_CHILD(k) (ARITY * ((k) - HEAP0) + HEAP0 + 1)

typedef struct timer timer;
typedef void (*timer_cb)(timer *);

struct timer {
    int active; /* heap index, 0 when stopped */
    int64_t at;
    timer_cb cb;
};

typedef struct {
    int64_t at; /* cached deadline */
    timer *w;
} entry;

static entry *heap;
static int count; /* timers in the heap; they sit at HEAP0 .. HEAP0 + count - 1 */
static int capacity;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void place(int k, entry e) {
    heap[k] = e;
    e.w->active = k;
}

static void upheap(int k) {
    entry he = heap[k];
    while (k > HEAP0) {
        int p = PARENT(k);
        if (heap[p].at <= he.at) {
            break;
        }
        place(k, heap[p]);
        k = p;
    }
    place(k, he);
}

static void downheap(int k) {
    entry he = heap[k];
    int end = HEAP0 + count;
    for (;;) {
        int c = FIRST_CHILD(k);
        if (c >= end) {
            break;
        }
        int last = c + ARITY < end ? c + ARITY : end;
        int least = c;
        for (int i = c + 1; i < last; i++) {
            if (heap[i].at < heap[least].at) {
                least = i;
            }
        }
        if (he.at <= heap[least].at) {
            break;
        }
        place(k, heap[least]);
        k = least;
    }
    place(k, he);
}

static void timer_start(timer *w, int64_t at, timer_cb cb) {
    w->at = at;
    w->cb = cb;
    if (HEAP0 + count + 1 > capacity) {
        capacity = capacity ? capacity * 2 : 64;
        heap = realloc(heap, sizeof(entry) * capacity);
        if (!heap) {
            perror("realloc");
            exit(1);
        }
    }
    int k = HEAP0 + count++;
    heap[k].at = at;
    heap[k].w = w;
    upheap(k);
}

static void timer_stop(timer *w) {
    int k = w->active;
    if (!k) {
        return;
    }
    int last = HEAP0 + --count;
    if (k < last) {
        heap[k] = heap[last];
        /* the moved entry goes up or down, whichever its key needs (libev's adjustheap) */
        if (k > HEAP0 && heap[k].at < heap[PARENT(k)].at) {
            upheap(k);
        } else {
            downheap(k);
        }
    }
    w->active = 0;
}

static long fired_count;

static void never(timer *w) {
    (void) w;
}

static void count_cb(timer *w) {
    (void) w;
    fired_count++;
}

static uint64_t rng_state;

static uint64_t next_random(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int main(int argc, char **argv) {
    int m = 1000000, f = 100000, rounds = 5;
    uint64_t seed = 42;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-m") && i + 1 < argc) {
            m = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "-f") && i + 1 < argc) {
            f = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "-r") && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "-s") && i + 1 < argc) {
            seed = strtoull(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "usage: timer_heap [-m timers] [-f fired] [-r rounds] [-s seed]\n");
            return 2;
        }
    }
    if (m < 1 || f < 1 || rounds < 1) {
        fprintf(stderr, "timers, fired and rounds are at least 1\n");
        return 2;
    }
    rng_state = seed;
    int64_t *delays = malloc(sizeof(int64_t) * m);
    int64_t *fire_delays = malloc(sizeof(int64_t) * f);
    int *order = malloc(sizeof(int) * m);
    if (!delays || !fire_delays || !order) {
        perror("malloc");
        return 1;
    }
    for (int i = 0; i < m; i++) {
        delays[i] = 1000000000LL + (int64_t) (next_random() % 999000000001ULL);
        order[i] = i;
    }
    for (int i = 0; i < f; i++) {
        fire_delays[i] = (int64_t) (next_random() % 20000000ULL);
    }
    for (int i = m - 1; i > 0; i--) {
        int j = (int) (next_random() % (uint64_t) (i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    printf("# timer_heap: %d-ary heap, cached deadlines, index in the timer; timers=%d fired=%d rounds=%d (+1 warm-up round, not counted)\n",
           ARITY, m, f, rounds);
    for (int round = 0; round <= rounds; round++) {
        /* one allocation per timer, as each JVM timer is an object of its own */
        timer **timers = malloc(sizeof(timer *) * m);
        for (int i = 0; i < m; i++) {
            timers[i] = calloc(1, sizeof(timer));
        }
        int64_t t0 = now_ns();
        int64_t base = t0;
        for (int i = 0; i < m; i++) {
            timer_start(timers[i], base + delays[i], never);
        }
        int64_t t1 = now_ns();
        for (int i = 0; i < m; i++) {
            timer_stop(timers[order[i]]);
        }
        int64_t t2 = now_ns();
        for (int i = 0; i < m; i++) {
            free(timers[i]);
        }
        free(timers);

        timer **due = malloc(sizeof(timer *) * f);
        fired_count = 0;
        base = now_ns();
        for (int i = 0; i < f; i++) {
            due[i] = calloc(1, sizeof(timer));
            timer_start(due[i], base + fire_delays[i], count_cb);
        }
        struct timespec nap = {0, 25000000};
        nanosleep(&nap, NULL);
        int64_t t3 = now_ns();
        while (fired_count < f) {
            int64_t now = now_ns();
            while (count > 0 && heap[HEAP0].at <= now) {
                timer *w = heap[HEAP0].w;
                timer_stop(w);
                w->cb(w);
            }
        }
        int64_t t4 = now_ns();
        for (int i = 0; i < f; i++) {
            free(due[i]);
        }
        free(due);
        printf("timers impl=C-4-heap round=%d schedule_ns=%.1f cancel_ns=%.1f fire_ns=%.1f%s\n", round,
               (double) (t1 - t0) / m, (double) (t2 - t1) / m, (double) (t4 - t3) / f, round == 0 ? " (warm-up)" : "");
        fflush(stdout);
    }
    return 0;
}
