/*
 * timerfd_jitter -- the C side of TimerLateness: how late a periodic timer wakes an epoll loop.
 *
 * A timer with period -p µs runs for -d seconds. Each expiry's lateness is CLOCK_MONOTONIC right
 * after the wait returned minus the expiry's due time (start + k * period). Two ways to wait:
 *   -m pwait2  no timer fd: the epoll_pwait2 timeout, computed from the next due time, is the
 *              timer, as in fdloop's own timer queue (subject to the thread's timer slack);
 *   -m epoll   a periodic timerfd (absolute first expiry) in epoll, read after each wake-up
 *              (a timerfd's expiry has no slack).
 * -s sets the thread's timer slack in ns (prctl PR_SET_TIMERSLACK; the default is 50,000).
 *
 * Build: gcc -O2 -pthread -o timerfd_jitter timerfd_jitter.c
 * Usage: timerfd_jitter [-m pwait2|epoll] [-p period_us] [-d duration_s] [-s timer_slack_ns]
 * Output: timerfd_jitter mode=.. period_us=.. slack_ns=.. wakeups=.. late_p50_us=.. late_p90_us=..
 *         late_p99_us=.. late_max_us=.. late_mean_us=..
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static void fail(const char *what) {
    perror(what);
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct timespec to_timespec(uint64_t ns) {
    return (struct timespec){.tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u)};
}

static int by_value(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* epoll_pwait2 through syscall(2): glibc has a wrapper only since 2.35. */
static int pwait2(int epoll_fd, struct epoll_event *events, int max, const struct timespec *timeout) {
    return (int)syscall(SYS_epoll_pwait2, epoll_fd, events, max, timeout, NULL, 0);
}

int main(int argc, char **argv) {
    const char *mode = "pwait2";
    long period_us = 1000;
    double duration_s = 3;
    long slack_ns = 0;
    int opt;
    while ((opt = getopt(argc, argv, "m:p:d:s:h")) != -1) {
        switch (opt) {
        case 'm': mode = optarg; break;
        case 'p': period_us = atol(optarg); break;
        case 'd': duration_s = atof(optarg); break;
        case 's': slack_ns = atol(optarg); break;
        default:
            fprintf(stderr, "usage: timerfd_jitter [-m pwait2|epoll] [-p period_us] [-d duration_s] [-s timer_slack_ns]\n");
            return 2;
        }
    }
    int use_timerfd = strcmp(mode, "epoll") == 0;
    if ((!use_timerfd && strcmp(mode, "pwait2") != 0) || period_us < 1 || duration_s <= 0 || slack_ns < 0) {
        fprintf(stderr, "usage: timerfd_jitter [-m pwait2|epoll] [-p period_us] [-d duration_s] [-s timer_slack_ns]\n");
        return 2;
    }
    if (slack_ns > 0 && prctl(PR_SET_TIMERSLACK, (unsigned long)slack_ns, 0, 0, 0) != 0) fail("PR_SET_TIMERSLACK");
    long slack_now = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);

    uint64_t period = (uint64_t)period_us * 1000u;
    long expiries = (long)(duration_s * 1e9 / (double)period);
    if (expiries < 1) expiries = 1;
    int64_t *lateness = calloc((size_t)expiries, sizeof *lateness);
    if (lateness == NULL) fail("calloc");

    int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) fail("epoll_create1");
    int timer_fd = -1;
    uint64_t first = now_ns() + period;
    if (use_timerfd) {
        timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (timer_fd < 0) fail("timerfd_create");
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = timer_fd};
        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, timer_fd, &ev) != 0) fail("epoll_ctl");
        struct itimerspec spec = {.it_value = to_timespec(first), .it_interval = to_timespec(period)};
        if (timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &spec, NULL) != 0) fail("timerfd_settime");
    }

    long wakeups = 0, counted = 0;   /* counted: expiries so far (a timerfd read may return several) */
    while (counted < expiries) {
        struct epoll_event ev;
        if (use_timerfd) {
            int n = epoll_wait(epoll_fd, &ev, 1, -1);
            uint64_t now = now_ns();
            if (n < 0 && errno == EINTR) continue;
            if (n != 1) fail("epoll_wait");
            uint64_t count;
            if (read(timer_fd, &count, sizeof count) != sizeof count) continue;
            counted += (long)count;
            lateness[wakeups++] = (int64_t)(now - (first + (uint64_t)(counted - 1) * period));
        } else {
            uint64_t due = first + (uint64_t)counted * period, now = now_ns();
            struct timespec timeout = to_timespec(due > now ? due - now : 0);
            int n = pwait2(epoll_fd, &ev, 1, &timeout);
            if (n < 0 && errno != EINTR) fail("epoll_pwait2");
            now = now_ns();
            if (now < due) continue;   /* woken early (a signal): wait again */
            lateness[wakeups++] = (int64_t)(now - due);
            counted++;
        }
    }

    int64_t *sorted = lateness;
    qsort(sorted, (size_t)wakeups, sizeof *sorted, by_value);
    double sum = 0;
    for (long i = 0; i < wakeups; i++) sum += (double)sorted[i];
#define PERCENTILE_US(p) (sorted[(long)((p) * (wakeups - 1) + 0.5)] / 1000.0)
    printf("timerfd_jitter mode=%s period_us=%ld slack_ns=%ld wakeups=%ld late_p50_us=%.1f late_p90_us=%.1f "
           "late_p99_us=%.1f late_max_us=%.1f late_mean_us=%.1f\n",
           mode, period_us, slack_now, wakeups, PERCENTILE_US(0.5), PERCENTILE_US(0.9), PERCENTILE_US(0.99),
           sorted[wakeups - 1] / 1000.0, sum / wakeups / 1000.0);
    return 0;
}
