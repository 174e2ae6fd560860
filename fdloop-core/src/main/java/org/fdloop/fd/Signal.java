package org.fdloop.fd;

import java.io.IOException;
import java.util.Locale;
import java.util.Objects;
import org.fdloop.internal.linux.Constants;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.ProcessCalls;

/**
 * A Linux signal number with its name: {@code SIGUSR1}, {@code SIGRTMIN+2}.
 *
 * <p>Realtime signals are numbered from glibc's SIGRTMIN, which is known only at run time
 * (34 with glibc, which keeps 32 and 33 for itself): {@link #realtime(int)} gives
 * SIGRTMIN+offset. Instances are interned: compare with {@code ==} or {@code equals}.
 */
public final class Signal implements Comparable<Signal> {
    private static final String[] STANDARD_NAMES = {
        null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM",
        "PROF", "WINCH", "IO", "PWR", "SYS",
    };
    /** The highest signal number on Linux (_NSIG - 1). */
    public static final int MAX_NUMBER = Constants.NSIG - 1;
    private static final int RTMIN = ProcessCalls.sigrtmin();
    private static final int RTMAX = ProcessCalls.sigrtmax();
    private static final Signal[] BY_NUMBER = new Signal[MAX_NUMBER + 1];

    static {
        for (int n = 1; n <= MAX_NUMBER; n++) {
            BY_NUMBER[n] = new Signal(n, nameOf(n));
        }
    }

    /** SIGHUP: hangup of the controlling terminal, or a daemon's "reload" request. */
    public static final Signal HUP = of(Constants.SIGHUP);
    /** SIGINT: interrupt from the keyboard (Ctrl-C). */
    public static final Signal INT = of(Constants.SIGINT);
    /** SIGQUIT: quit from the keyboard (Ctrl-\); the JVM prints a thread dump. */
    public static final Signal QUIT = of(Constants.SIGQUIT);
    /** SIGILL: illegal instruction. */
    public static final Signal ILL = of(Constants.SIGILL);
    /** SIGTRAP: trace or breakpoint trap. */
    public static final Signal TRAP = of(Constants.SIGTRAP);
    /** SIGABRT: abort(3). */
    public static final Signal ABRT = of(Constants.SIGABRT);
    /** SIGBUS: bad memory access, such as past the end of a truncated mapped file; HotSpot handles it. */
    public static final Signal BUS = of(Constants.SIGBUS);
    /** SIGFPE: arithmetic error. */
    public static final Signal FPE = of(Constants.SIGFPE);
    /** SIGKILL: kill; cannot be caught, blocked or ignored. */
    public static final Signal KILL = of(Constants.SIGKILL);
    /** SIGUSR1: user-defined signal 1. */
    public static final Signal USR1 = of(Constants.SIGUSR1);
    /** SIGSEGV: invalid memory reference; HotSpot handles it itself. */
    public static final Signal SEGV = of(Constants.SIGSEGV);
    /** SIGUSR2: user-defined signal 2; HotSpot handles it, leave it alone. */
    public static final Signal USR2 = of(Constants.SIGUSR2);
    /** SIGPIPE: write to a pipe or socket with no reader; HotSpot handles it. */
    public static final Signal PIPE = of(Constants.SIGPIPE);
    /** SIGALRM: timer signal from alarm(2). */
    public static final Signal ALRM = of(Constants.SIGALRM);
    /** SIGTERM: termination request; the JVM runs its shutdown hooks. */
    public static final Signal TERM = of(Constants.SIGTERM);
    /** SIGCHLD: a child stopped, continued or exited. */
    public static final Signal CHLD = of(Constants.SIGCHLD);
    /** SIGCONT: continue if stopped. */
    public static final Signal CONT = of(Constants.SIGCONT);
    /** SIGSTOP: stop the process; cannot be caught, blocked or ignored. */
    public static final Signal STOP = of(Constants.SIGSTOP);
    /** SIGTSTP: stop typed at the terminal (Ctrl-Z). */
    public static final Signal TSTP = of(Constants.SIGTSTP);
    /** SIGTTIN: terminal input for a background process. */
    public static final Signal TTIN = of(Constants.SIGTTIN);
    /** SIGTTOU: terminal output from a background process. */
    public static final Signal TTOU = of(Constants.SIGTTOU);
    /** SIGURG: urgent data on a socket. */
    public static final Signal URG = of(Constants.SIGURG);
    /** SIGXCPU: CPU time limit exceeded. */
    public static final Signal XCPU = of(Constants.SIGXCPU);
    /** SIGXFSZ: file size limit exceeded; HotSpot handles it. */
    public static final Signal XFSZ = of(Constants.SIGXFSZ);
    /** SIGVTALRM: virtual alarm clock. */
    public static final Signal VTALRM = of(Constants.SIGVTALRM);
    /** SIGPROF: profiling timer expired. */
    public static final Signal PROF = of(Constants.SIGPROF);
    /** SIGWINCH: the terminal window was resized. */
    public static final Signal WINCH = of(Constants.SIGWINCH);
    /** SIGIO: I/O is possible on a descriptor (signal-driven I/O); also SIGPOLL. */
    public static final Signal IO = of(Constants.SIGIO);
    /** SIGPWR: power failure. */
    public static final Signal PWR = of(Constants.SIGPWR);
    /** SIGSYS: bad system call (seccomp). */
    public static final Signal SYS = of(Constants.SIGSYS);

