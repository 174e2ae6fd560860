/*
 * The C baseline of the file-event storm (docs/BENCHMARKS.md, "File events: a storm in one
 * directory"): N files created and then deleted in one directory by another process, while this
 * one reads the directory's inotify watch (IN_CREATE | IN_DELETE) in an epoll loop.
 *
 *   inotify_storm watch DIR N TIMES    the watcher: makes TIMES (2 x N timestamps), watches DIR,
 *                                      starts "inotify_storm produce DIR N TIMES" and reads until
 *                                      every file's DELETE came, or the producer is done and the
 *                                      queue stays empty for a second
 *   inotify_storm produce DIR N TIMES  the producer: creates DIR/f0 .. f<N-1> (open O_CREAT, close),
 *                                      then deletes them in the same order; before each call it
 *                                      writes CLOCK_MONOTONIC (ns) into TIMES (mapped shared):
 *                                      slot i for the create of f<i>, slot N + i for its delete
 *
 * A Java watcher (fdloop-bench InotifyStorm) starts the same producer, so that every watcher
 * faces the same storm. The watcher prints one line:
 *   inotify_storm impl=c files=N events=E lost=L overflows=O seconds=S events_per_s=R lag_p50_us=.. lag_p99_us=..
 * events/s: the events received over the time from the first create to the last event read;
 * lag: from the producer's clock reading before the call to the event in the watcher's hands.
 *
 * Build: gcc -O2 -o inotify_storm inotify_storm.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what, int error) {
    fprintf(stderr, "inotify_storm: %s: %s\n", what, strerror(error));
    exit(1);
}

static int compare(const void *a, const void *b) {
    long long x = *(const long long *) a, y = *(const long long *) b;
    return x < y ? -1 : x > y;
}

static double percentile_us(long long *v, long n, double p) {
    if (n == 0) {
        return -1;
    }
    long i = (long) (p * (n - 1) + 0.5);
    return v[i] / 1000.0;
}

/* TIMES mapped shared: 2 x n slots of int64, created (and zeroed) when create is set. */
static volatile long long *map_times(const char *path, long n, int create) {
    int fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0), 0600);
    if (fd < 0) {
        die(path, errno);
    }
    size_t size = (size_t) n * 2 * sizeof(long long);
    if (create && ftruncate(fd, (off_t) size) < 0) {
        die("ftruncate", errno);
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        die("mmap", errno);
    }
    close(fd);
    return p;
}

static int produce(const char *dir, long n, const char *times_path) {
    volatile long long *times = map_times(times_path, n, 0);
    char path[PATH_MAX];
    for (long i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/f%ld", dir, i);
        times[i] = now_ns();
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
            die(path, errno);
        }
        close(fd);
    }
    for (long i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/f%ld", dir, i);
        times[n + i] = now_ns();
        if (unlink(path) < 0) {
            die(path, errno);
        }
    }
    return 0;
}

static int watch(char *self, const char *dir, long n, const char *times_path) {
    volatile long long *times = map_times(times_path, n, 1);
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (in < 0) {
        die("inotify_init1", errno);
    }
    if (inotify_add_watch(in, dir, IN_CREATE | IN_DELETE) < 0) {
        die(dir, errno);
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev) < 0) {
        die("epoll", errno);
    }
    char count[32];
    snprintf(count, sizeof count, "%ld", n);
    char *args[] = {self, "produce", (char *) dir, count, (char *) times_path, NULL};
    pid_t producer;
    int error = posix_spawn(&producer, self, NULL, NULL, args, environ);
    if (error != 0) {
        die("posix_spawn", error);
    }
    long long *lags = malloc(sizeof(long long) * (size_t) n * 2);
    long events = 0, overflows = 0;
    long long last = 0;
    int done = 0, exited = 0;
    static char buffer[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    while (!done) {
        int ready = epoll_wait(ep, &ev, 1, exited ? 1000 : 100);
        if (ready < 0 && errno != EINTR) {
            die("epoll_wait", errno);
        }
        if (ready == 0 && exited) {
            break; /* the producer is done and nothing came for a second: the rest is lost */
        }
        if (!exited && waitpid(producer, NULL, WNOHANG) == producer) {
            exited = 1;
        }
        for (;;) {
            ssize_t got = read(in, buffer, sizeof buffer);
            if (got < 0) {
                if (errno == EAGAIN) {
                    break;
                }
                die("read", errno);
            }
            long long received = now_ns();
            for (char *p = buffer; p < buffer + got;) {
                struct inotify_event *e = (struct inotify_event *) p;
                p += sizeof *e + e->len;
                if (e->mask & IN_Q_OVERFLOW) {
                    overflows++;
                    continue;
                }
                if (e->len == 0 || e->name[0] != 'f') {
                    continue;
                }
                long i = strtol(e->name + 1, NULL, 10);
                long slot = (e->mask & IN_DELETE) ? n + i : i;
                lags[events++] = received - times[slot];
                last = received;
                if ((e->mask & IN_DELETE) && i == n - 1) {
                    done = 1;
                }
            }
        }
    }
    if (!exited) {
        waitpid(producer, NULL, 0);
    }
    double seconds = (last - times[0]) / 1e9;
    long measured = events;
    qsort(lags, (size_t) measured, sizeof *lags, compare);
    printf("inotify_storm impl=c files=%ld events=%ld lost=%ld overflows=%ld seconds=%.3f events_per_s=%.0f "
           "lag_p50_us=%.1f lag_p99_us=%.1f\n",
           n, events, 2 * n - events, overflows, seconds, seconds > 0 ? events / seconds : 0,
           percentile_us(lags, measured, 0.5), percentile_us(lags, measured, 0.99));
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 5 || (strcmp(argv[1], "watch") != 0 && strcmp(argv[1], "produce") != 0)) {
        fprintf(stderr, "usage: inotify_storm watch|produce DIR N TIMES\n");
        return 2;
    }
    long n = strtol(argv[3], NULL, 10);
    if (n <= 0) {
        fprintf(stderr, "inotify_storm: N must be a positive number of files, not %s\n", argv[3]);
        return 2;
    }
    if (strcmp(argv[1], "produce") == 0) {
        return produce(argv[2], n, argv[4]);
    }
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len < 0) {
        die("readlink /proc/self/exe", errno);
    }
    self[len] = 0;
    return watch(self, argv[2], n, argv[4]);
}
