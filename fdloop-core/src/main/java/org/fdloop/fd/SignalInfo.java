package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.fdloop.internal.linux.Constants.*;

import java.lang.foreign.MemorySegment;
import org.fdloop.internal.linux.Structs;

/**
 * One signal as a {@link SignalFd} reports it: the members of {@code struct signalfd_siginfo}
 * without their {@code ssi_} prefix. Which members mean something depends on the signal and on
 * {@link #code()}: {@code pid} and {@code uid} for a signal sent by a process, {@code fd} and
 * {@code band} for signal-driven I/O, {@code status}, {@code utime} and {@code stime} for
 * SIGCHLD, {@code value} and {@code ptr} for a queued signal. The kernel's unsigned members
 * (pid, uid, tid, band) are Java ints.
 *
 * @param signo the signal number ({@link #signal()})
 * @param errno an errno value, 0 for almost every signal
 * @param code where the signal came from: SI_USER, SI_TKILL, SI_QUEUE, POLL_IN... ({@link #codeName()})
 * @param pid the sender's process id (kill, tgkill, sigqueue), or the child's for SIGCHLD
 * @param uid the sender's real user id
 * @param fd the ready file descriptor, for signal-driven I/O (F_SETSIG)
 * @param tid the kernel timer id, for POSIX timer signals
 * @param band the poll events of the ready fd, for signal-driven I/O: POLLIN|POLLRDNORM is 0x41
 * @param overrun the POSIX timer overrun count
 * @param trapno the trap number of a hardware-generated signal
 * @param status the exit status or signal of a child, for SIGCHLD
 * @param value the int sent with sigqueue(3) or pthread_sigqueue(3) ({@code ssi_int})
 * @param ptr the pointer-sized value sent with sigqueue(3) ({@code ssi_ptr}; its low 32 bits are {@code value})
 * @param utime the child's user CPU time, for SIGCHLD
 * @param stime the child's system CPU time, for SIGCHLD
 * @param addr the faulting address of a hardware-generated signal
 */
