/*
 * signal_handler_pipe -- fdloop's native signal route, written in C: the floor for
 * SignalLatency -m native, beside signal_latency.c (a signalfd in epoll).
 *
 * An SA_SIGINFO handler writes the 128-byte siginfo into a non-blocking pipe with a raw
 * write syscall; a loop thread waits in epoll_wait on the pipe's read end. As in a JVM (whose
 * launcher's primordial thread sleeps in pthread_join and blocks nothing), the signal is
 * unblocked only in the primordial thread, which the kernel picks first for a
 * process-directed signal: each signal wakes that thread, whose handler's write wakes the
 * loop (taker=main). With -d the primordial thread blocks SIGUSR1 too, as fdloop has it do when
 * a loop runs on the thread that runs main (the first thread made, as the loop thread is here):
 * the kernel then gives the signal to the loop thread, whose handler runs in its epoll_wait
 * (taker=loop). Same measurement as signal_latency: kill(getpid(), SIGUSR1) to the loop
 * thread's first line after reading the record, one sample at a time, gap_ms apart.
 *
 * Build: gcc -O2 -pthread -o signal_handler_pipe signal_handler_pipe.c
 * Usage: signal_handler_pipe [-d] [-n samples] [-w warmup] [-g gap_ms]
 * Output: signal_latency mode=handler-pipe taker=main|loop sig=SIGUSR1 samples=.. p50_us .. p90_us .. p99_us .. max_us .. mean_us ..
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}
static void die(const char *m) { perror(m); exit(1); }
static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int pfd[2], ack, ep;
static long n = 2000, warm = 200, gap = 2;
static int direct; /* -d: the loop thread takes the signal */
static _Atomic uint64_t t_handler;

static void handler(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)uc;
    syscall(SYS_write, pfd[1], si, 128);   /* what fdloop's machine code does, minus its counters */
}

static void *loop(void *arg) {
    (void)arg;
    struct epoll_event ev;
    char buf[128 * 64];
    if (direct) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    }
    for (;;) {
        int r = epoll_wait(ep, &ev, 1, -1);
        if (r < 0) { if (errno == EINTR) continue; die("epoll_wait"); }
        if (read(pfd[0], buf, sizeof buf) <= 0) continue;
        atomic_store(&t_handler, now_ns());
        uint64_t one = 1;
        if (write(ack, &one, 8) != 8) die("write ack");
    }
    return NULL;
}

static void *bench(void *arg) {
    (void)arg;
    uint64_t *lat = calloc(n, sizeof *lat);
    double sum = 0;
    pid_t pid = getpid();
    for (long i = 0; i < warm + n; i++) {
        struct timespec ts = { gap / 1000, (gap % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) && errno == EINTR) ;
        uint64_t t0 = now_ns(), v;
        if (kill(pid, SIGUSR1)) die("kill");
        if (read(ack, &v, 8) != 8) die("read ack");
        uint64_t d = atomic_load(&t_handler) - t0;
        if (i >= warm) { lat[i - warm] = d; sum += d; }
    }
    qsort(lat, n, sizeof *lat, cmp_u64);
#define PCT(p) (lat[(long)((p) * (n - 1) + 0.5)] / 1000.0)
    printf("signal_latency mode=handler-pipe taker=%s sig=SIGUSR1 samples=%ld gap_ms=%ld p50_us=%.1f p90_us=%.1f p99_us=%.1f "
           "max_us=%.1f mean_us=%.1f\n", direct ? "loop" : "main", n, gap, PCT(0.5), PCT(0.9), PCT(0.99), lat[n - 1] / 1000.0, sum / n / 1000.0);
    fflush(stdout);
    exit(0);
}

int main(int argc, char **argv) {
    int o;
    while ((o = getopt(argc, argv, "dn:w:g:h")) != -1) {
        switch (o) {
        case 'd': direct = 1; break;
        case 'n': n = atol(optarg); break;
        case 'w': warm = atol(optarg); break;
        case 'g': gap = atol(optarg); break;
        default:
            fprintf(stderr, "usage: signal_handler_pipe [-d] [-n samples] [-w warmup] [-g gap_ms]\n");
            return 2;
        }
    }
    if (n < 1) return 2;
    if (pipe2(pfd, O_NONBLOCK | O_CLOEXEC)) die("pipe2");
    ack = eventfd(0, EFD_CLOEXEC);
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ack < 0 || ep < 0) die("setup");
    struct epoll_event ev = { .events = EPOLLIN };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, pfd[0], &ev)) die("epoll_ctl");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    if (sigaction(SIGUSR1, &sa, NULL)) die("sigaction");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);        /* inherited by the two threads below */
    pthread_t a, b;                                /* the loop thread first: the kernel's next choice after this one */
    if (pthread_create(&a, NULL, loop, NULL) || pthread_create(&b, NULL, bench, NULL)) die("pthread_create");
    if (!direct) {
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);  /* only the primordial thread takes it */
    }
    pthread_join(b, NULL);
    return 0;
}
