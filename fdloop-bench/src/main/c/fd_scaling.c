/*
 * fd_scaling -- the C side of `fdloop bench`'s idle-fd scaling: what one iteration of an event
 * loop costs with N idle fds registered, for select, poll and epoll.
 *
 * One thread, N idle eventfds and one active eventfd, opened last so that it has the highest
 * number (the worst case of poll and select, which look at every fd up to it). One iteration:
 * write the active eventfd, wait (select, poll or epoll_wait), find the ready fd as a loop would
 * (select and poll: a sweep over every registered fd; epoll: the one event it returns), and
 * read it. Each cell runs for -t seconds.
 *
 * Build: gcc -O2 -pthread -o fd_scaling fd_scaling.c
 * Usage: fd_scaling [-n 10,100,...] [-m select,poll,epoll] [-t seconds_per_cell]
 * Output, a line per cell:
 *   fd_scaling method=epoll active=last n=.. iters=.. elapsed_s=.. ns_per_iter=..
 * and "# skipped ..." for a cell this process cannot run (select past FD_SETSIZE, RLIMIT_NOFILE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

enum method { SELECT, POLL, EPOLL };
static const char *const method_names[] = {"select", "poll", "epoll"};

static void fail(const char *what) {
    perror(what);
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void poke(int fd) {
    uint64_t one = 1;
    if (write(fd, &one, sizeof one) != sizeof one) fail("write");
}

static void drain(int fd) {
    uint64_t value;
    if (read(fd, &value, sizeof value) != sizeof value) fail("read");
}

/* One cell: the iterations done in about `seconds` and the time they took, in *iters and *elapsed_ns. */
static void run_cell(enum method method, int *fds, long count, double seconds, long *iters, uint64_t *elapsed_ns) {
    int active = fds[count - 1];
    struct pollfd *pfds = NULL;
    fd_set all;
    int epoll_fd = -1;
    if (method == POLL) {
        pfds = calloc((size_t)count, sizeof *pfds);
        if (pfds == NULL) fail("calloc");
        for (long i = 0; i < count; i++) pfds[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
    } else if (method == SELECT) {
        FD_ZERO(&all);
        for (long i = 0; i < count; i++) FD_SET(fds[i], &all);
    } else {
        epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (epoll_fd < 0) fail("epoll_create1");
        for (long i = 0; i < count; i++) {
            struct epoll_event ev = {.events = EPOLLIN, .data.fd = fds[i]};
            if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fds[i], &ev) != 0) fail("epoll_ctl");
        }
    }

    uint64_t start = now_ns(), budget = (uint64_t)(seconds * 1e9), now = start;
    long done = 0;
    while (now - start < budget) {
        for (int batch = 0; batch < 64; batch++) {
            poke(active);
            int ready = -1;
            if (method == EPOLL) {
                struct epoll_event ev;
                if (epoll_wait(epoll_fd, &ev, 1, -1) != 1) fail("epoll_wait");
                ready = ev.data.fd;
            } else if (method == POLL) {
                if (poll(pfds, (nfds_t)count, -1) != 1) fail("poll");
                for (long i = 0; i < count; i++) {
                    if (pfds[i].revents & POLLIN) ready = pfds[i].fd;
                }
            } else {
                fd_set readable = all;
                if (select(active + 1, &readable, NULL, NULL, NULL) != 1) fail("select");
                for (long i = 0; i < count; i++) {
                    if (FD_ISSET(fds[i], &readable)) ready = fds[i];
                }
            }
            if (ready != active) {
                fprintf(stderr, "fd_scaling: %s reported fd %d ready, not %d\n", method_names[method], ready, active);
                exit(1);
            }
            drain(active);
        }
        done += 64;
        now = now_ns();
    }
    *iters = done;
    *elapsed_ns = now - start;
    free(pfds);
    if (epoll_fd >= 0) close(epoll_fd);
}

static void usage(void) {
    fprintf(stderr, "usage: fd_scaling [-n 10,100,...] [-m select,poll,epoll] [-t seconds_per_cell]\n");
    exit(2);
}

int main(int argc, char **argv) {
    char sizes_arg[256] = "10,100,1000,10000", methods_arg[64] = "select,poll,epoll";
    double seconds = 0.5;
    int opt;
    while ((opt = getopt(argc, argv, "n:m:t:h")) != -1) {
        switch (opt) {
        case 'n': snprintf(sizes_arg, sizeof sizes_arg, "%s", optarg); break;
        case 'm': snprintf(methods_arg, sizeof methods_arg, "%s", optarg); break;
        case 't': seconds = atof(optarg); break;
        default: usage();
        }
    }
    if (seconds <= 0) usage();

    /* As many fds as the hard limit allows: the soft limit is often 1024. */
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) fail("getrlimit");
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);

    for (char *method_name = strtok(methods_arg, ","); method_name != NULL; method_name = strtok(NULL, ",")) {
        int method = -1;
        for (int m = 0; m < 3; m++) {
            if (strcmp(method_name, method_names[m]) == 0) method = m;
        }
        if (method < 0) usage();
        char sizes[256];
        snprintf(sizes, sizeof sizes, "%s", sizes_arg);
        char *rest = NULL;
        for (char *size = strtok_r(sizes, ",", &rest); size != NULL; size = strtok_r(NULL, ",", &rest)) {
            long idle = atol(size);
            long count = idle + 1;
            if (idle < 1) usage();
            if ((rlim_t)count + 16 > limit.rlim_cur) {
                printf("# skipped %s n=%ld: needs %ld fds, RLIMIT_NOFILE is %llu\n", method_name, idle, count,
                       (unsigned long long)limit.rlim_cur);
                continue;
            }
            int *fds = calloc((size_t)count, sizeof *fds);
            if (fds == NULL) fail("calloc");
            for (long i = 0; i < count; i++) {
                fds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
                if (fds[i] < 0) fail("eventfd");
            }
            if (method == SELECT && fds[count - 1] >= FD_SETSIZE) {
                printf("# skipped select n=%ld: the highest fd, %d, is past FD_SETSIZE (%d)\n", idle, fds[count - 1],
                       FD_SETSIZE);
            } else {
                long iters;
                uint64_t elapsed;
                run_cell((enum method)method, fds, count, seconds, &iters, &elapsed);
                printf("fd_scaling method=%s active=last n=%ld iters=%ld elapsed_s=%.3f ns_per_iter=%.1f\n", method_name,
                       idle, iters, elapsed / 1e9, (double)elapsed / iters);
            }
            fflush(stdout);
            for (long i = 0; i < count; i++) close(fds[i]);
            free(fds);
        }
    }
    return 0;
}