public record SignalInfo(int signo, int errno, int code, int pid, int uid, int fd, int tid, int band, int overrun,
                         int trapno, int status, int value, long ptr, long utime, long stime, long addr) {

    /** {@return the signal} */
    public Signal signal() {
        return Signal.of(signo);
    }

    /**
     * The name of {@link #code()}: {@code "SI_USER"} (kill), {@code "SI_TKILL"} (tgkill),
     * {@code "SI_QUEUE"} (sigqueue), {@code "SI_KERNEL"}, {@code "SI_TIMER"}, {@code "SI_MESGQ"},
     * {@code "SI_ASYNCIO"}, {@code "SI_SIGIO"}; for SIGCHLD {@code "CLD_EXITED"} to
     * {@code "CLD_CONTINUED"}; for signal-driven I/O (SIGIO, or the signal set with F_SETSIG)
     * {@code "POLL_IN"} to {@code "POLL_HUP"}; otherwise the number itself, {@code "-7"}. The
     * positive codes of the fault signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS) are
     * given as numbers.
     *
     * @return the name of the signal's {@code si_code}
     */
    public String codeName() {
        return switch (code) {
            case SI_USER -> "SI_USER";
            case SI_KERNEL -> "SI_KERNEL";
            case SI_QUEUE -> "SI_QUEUE";
            case SI_TIMER -> "SI_TIMER";
            case SI_MESGQ -> "SI_MESGQ";
            case SI_ASYNCIO -> "SI_ASYNCIO";
            case SI_SIGIO -> "SI_SIGIO";
            case SI_TKILL -> "SI_TKILL";
            case POLL_IN, POLL_OUT, POLL_MSG, POLL_ERR, POLL_PRI, POLL_HUP -> signo == SIGCHLD ? CLD_NAMES[code - 1]
                    : isFaultSignal(signo) ? Integer.toString(code)
                    : POLL_NAMES[code - 1];
            default -> Integer.toString(code);
        };
    }

    private static final String[] CLD_NAMES = {
        "CLD_EXITED", "CLD_KILLED", "CLD_DUMPED", "CLD_TRAPPED", "CLD_STOPPED", "CLD_CONTINUED",
    };
    private static final String[] POLL_NAMES = {"POLL_IN", "POLL_OUT", "POLL_MSG", "POLL_ERR", "POLL_PRI", "POLL_HUP"};

    /** Signals whose positive codes are the kernel's fault reasons (SEGV_MAPERR, ILL_ILLOPC...), not poll reasons. */
    private static boolean isFaultSignal(int signo) {
        return signo == SIGSEGV || signo == SIGBUS || signo == SIGILL || signo == SIGFPE || signo == SIGTRAP
                || signo == SIGSYS;
    }

    /**
     * Reads a {@code struct signalfd_siginfo} (128 bytes, as read(2) from a signalfd delivers it).
     *
     * @param s the record's bytes
     * @return the record's members
     * @throws IllegalArgumentException if {@code s} is smaller than the struct
     */
    public static SignalInfo from(MemorySegment s) {
        if (s.byteSize() < Structs.SIGNALFD_SIGINFO.byteSize()) {
            throw new IllegalArgumentException("a struct signalfd_siginfo is " + Structs.SIGNALFD_SIGINFO.byteSize()
                    + " bytes; this segment has " + s.byteSize());
        }
        return new SignalInfo(
                s.get(JAVA_INT, Structs.SSI_SIGNO),
                s.get(JAVA_INT, Structs.SSI_ERRNO),
                s.get(JAVA_INT, Structs.SSI_CODE),
                s.get(JAVA_INT, Structs.SSI_PID),
                s.get(JAVA_INT, Structs.SSI_UID),
                s.get(JAVA_INT, Structs.SSI_FD),
                s.get(JAVA_INT, Structs.SSI_TID),
                s.get(JAVA_INT, Structs.SSI_BAND),
                s.get(JAVA_INT, Structs.SSI_OVERRUN),
                s.get(JAVA_INT, Structs.SSI_TRAPNO),
                s.get(JAVA_INT, Structs.SSI_STATUS),
                s.get(JAVA_INT, Structs.SSI_INT),
                s.get(JAVA_LONG, Structs.SSI_PTR),
                s.get(JAVA_LONG, Structs.SSI_UTIME),
                s.get(JAVA_LONG, Structs.SSI_STIME),
                s.get(JAVA_LONG, Structs.SSI_ADDR));
    }

    /**
     * Reads a {@code siginfo_t} (128 bytes, as the kernel hands it to an SA_SIGINFO handler) of a
     * signal sent by a process: {@code si_signo}, {@code si_errno}, {@code si_code},
     * {@code si_pid}, {@code si_uid} and {@code si_value} (its int as {@link #value()}, the whole
     * word as {@link #ptr()}). The members of other kinds of signal (fd, band, status, times,
     * address) are 0. This is what the event loop's native signal handler delivers.
     *
     * @param s the {@code siginfo_t}'s bytes
     * @return the members it holds, the others 0
     * @throws IllegalArgumentException if {@code s} is smaller than the struct
     */
    public static SignalInfo fromSiginfo(MemorySegment s) {
        if (s.byteSize() < Structs.SIGINFO.byteSize()) {
            throw new IllegalArgumentException("a siginfo_t is " + Structs.SIGINFO.byteSize() + " bytes; this segment has "
                    + s.byteSize());
        }
        long value = s.get(JAVA_LONG, Structs.SI_VALUE);
        return new SignalInfo(
                s.get(JAVA_INT, Structs.SI_SIGNO),
                s.get(JAVA_INT, Structs.SI_ERRNO),
                s.get(JAVA_INT, Structs.SI_CODE),
                s.get(JAVA_INT, Structs.SI_PID),
                s.get(JAVA_INT, Structs.SI_UID),
                0, 0, 0, 0, 0, 0,
                (int) value, // sival_int is the low half of the word on little-endian x86_64 and aarch64
                value, 0, 0, 0);
    }
}
