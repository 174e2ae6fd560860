/*
 * Runs fdloop's machine code (the signal handler of SignalHandlerCode and the system-call stub of
 * Syscalls) outside a JVM, so that the aarch64 code runs too (under qemu-aarch64) on a machine
 * that is not one. MachineCodeRunTest fills in the bytes and the table's address, builds this
 * with gcc for the architecture, runs it, and reads one line per check: "ok ..." or "FAIL ...".
 * Exit status: 0 when every check passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

static const unsigned char handler_code[] = { @HANDLER@ };
static const unsigned char stub_code[] = { @STUB@ };
#define TABLE ((uintptr_t) @TABLE@UL)
#define TABLE_BYTES @TABLE_BYTES@
#define SLOTS @SLOTS@
#define SLOTS_OFFSET @SLOTS_OFFSET@
#define ENTRY_BYTES @ENTRY_BYTES@
#define STEER_OFFSET @STEER_OFFSET@
#define MAIN_OFFSET @MAIN_OFFSET@

static int failures;

static void check(int ok, const char *what) {
    printf("%s %s\n", ok ? "ok" : "FAIL", what);
    fflush(stdout);
    if (!ok) failures++;
}

static volatile int *fd_of(int signo, int slot) {
    return (volatile int *) (TABLE + SLOTS_OFFSET + signo * SLOTS * ENTRY_BYTES + slot * ENTRY_BYTES);
}

static volatile long *sent_of(int signo, int slot) {
    return (volatile long *) ((uintptr_t) fd_of(signo, slot) + 8);
}

static volatile long *active(void) {
    return (volatile long *) TABLE;
}

/* bit signo - 1: the main thread is to block signo the next time the handler runs there */
static volatile unsigned long *steer(void) {
    return (volatile unsigned long *) (TABLE + STEER_OFFSET);
}

static unsigned long bit(int signo) {
    return 1UL << (signo - 1);
}

static void *executable(const unsigned char *code, size_t n) {
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap code"); exit(2); }
    memcpy(p, code, n);
    if (mprotect(p, 4096, PROT_READ | PROT_EXEC)) { perror("mprotect"); exit(2); }
    __builtin___clear_cache((char *) p, (char *) p + n);
    return p;
}

/* A signal to this thread with the given si_code and value; the handler runs before this returns. 0, or errno. */
static int try_queue(int signo, int code, long value) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = signo;
    si.si_code = code;
    si.si_pid = getpid();
    si.si_uid = getuid();
    si.si_value.sival_ptr = (void *) value;
    return syscall(SYS_rt_tgsigqueueinfo, getpid(), (pid_t) syscall(SYS_gettid), signo, &si) ? errno : 0;
}

static void queue(int signo, int code, long value) {
    int e = try_queue(signo, code, value);
    if (e) {
        fprintf(stderr, "rt_tgsigqueueinfo: %s\n", strerror(e));
        exit(2);
    }
}

/* The handler called as a function, as the kernel would call it, with a siginfo and a ucontext of ours. */
static void call(void (*handler)(int, siginfo_t *, void *), int signo, int code, long value, ucontext_t *uc) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = signo;
    si.si_code = code;
    si.si_value.sival_ptr = (void *) value;
    memset(uc, 0, sizeof *uc);
    handler(signo, &si, uc);
}

struct call_args {
    void (*handler)(int, siginfo_t *, void *);
    ucontext_t uc;
};

static void *call_usr1(void *p) {
    struct call_args *args = p;
    call(args->handler, SIGUSR1, SI_QUEUE, 3, &args->uc);
    return NULL;
}

/* The bytes waiting in a non-blocking pipe, read into buf. */
static long drain(int fd, unsigned char *buf, size_t size) {
    long total = 0, n;
    while ((n = read(fd, buf + total, size - total)) > 0) total += n;
    return total;
}

static int blocked(int signo) {
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    return sigismember(&now, signo);
}

static unsigned char buf[65536 * 4];

