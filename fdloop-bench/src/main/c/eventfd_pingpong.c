/*
 * eventfd_pingpong -- the C side of LoopPingPong and of `fdloop bench`'s wake-up round trip.
 *
 * Two threads, each with its own epoll set holding one fd of its own (an eventfd, or with
 * -f pipe the read end of a pipe). A token goes back and forth: the main thread writes B's fd
 * and waits in epoll_wait on its own; B wakes, reads its fd and writes A's. One round trip is
 * two wake-ups, each `epoll_wait; read; write`: what an event loop does per hop, with no loop
 * around it.
 *
 * Build: gcc -O2 -pthread -o eventfd_pingpong eventfd_pingpong.c
 * Usage: eventfd_pingpong [-m epoll] [-f eventfd|pipe] [-n round_trips] [-w warmup]
 *                         [-T max_seconds] [-a cpu_a,cpu_b]
 *   -n  round trips measured (default 300000), after -w unmeasured ones (default 10000)
 *   -T  end the measured pass after this many seconds even if -n is not reached (0: no cap)
 *   -a  pin the main thread to cpu_a and the other to cpu_b
 * Output, one line:
 *   eventfd_pingpong mode=epoll fd=eventfd affinity=same|split|none rt=.. elapsed_s=..
 *   rt_per_s=.. ns_per_rt=.. vcsw_per_rt=.. ivcsw_per_rt=..
 * (context switches of the whole process, from getrusage, per measured round trip)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* One thread's end: the fd it waits on (readable), the fd others write to wake it, its epoll set. */
struct end {
    int wait_fd;
    int wake_fd;
    int epoll_fd;
};

static struct end a_end, b_end;
static int use_pipe;
static int cpu_a = -1, cpu_b = -1;
static atomic_int finished;

static void fail(const char *what) {
    perror(what);
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void open_end(struct end *e) {
    if (use_pipe) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) fail("pipe2");
        e->wait_fd = fds[0];
        e->wake_fd = fds[1];
    } else {
        e->wait_fd = e->wake_fd = eventfd(0, EFD_CLOEXEC);
        if (e->wait_fd < 0) fail("eventfd");
    }
    e->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (e->epoll_fd < 0) fail("epoll_create1");
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = e->wait_fd};
    if (epoll_ctl(e->epoll_fd, EPOLL_CTL_ADD, e->wait_fd, &ev) != 0) fail("epoll_ctl");
}

static void wake(const struct end *e) {
    uint64_t one = 1;
    ssize_t n = use_pipe ? write(e->wake_fd, "x", 1) : write(e->wake_fd, &one, sizeof one);
    if (n <= 0) fail("write");
}

/* Waits until e's fd is readable, then consumes what woke it. */
static void await(const struct end *e) {
    struct epoll_event ev;
    for (;;) {
        int n = epoll_wait(e->epoll_fd, &ev, 1, -1);
        if (n == 1) break;
        if (n < 0 && errno != EINTR) fail("epoll_wait");
    }
    uint64_t value;
    ssize_t n = use_pipe ? read(e->wait_fd, &value, 1) : read(e->wait_fd, &value, sizeof value);
    if (n <= 0) fail("read");
}

static void pin(int cpu) {
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
        fprintf(stderr, "eventfd_pingpong: cannot pin a thread to CPU %d\n", cpu);
        exit(1);
    }
}

static void *b_side(void *unused) {
    (void)unused;
    pin(cpu_b);
    for (;;) {
        await(&b_end);
        if (atomic_load(&finished)) return NULL;
        wake(&a_end);
    }
}

static void usage(void) {
    fprintf(stderr, "usage: eventfd_pingpong [-m epoll] [-f eventfd|pipe] [-n round_trips] [-w warmup] "
                    "[-T max_seconds] [-a cpu_a,cpu_b]\n");
    exit(2);
}

int main(int argc, char **argv) {
    long round_trips = 300000, warmup = 10000;
    double max_seconds = 0;
    int opt;
    while ((opt = getopt(argc, argv, "m:f:n:w:T:a:h")) != -1) {
        switch (opt) {
        case 'm':
            if (strcmp(optarg, "epoll") != 0) usage();   /* the only mode: a loop's way to wait */
            break;
        case 'f':
            if (strcmp(optarg, "pipe") == 0) use_pipe = 1;
            else if (strcmp(optarg, "eventfd") != 0) usage();
            break;
        case 'n': round_trips = atol(optarg); break;
        case 'w': warmup = atol(optarg); break;
        case 'T': max_seconds = atof(optarg); break;
        case 'a':
            if (sscanf(optarg, "%d,%d", &cpu_a, &cpu_b) != 2 || cpu_a < 0 || cpu_b < 0) usage();
            break;
        default: usage();
        }
    }
    if (round_trips < 1 || warmup < 0) usage();

    open_end(&a_end);
    open_end(&b_end);
    pthread_t b;
    if (pthread_create(&b, NULL, b_side, NULL) != 0) fail("pthread_create");
    pin(cpu_a);

    for (long i = 0; i < warmup; i++) {
        wake(&b_end);
        await(&a_end);
    }
    uint64_t deadline = max_seconds > 0 ? now_ns() + (uint64_t)(max_seconds * 1e9) : UINT64_MAX;
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    uint64_t start = now_ns();
    long done = 0;
    while (done < round_trips) {
        wake(&b_end);
        await(&a_end);
        done++;
        if ((done & 1023) == 0 && now_ns() > deadline) break;
    }
    uint64_t end = now_ns();
    getrusage(RUSAGE_SELF, &after);

    atomic_store(&finished, 1);
    wake(&b_end);
    pthread_join(b, NULL);

    double seconds = (double)(end - start) / 1e9;
    const char *affinity = cpu_a < 0 ? "none" : cpu_a == cpu_b ? "same" : "split";
    printf("eventfd_pingpong mode=epoll fd=%s affinity=%s rt=%ld elapsed_s=%.3f rt_per_s=%.0f ns_per_rt=%.1f "
           "vcsw_per_rt=%.2f ivcsw_per_rt=%.3f\n",
           use_pipe ? "pipe" : "eventfd", affinity, done, seconds, done / seconds, seconds * 1e9 / done,
           (double)(after.ru_nvcsw - before.ru_nvcsw) / done, (double)(after.ru_nivcsw - before.ru_nivcsw) / done);
    return 0;
}
