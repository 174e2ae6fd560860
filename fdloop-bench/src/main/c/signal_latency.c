/*
 * signal_latency -- the C floor for SignalLatency: kill(getpid(), SIGUSR1) to the first line of
 * a handler in a loop that reads the signal from a signalfd in epoll.
 *
 * SIGUSR1 is blocked in every thread, so the kernel queues it on the process and the signalfd
 * becomes readable: the loop thread, asleep in epoll_wait, is woken directly (one wake-up). The
 * main thread sends one signal at a time, gap_ms apart so that every CPU is idle when it is sent,
 * and waits on an eventfd the loop thread writes right after it read the record and took the
 * time. latency = that time - the time just before kill(). The first -w samples are not counted.
 * signal_handler_pipe.c is the same measurement of fdloop's own design (a handler writing a pipe).
 *
 * Build: gcc -O2 -pthread -o signal_latency signal_latency.c
 * Usage: signal_latency [-n samples] [-w warmup] [-g gap_ms]
 * Output: signal_latency mode=signalfd sig=SIGUSR1 samples=.. gap_ms=.. p50_us=.. p90_us=.. p99_us=..
 *         max_us=.. mean_us=..
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

static int signal_fd, ack_fd, epoll_fd;
static _Atomic uint64_t handled_at;

static void fail(const char *what) {
    perror(what);
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The event loop: wait, read the signal's record, stamp the time ("the handler"), acknowledge. */
static void *loop(void *unused) {
    (void)unused;
    for (;;) {
        struct epoll_event ev;
        int n = epoll_wait(epoll_fd, &ev, 1, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n != 1) fail("epoll_wait");
        struct signalfd_siginfo info;
        if (read(signal_fd, &info, sizeof info) != sizeof info) continue;
        atomic_store(&handled_at, now_ns());
        uint64_t one = 1;
        if (write(ack_fd, &one, sizeof one) != sizeof one) fail("write");
    }
    return NULL;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int main(int argc, char **argv) {
    long samples = 2000, warmup = 200, gap_ms = 2;
    int opt;
    while ((opt = getopt(argc, argv, "n:w:g:h")) != -1) {
        switch (opt) {
        case 'n': samples = atol(optarg); break;
        case 'w': warmup = atol(optarg); break;
        case 'g': gap_ms = atol(optarg); break;
        default:
            fprintf(stderr, "usage: signal_latency [-n samples] [-w warmup] [-g gap_ms]\n");
            return 2;
        }
    }
    if (samples < 1 || warmup < 0 || gap_ms < 0) return 2;

    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    if (pthread_sigmask(SIG_BLOCK, &usr1, NULL) != 0) fail("pthread_sigmask");   /* the loop thread inherits it */
    signal_fd = signalfd(-1, &usr1, SFD_NONBLOCK | SFD_CLOEXEC);
    ack_fd = eventfd(0, EFD_CLOEXEC);
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (signal_fd < 0 || ack_fd < 0 || epoll_fd < 0) fail("setup");
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = signal_fd};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, signal_fd, &ev) != 0) fail("epoll_ctl");
    pthread_t loop_thread;
    if (pthread_create(&loop_thread, NULL, loop, NULL) != 0) fail("pthread_create");

    uint64_t *latency = calloc((size_t)samples, sizeof *latency);
    if (latency == NULL) fail("calloc");
    double sum = 0;
    pid_t self = getpid();
    for (long i = 0; i < warmup + samples; i++) {
        sleep_ms(gap_ms);
        uint64_t sent = now_ns(), acks;
        if (kill(self, SIGUSR1) != 0) fail("kill");
        if (read(ack_fd, &acks, sizeof acks) != sizeof acks) fail("read");
        if (i >= warmup) {
            latency[i - warmup] = atomic_load(&handled_at) - sent;
            sum += (double)latency[i - warmup];
        }
    }
    qsort(latency, (size_t)samples, sizeof *latency, by_value);
#define PERCENTILE_US(p) (latency[(long)((p) * (samples - 1) + 0.5)] / 1000.0)
    printf("signal_latency mode=signalfd sig=SIGUSR1 samples=%ld gap_ms=%ld p50_us=%.1f p90_us=%.1f p99_us=%.1f "
           "max_us=%.1f mean_us=%.1f\n",
           samples, gap_ms, PERCENTILE_US(0.5), PERCENTILE_US(0.9), PERCENTILE_US(0.99),
           latency[samples - 1] / 1000.0, sum / samples / 1000.0);
    return 0;
}
