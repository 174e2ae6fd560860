package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.invoke.MethodHandle;

/**
 * The calls made as system calls, through {@link Syscalls} (result or -errno, no errno capture),
 * in a class of their own so that the wrapper classes load without the stub (the stub's own page
 * is mapped with {@link ProcessCalls#mmap}).
 *
 * <p>The data path: glibc's read, write, send, recv, sendto, recvfrom and epoll_pwait are
 * thread-cancellation points, and in a multithreaded process (every JVM) each call pays two
 * atomic updates of the thread's cancel state, about as much again as the downcall itself;
 * fdloop never cancels threads. epoll_ctl and timerfd_settime re-arm one-shot fds and timers.
 * epoll_pwait2 and the pidfd calls work this way with a glibc older than the kernel.
 */
final class Direct {
    private Direct() {}

    static final MethodHandle RW = Syscalls.handle(JAVA_LONG, ADDRESS, JAVA_LONG);
    static final MethodHandle RW_CRITICAL = Syscalls.criticalHandle(JAVA_LONG, ADDRESS, JAVA_LONG);
    // sendto(2) and recvfrom(2) serve all four: send is sendto without an address, recv recvfrom without one
    static final MethodHandle SENDTO = Syscalls.handle(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG);
    static final MethodHandle RECVFROM = Syscalls.handle(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS);
    // the sigmask is always NULL: the loop thread's mask stays as it is
    static final MethodHandle EPOLL_PWAIT = Syscalls.handle(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG);
    static final MethodHandle EPOLL_PWAIT2 = Syscalls.handle(JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG);
    // epoll_ctl(2): three numbers and a struct
    static final MethodHandle ARGS3_STRUCT = Syscalls.handle(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS);
    static final MethodHandle TIMERFD_SETTIME = Syscalls.handle(JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS);
    // the poll-set backends' waits (org.fdloop.backend), with the thread's own signal mask (NULL)
    static final MethodHandle PPOLL = Syscalls.handle(ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG);
    static final MethodHandle PSELECT6 = Syscalls.handle(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
    static final MethodHandle ARGS2 = Syscalls.handle(JAVA_LONG, JAVA_LONG);
    static final MethodHandle ARGS4 = Syscalls.handle(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
    static final long SYS_READ = Arch.CURRENT.sysRead;
    static final long SYS_WRITE = Arch.CURRENT.sysWrite;
    static final long SYS_SENDTO = Arch.CURRENT.sysSendto;
    static final long SYS_RECVFROM = Arch.CURRENT.sysRecvfrom;
    static final long SYS_EPOLL_PWAIT = Arch.CURRENT.sysEpollPwait;
    static final long SYS_EPOLL_PWAIT2 = Arch.CURRENT.sysEpollPwait2;
    static final long SYS_EPOLL_CTL = Arch.CURRENT.sysEpollCtl;
    static final long SYS_TIMERFD_SETTIME = Arch.CURRENT.sysTimerfdSettime;
    static final long SYS_PPOLL = Arch.CURRENT.sysPpoll;
    static final long SYS_PSELECT6 = Arch.CURRENT.sysPselect6;
    static final long KERNEL_SIGSET_SIZE = 8;
}
