/*
 * The C baseline of the spawn benchmark (docs/BENCHMARKS.md): a program started N times, one at
 * a time, the way fdloop's Spawn and ChildSource do it: posix_spawn with stdin, stdout and stderr
 * on /dev/null (opened by the child), every other descriptor closed (addclosefrom_np), an empty
 * signal mask and default dispositions, the file actions and attributes made once and reused;
 * then pidfd_open, the pidfd in an epoll set, epoll_wait until it is readable, and
 * waitid(P_PIDFD) for the status.
 *
 *   spawn_pidfd [-n N] [-w W] [PROGRAM]     (N = 1000 measured, W = 50 warm-up, PROGRAM = /bin/true)
 *
 * Prints one line: spawn_pidfd n=N start_p50_us=.. start_p99_us=.. exit_p50_us=.. exit_p99_us=..
 * start: the time posix_spawn + pidfd_open take; exit: from before posix_spawn until the reaped
 * status is in hand.
 *
 * Build: gcc -O2 -o spawn_pidfd spawn_pidfd.c (glibc 2.34 or newer).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

extern char **environ;

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int compare(const void *a, const void *b) {
    long long x = *(const long long *) a, y = *(const long long *) b;
    return x < y ? -1 : x > y;
}

static double percentile_us(long long *v, int n, double p) {
    qsort(v, n, sizeof *v, compare);
    int i = (int) (p * (n - 1) + 0.5);
    return v[i] / 1000.0;
}

static void die(const char *what, int error) {
    fprintf(stderr, "spawn_pidfd: %s: %s\n", what, strerror(error));
    exit(1);
}

int main(int argc, char **argv) {
    int n = 1000, warmup = 50, opt;
    while ((opt = getopt(argc, argv, "n:w:")) != -1) {
        switch (opt) {
        case 'n': n = atoi(optarg); break;
        case 'w': warmup = atoi(optarg); break;
        default:
            fprintf(stderr, "usage: spawn_pidfd [-n N] [-w W] [PROGRAM]\n");
            return 2;
        }
    }
    char *program = optind < argc ? argv[optind] : "/bin/true";
    char *child_argv[] = {program, NULL};
    long long *start = calloc(n, sizeof *start), *exit_seen = calloc(n, sizeof *exit_seen);
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1", errno);

    /* as Spawn does for a child whose stdio is /dev/null: the arguments made once, reused by every start */
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    for (int fd = 0; fd < 3; fd++) posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    for (int i = -warmup; i < n; i++) {
        long long t0 = now_ns();
        pid_t pid;
        int r = posix_spawn(&pid, program, &actions, &attr, child_argv, environ);
        if (r != 0) die(program, r);
        int pidfd = (int) syscall(SYS_pidfd_open, pid, O_NONBLOCK);
        if (pidfd < 0) die("pidfd_open", errno);
        long long t1 = now_ns();

        struct epoll_event ev = {.events = EPOLLIN, .data.fd = pidfd};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, pidfd, &ev) < 0) die("epoll_ctl", errno);
        struct epoll_event got;
        while (epoll_wait(epfd, &got, 1, -1) != 1) {
            if (errno != EINTR) die("epoll_wait", errno);
        }
        siginfo_t info;
        memset(&info, 0, sizeof info);
        if (syscall(SYS_waitid, P_PIDFD, pidfd, &info, WEXITED | WNOHANG, NULL) < 0) die("waitid", errno);
        long long t2 = now_ns();
        if (info.si_pid != pid || info.si_code != CLD_EXITED) {
            fprintf(stderr, "spawn_pidfd: child %d ended with si_code %d status %d\n", pid, info.si_code, info.si_status);
            return 1;
        }
        epoll_ctl(epfd, EPOLL_CTL_DEL, pidfd, NULL);
        close(pidfd);
        if (i >= 0) {
            start[i] = t1 - t0;
            exit_seen[i] = t2 - t0;
        }
    }
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    printf("spawn_pidfd n=%d start_p50_us=%.1f start_p99_us=%.1f", n, percentile_us(start, n, 0.5), percentile_us(start, n, 0.99));
    printf(" exit_p50_us=%.1f exit_p99_us=%.1f\n", percentile_us(exit_seen, n, 0.5), percentile_us(exit_seen, n, 0.99));
    return 0;
}