int main(void) {
    char what[160];

    /* the system-call stub: long stub(long number, long a1, ..., long a6) */
    long (*sys)(long, long, long, long, long, long, long) =
            (long (*)(long, long, long, long, long, long, long)) executable(stub_code, sizeof stub_code);
    check(sys(SYS_getpid, 0, 0, 0, 0, 0, 0) == getpid(), "stub: getpid returns the process id");
    check(sys(SYS_close, -1, 0, 0, 0, 0, 0) == -EBADF, "stub: close(-1) returns -EBADF");
    int p[2];
    if (pipe2(p, O_NONBLOCK)) { perror("pipe2"); return 2; }
    check(sys(SYS_write, p[1], (long) "abc", 3, 0, 0, 0) == 3 && read(p[0], buf, sizeof buf) == 3
            && memcmp(buf, "abc", 3) == 0, "stub: write passes fd, buffer and length");
    /* pselect6 takes six: with nothing to wait for and a zero timeout, 0; the sixth argument
       (a pointer to the mask and its size) at an unmapped address, -EFAULT */
    long zero[2] = {0, 0};
    check(sys(SYS_pselect6, 0, 0, 0, 0, (long) zero, 0) == 0, "stub: pselect6 with six arguments returns 0");
    check(sys(SYS_pselect6, 0, 0, 0, 0, (long) zero, 8) == -EFAULT, "stub: the sixth argument reaches the kernel");
    close(p[0]);
    close(p[1]);

    /* the handler's table, at the address its code was made for */
    void *page = (void *) (TABLE & ~(uintptr_t) 4095);
    if (mmap(page, TABLE_BYTES + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != page) {
        perror("mmap table");
        return 2;
    }
    for (int signo = 0; signo <= 64; signo++)
        for (int slot = 0; slot < SLOTS; slot++) *fd_of(signo, slot) = -1;
    *steer() = 0;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = (void (*)(int, siginfo_t *, void *)) executable(handler_code, sizeof handler_code);
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    if (sigaction(SIGUSR1, &sa, NULL) || sigaction(SIGUSR2, &sa, NULL)) { perror("sigaction"); return 2; }

    int a[2], b[2];
    if (pipe2(a, O_NONBLOCK) || pipe2(b, O_NONBLOCK)) { perror("pipe2"); return 2; }
    *fd_of(SIGUSR1, 0) = a[1];

    queue(SIGUSR1, SI_QUEUE, 42);
    long n = drain(a[0], buf, sizeof buf);
    siginfo_t *si = (siginfo_t *) buf;
    check(n == 128, "handler: one signal, one 128-byte record");
    check(n >= 128 && si->si_signo == SIGUSR1 && si->si_code == SI_QUEUE && si->si_pid == getpid()
            && si->si_value.sival_ptr == (void *) 42L, "handler: the record is the siginfo (signo, code, pid, value)");
    check(*sent_of(SIGUSR1, 0) == 1 && *active() == 0, "handler: sent counted once, active back to 0");

    *fd_of(SIGUSR1, 5) = b[1];
    queue(SIGUSR1, SI_QUEUE, 7);
    long na = drain(a[0], buf, sizeof buf), nb = drain(b[0], buf, sizeof buf);
    check(na == 128 && nb == 128, "handler: two slots of the signal, a record in each pipe");
    check(*sent_of(SIGUSR1, 0) == 2 && *sent_of(SIGUSR1, 5) == 1 && *sent_of(SIGUSR1, 1) == 0,
            "handler: each slot counts its own, free slots none");

    queue(SIGUSR2, SI_QUEUE, 1);
    check(drain(a[0], buf, sizeof buf) == 0 && drain(b[0], buf, sizeof buf) == 0 && *active() == 0,
            "handler: a signal without slots writes nothing");

    /* the main thread's block, the handler called directly: the bit in the ucontext's mask is
       what the thread returns to */
    void (*handler)(int, siginfo_t *, void *) = sa.sa_sigaction;
    ucontext_t uc;
    call(handler, SIGUSR1, SI_QUEUE, 1, &uc);
    check(!sigismember(&uc.uc_sigmask, SIGUSR1) && drain(a[0], buf, sizeof buf) == 128 && *sent_of(SIGUSR1, 0) == 3,
            "handler, called: without its steer bit a signal on the main thread leaves the mask alone and is delivered");
    drain(b[0], buf, sizeof buf);
    *(volatile int *) (TABLE + MAIN_OFFSET) = getpid();
    *steer() = bit(SIGUSR1);
    call(handler, SIGUSR1, SI_QUEUE, 2, &uc);
    check(sigismember(&uc.uc_sigmask, SIGUSR1) && !sigismember(&uc.uc_sigmask, SIGUSR2),
            "handler, called: with its steer bit on the main thread it sets its signal's bit, and only that, in uc_sigmask");
    check(*steer() == 0 && drain(a[0], buf, sizeof buf) == 128 && *sent_of(SIGUSR1, 0) == 4 && *active() == 0,
            "handler, called: and clears the steer bit, and delivers the signal as any other");
    drain(b[0], buf, sizeof buf);
    *steer() = bit(SIGUSR1) | bit(SIGUSR2);
    struct call_args args = {handler};
    pthread_t other;
    if (pthread_create(&other, NULL, call_usr1, &args) || pthread_join(other, NULL)) { perror("pthread"); return 2; }
    check(!sigismember(&args.uc.uc_sigmask, SIGUSR1) && *steer() == (bit(SIGUSR1) | bit(SIGUSR2))
            && drain(a[0], buf, sizeof buf) == 128 && *sent_of(SIGUSR1, 0) == 5,
            "handler, called on another thread: the steer bit stays, the mask is left alone, the signal delivered");
    drain(b[0], buf, sizeof buf);

    /* the same through the kernel: the thread's mask after the handler returned */
    *steer() = bit(SIGUSR1);
    queue(SIGUSR1, SI_QUEUE, 4);
    check(blocked(SIGUSR1) && !blocked(SIGUSR2) && *steer() == 0,
            "handler: with its steer bit the main thread blocks its signal, and only that, once the handler returned");
    check(drain(a[0], buf, sizeof buf) == 128 && *sent_of(SIGUSR1, 0) == 6 && *active() == 0,
            "handler: and the signal is delivered as any other");
    drain(b[0], buf, sizeof buf);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);

    /* a full pipe: the write fails with EAGAIN; the count still goes up, nothing else happens */
    while (write(a[1], buf, 4096) > 0) ;
    while (write(a[1], buf, 1) > 0) ;
    long before = *sent_of(SIGUSR1, 0);
    queue(SIGUSR1, SI_QUEUE, 9);
    snprintf(what, sizeof what, "handler: into a full pipe the record is lost, the count kept (%ld -> %ld)", before, *sent_of(SIGUSR1, 0));
    check(*sent_of(SIGUSR1, 0) == before + 1 && *active() == 0 && drain(b[0], buf, sizeof buf) == 128, what);

    printf("%d failed\n", failures);
    return failures == 0 ? 0 : 1;
}