    private final int number;
    private final String name;

    private Signal(int number, String name) {
        this.number = number;
        this.name = name;
    }

    /**
     * The signal with this number.
     *
     * @param number the signal number, 1 to 64
     * @return the signal with this number
     * @throws IllegalArgumentException outside 1..64
     */
    public static Signal of(int number) {
        if (number < 1 || number > MAX_NUMBER) {
            throw new IllegalArgumentException("a signal number is from 1 to " + MAX_NUMBER + ", not " + number);
        }
        return BY_NUMBER[number];
    }

    /**
     * SIGRTMIN+offset, glibc's numbering of the realtime signals applications may use.
     *
     * @param offset 0 for SIGRTMIN, up to SIGRTMAX - SIGRTMIN
     * @return the signal SIGRTMIN+offset
     * @throws IllegalArgumentException when SIGRTMIN+offset passes SIGRTMAX
     */
    public static Signal realtime(int offset) {
        if (offset < 0 || offset > RTMAX - RTMIN) {
            throw new IllegalArgumentException("SIGRTMIN+" + offset + " does not exist: offsets run from 0 to " + (RTMAX - RTMIN));
        }
        return BY_NUMBER[RTMIN + offset];
    }

    /**
     * Parses a signal as people write it: {@code USR1}, {@code SIGUSR1}, {@code usr1}, {@code 10},
     * {@code RTMIN}, {@code RTMIN+3}, {@code SIGRTMAX-1}.
     *
     * @param text the signal's name or number
     * @return the signal
     * @throws IllegalArgumentException for anything else, saying what is accepted
     */
    public static Signal parse(String text) {
        Objects.requireNonNull(text, "text");
        String s = text.trim().toUpperCase(Locale.ROOT);
        if (s.startsWith("SIG")) {
            s = s.substring(3);
        }
        try {
            if (isNumber(s)) {
                if (s.length() > 9) {
                    throw new IllegalArgumentException("a signal number is from 1 to " + MAX_NUMBER + ", not " + s);
                }
                return of(Integer.parseInt(s));
            }
            if (s.startsWith("RTMIN")) {
                return realtime(s.length() == 5 ? 0 : offset(s.substring(5), '+'));
            }
            if (s.startsWith("RTMAX")) {
                int below = s.length() == 5 ? 0 : offset(s.substring(5), '-');
                if (below > RTMAX - RTMIN) {
                    throw new IllegalArgumentException("SIGRTMAX-" + below + " does not exist: SIGRTMAX-n runs from n = 0 to "
                            + (RTMAX - RTMIN));
                }
                return realtime(RTMAX - RTMIN - below);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown signal '" + text + "': " + e.getMessage(), e);
        }
        for (int n = 1; n < STANDARD_NAMES.length; n++) {
            if (STANDARD_NAMES[n].equals(s)) {
                return BY_NUMBER[n];
            }
        }
        if (s.equals("IOT")) {
            return ABRT;
        }
        if (s.equals("POLL")) {
            return IO;
        }
        throw new IllegalArgumentException("unknown signal '" + text
                + "': use a name such as USR1 or SIGUSR1, RTMIN+2, or a number from 1 to " + MAX_NUMBER);
    }

    /** The offset in "+3" after RTMIN, or in "-1" after RTMAX. */
    private static int offset(String rest, char sign) {
        String name = sign == '+' ? "RTMIN" : "RTMAX";
        if (rest.length() < 2 || rest.charAt(0) != sign || !isNumber(rest.substring(1))) {
            throw new IllegalArgumentException("write " + name + sign + "n, as in " + name + sign + "2");
        }
        if (rest.length() > 10) {
            throw new IllegalArgumentException("SIG" + name + rest + " does not exist: SIG" + name + sign + "n runs from n = 0 to "
                    + (RTMAX - RTMIN));
        }
        return Integer.parseInt(rest.substring(1));
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static String nameOf(int n) {
        if (n < STANDARD_NAMES.length) {
            return "SIG" + STANDARD_NAMES[n];
        }
        if (n < RTMIN) {
            return "SIG" + n; // 32 and 33: glibc's own (thread cancellation, setxid)
        }
        if (n == RTMIN) {
            return "SIGRTMIN";
        }
        if (n == RTMAX) {
            return "SIGRTMAX";
        }
        // the convention of kill -l: the lower half counts up from RTMIN, the upper half down from RTMAX
        return n - RTMIN <= (RTMAX - RTMIN) / 2 ? "SIGRTMIN+" + (n - RTMIN) : "SIGRTMAX-" + (RTMAX - n);
    }

    /** {@return the signal number} */
    public int number() {
        return number;
    }

    /** {@return the name with the SIG prefix: {@code SIGUSR1}, {@code SIGRTMIN+2}} */
    public String name() {
        return name;
    }

    /** {@return whether this is a realtime signal (queued once per send, with siginfo), SIGRTMIN to SIGRTMAX} */
    public boolean isRealtime() {
        return number >= RTMIN && number <= RTMAX;
    }

    /**
     * Sends this signal to one thread of this process (tgkill).
     *
     * @param tid the kernel's thread id, {@link OsThread#currentId()} for the caller
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void sendToThread(int tid) throws IOException {
        if (tid <= 0) {
            throw new IllegalArgumentException("a thread id is a positive number (OsThread.currentId()), not " + tid);
        }
        int pid = ProcessCalls.getpid();
        int r = ProcessCalls.tgkill(pid, tid, number);
        if (r < 0) {
            throw Errno.exception("tgkill(" + pid + ", " + tid + ", " + name + ")", -r);
        }
    }

    /**
     * Sends this signal to a process (kill).
     *
     * @param pid the process
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void sendToProcess(long pid) throws IOException {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a process id is a positive number, not " + pid);
        }
        int r = ProcessCalls.kill((int) pid, number);
        if (r < 0) {
            throw Errno.exception("kill(" + pid + ", " + name + ")", -r);
        }
    }

    /**
     * Queues this signal to a process with a value (sigqueue(3); si_code SI_QUEUE, the value in
     * {@link SignalInfo#value()}). A realtime signal queues once per call; a standard one sent
     * again while pending is merged by the kernel.
     *
     * @param pid the process
     * @param value the int that comes with it ({@link SignalInfo#value()})
     * @return true, or false when the receiver's queue of realtime signals is full
     *     (RLIMIT_SIGPENDING, counted per user): nothing was sent, try again later
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public boolean queueToProcess(long pid, int value) throws IOException {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a process id is a positive number, not " + pid);
        }
        int r = ProcessCalls.sigqueue((int) pid, number, value);
        if (r < 0 && r != -Constants.EAGAIN) {
            throw Errno.exception("sigqueue(" + pid + ", " + name + ", " + value + ")", -r);
        }
        return r == 0;
    }

    /**
     * Queues this signal to the calling thread with a value (pthread_sigqueue; si_code SI_QUEUE).
     *
     * @param value the value that comes with it ({@link SignalInfo#ptr()}; its low 32 bits are {@link SignalInfo#value()})
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void queueToCurrentThread(long value) throws IOException {
        int r = ProcessCalls.sigqueueSelf(number, value);
        if (r < 0) {
            throw Errno.exception("pthread_sigqueue(self, " + name + ")", -r);
        }
    }

    @Override
    public int compareTo(Signal other) {
        return Integer.compare(number, other.number);
    }

    @Override
    public String toString() {
        return name + "(" + number + ")";
    }
}
