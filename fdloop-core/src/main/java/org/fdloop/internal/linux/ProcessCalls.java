package org.fdloop.internal.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Processes, threads, signals and memory: getpid, gettid, prctl's timer slack, kill, tgkill,
 * sigqueue, pthread_sigqueue, pthread_sigmask, sigaction, glibc's SIGRTMIN
 * and SIGRTMAX, mmap and mprotect. Each returns its result or {@code -errno} (see {@link LibC});
 * getpid, gettid, SIGRTMIN and SIGRTMAX cannot fail.
 */
public final class ProcessCalls {
    private ProcessCalls() {}

    private static final class Getpid { static final MethodHandle HANDLE = LibC.bindPlain("getpid", FunctionDescriptor.of(JAVA_INT)); }
    private static final class Gettid { static final MethodHandle HANDLE = LibC.bindPlain("gettid", FunctionDescriptor.of(JAVA_INT)); }
    // prctl(2) is variadic; both timer-slack options take one unsigned long (or nothing)
    private static final class Prctl { static final MethodHandle HANDLE = LibC.bindVariadic("prctl", 1, JAVA_INT, JAVA_INT, JAVA_LONG); }
    private static final class Kill { static final MethodHandle HANDLE = LibC.bind("kill", JAVA_INT, JAVA_INT, JAVA_INT); }
    private static final class Tgkill { static final MethodHandle HANDLE = LibC.bind("tgkill", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT); }
    // union sigval is one 8-byte word, passed in a general register on x86_64 and aarch64
    private static final class Sigqueue { static final MethodHandle HANDLE = LibC.bind("sigqueue", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG); }
    private static final class PthreadSelf { static final MethodHandle HANDLE = LibC.bindPlain("pthread_self", FunctionDescriptor.of(JAVA_LONG)); }
    private static final class PthreadSigqueue { static final MethodHandle HANDLE = LibC.bindReturningError("pthread_sigqueue", JAVA_LONG, JAVA_INT, JAVA_LONG); }
    private static final class PthreadSigmask { static final MethodHandle HANDLE = LibC.bindReturningError("pthread_sigmask", JAVA_INT, ADDRESS, ADDRESS); }
    private static final class Sigaction { static final MethodHandle HANDLE = LibC.bind("sigaction", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS); }
    private static final class Sigrtmin { static final MethodHandle HANDLE = LibC.bindPlain("__libc_current_sigrtmin", FunctionDescriptor.of(JAVA_INT)); }
    private static final class Sigrtmax { static final MethodHandle HANDLE = LibC.bindPlain("__libc_current_sigrtmax", FunctionDescriptor.of(JAVA_INT)); }
    private static final class Mmap { static final MethodHandle HANDLE = LibC.bind("mmap", ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG); }
    private static final class Mprotect { static final MethodHandle HANDLE = LibC.bind("mprotect", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT); }
    private static final class Unshare { static final MethodHandle HANDLE = LibC.bind("unshare", JAVA_INT, JAVA_INT); }

    /** getpid(2). */
    public static int getpid() {
        try {
            return (int) Getpid.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw LibC.unexpected("getpid", t);
        }
    }

    /** gettid(2): the kernel's id of the calling thread. */
    public static int gettid() {
        try {
            return (int) Gettid.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw LibC.unexpected("gettid", t);
        }
    }

    /**
     * The calling thread's timer slack in nanoseconds (prctl PR_GET_TIMERSLACK), or -errno: how
     * much later than asked the kernel may end its timed waits, to coalesce wake-ups (50,000 by
     * default).
     */
    public static long timerSlack() {
        try {
            return (int) Prctl.HANDLE.invokeExact(Constants.PR_GET_TIMERSLACK, 0L);
        } catch (Throwable t) {
            throw LibC.unexpected("prctl", t);
        }
    }

    /** Sets the calling thread's timer slack (prctl PR_SET_TIMERSLACK; 0 means the thread's default): 0 or -errno. */
    public static int setTimerSlack(long nanos) {
        try {
            return (int) Prctl.HANDLE.invokeExact(Constants.PR_SET_TIMERSLACK, nanos);
        } catch (Throwable t) {
            throw LibC.unexpected("prctl", t);
        }
    }

    // ---- signals ------------------------------------------------------------------------------

    /** kill(2): 0 or -errno. */
    public static int kill(int pid, int signal) {
        try {
            return (int) Kill.HANDLE.invokeExact(pid, signal);
        } catch (Throwable t) {
            throw LibC.unexpected("kill", t);
        }
    }

    /** tgkill(2), a signal to one thread of a process: 0 or -errno. */
    public static int tgkill(int pid, int tid, int signal) {
        try {
            return (int) Tgkill.HANDLE.invokeExact(pid, tid, signal);
        } catch (Throwable t) {
            throw LibC.unexpected("tgkill", t);
        }
    }

    /**
     * sigqueue(3): {@code signal} to process {@code pid} with {@code value} (si_code SI_QUEUE).
     * 0 or -errno: -EAGAIN when the receiver's queue of realtime signals is full (RLIMIT_SIGPENDING).
     */
    public static int sigqueue(int pid, int signal, long value) {
        try {
            return (int) Sigqueue.HANDLE.invokeExact(pid, signal, value);
        } catch (Throwable t) {
            throw LibC.unexpected("sigqueue", t);
        }
    }

    /** pthread_sigqueue(3) to the calling thread, carrying {@code value} (si_code SI_QUEUE): 0 or -errno. */
    public static int sigqueueSelf(int signal, long value) {
        try {
            return (int) PthreadSigqueue.HANDLE.invokeExact((long) PthreadSelf.HANDLE.invokeExact(), signal, value);
        } catch (Throwable t) {
            throw LibC.unexpected("pthread_sigqueue", t);
        }
    }

    /** pthread_sigmask(3) with glibc {@link Structs#SIGSET}s; {@code set} or {@code old} may be NULL. 0 or -errno. */
    public static int pthreadSigmask(int how, MemorySegment set, MemorySegment old) {
        try {
            return (int) PthreadSigmask.HANDLE.invokeExact(how, set, old);
        } catch (Throwable t) {
            throw LibC.unexpected("pthread_sigmask", t);
        }
    }

    /** sigaction(2) through glibc (which adds its SA_RESTORER trampoline); {@code action} or {@code old} may be NULL. 0 or -errno. */
    public static int sigaction(int signal, MemorySegment action, MemorySegment old) {
        try {
            return (int) Sigaction.HANDLE.invokeExact(signal, action, old);
        } catch (Throwable t) {
            throw LibC.unexpected("sigaction", t);
        }
    }

    /** glibc's SIGRTMIN: the first realtime signal left for applications (34: glibc keeps 32 and 33). */
    public static int sigrtmin() {
        try {
            return (int) Sigrtmin.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw LibC.unexpected("__libc_current_sigrtmin", t);
        }
    }

    /** glibc's SIGRTMAX. */
    public static int sigrtmax() {
        try {
            return (int) Sigrtmax.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw LibC.unexpected("__libc_current_sigrtmax", t);
        }
    }

    // ---- memory -------------------------------------------------------------------------------

    /** mmap(2) of {@code length} bytes anywhere: the mapping's address, or -errno. */
    public static long mmap(long length, int protection, int flags, int fd, long offset) {
        try {
            return (long) Mmap.HANDLE.invokeExact(MemorySegment.NULL, length, protection, flags, fd, offset);
        } catch (Throwable t) {
            throw LibC.unexpected("mmap", t);
        }
    }

    /** mprotect(2): 0 or -errno. */
    public static int mprotect(MemorySegment page, long length, int protection) {
        try {
            return (int) Mprotect.HANDLE.invokeExact(page, length, protection);
        } catch (Throwable t) {
            throw LibC.unexpected("mprotect", t);
        }
    }

    // ---- namespaces ---------------------------------------------------------------------------

    /** unshare(2): moves the calling thread into new namespaces ({@code CLONE_NEWNET}): 0 or -errno. */
    public static int unshare(int flags) {
        try {
            return (int) Unshare.HANDLE.invokeExact(flags);
        } catch (Throwable t) {
            throw LibC.unexpected("unshare", t);
        }
    }
}
