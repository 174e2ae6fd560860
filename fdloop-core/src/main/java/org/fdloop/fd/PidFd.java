package org.fdloop.fd;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.util.Objects;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.EventCalls;
import org.fdloop.internal.linux.FileCalls;

/**
 * A pidfd (pidfd_open(2)): a file descriptor that refers to one process, whatever its pid is
 * later reused for.
 *
 * <p>The fd becomes readable when the process exits. A pidfd from {@link #open} is a wake-up
 * only: fdloop never reaps that process (no waitid), because for a child started with
 * {@link ProcessBuilder} the JDK's reaper does that, and {@link Process#exitValue()} reads the
 * status it collected; for any other process the status is its parent's to read. A child
 * started with {@link Spawn} is fdloop's own, and its {@link Child} reaps it through its pidfd.
 * {@link #sendSignal(Signal)} signals exactly this process, never a later one that got its pid.
 */
public final class PidFd extends Fd {
    private final long pid;

    private PidFd(int fd, long pid) {
        super(fd, "pidfd (pid " + pid + ")");
        this.pid = pid;
    }

    /** Takes ownership of {@code fd}, a pidfd for {@code pid} that is O_CLOEXEC and O_NONBLOCK already. */
    static PidFd adopt(int fd, long pid) {
        return new PidFd(fd, pid);
    }

    /**
     * {@link #open(ProcessHandle)}, or {@code null} when the process is gone already (ESRCH): what
     * a source watching for its exit needs, since such a process has nothing left to wait for.
     *
     * @param process the process
     * @return its pidfd, or {@code null} if it has exited and been reaped
     * @throws IOException if pidfd_open fails for another reason than ESRCH
     */
    public static PidFd openUnlessGone(ProcessHandle process) throws IOException {
        try {
            return open(process);
        } catch (LinuxException e) {
            if (e.errno() != ESRCH) {
                throw e;
            }
            return null;
        }
    }

    /**
     * A pidfd for {@code process}.
     *
     * @param process the process; a child of this JVM that the JDK has not reaped yet, or any other live process
     * @return a pidfd for {@code process}
     * @throws LinuxException with errno ESRCH when the process has exited and been reaped (a
     *     child that was waited for), or its pid belongs to another process by now
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static PidFd open(ProcessHandle process) throws IOException {
        Objects.requireNonNull(process, "process");
        long pid = process.pid();
        PidFd pidFd = new PidFd(Errno.check(EventCalls.pidfdOpen(pid, 0), "pidfd_open(pid " + pid + ")"), pid);
        try {
            // If the process was reaped just before pidfd_open, the pid may already name another
            // process; ProcessHandle.isAlive() compares start times and notices. An unreaped
            // zombie still counts as alive, and its pidfd is readable at once, as it should be.
            if (!process.isAlive()) {
                throw Errno.exception("pidfd_open(pid " + pid + ")", ESRCH);
            }
            pidFd.makeNonBlockingAndCloseOnExec();
            return pidFd;
        } catch (IOException | RuntimeException e) {
            pidFd.close();
            throw e;
        }
    }

    /*
     * pidfd_open(2) always sets O_CLOEXEC, and O_NONBLOCK matters only to waitid(P_PIDFD), which
     * fdloop never calls; both are set here anyway to keep the rule that every fd fdloop
     * creates has them, with flags 0 so that kernels before 5.10 (no PIDFD_NONBLOCK) work.
     */
    private void makeNonBlockingAndCloseOnExec() throws IOException {
        int fd = acquire();
        try {
            String what = "fcntl(" + describe() + ", ";
            int flags = Errno.check(FileCalls.fcntl(fd, F_GETFL, 0), what + "F_GETFL)");
            if ((flags & O_NONBLOCK) == 0) {
                Errno.check(FileCalls.fcntl(fd, F_SETFL, flags | O_NONBLOCK), what + "F_SETFL, O_NONBLOCK)");
            }
            int fdFlags = Errno.check(FileCalls.fcntl(fd, F_GETFD, 0), what + "F_GETFD)");
            if ((fdFlags & FD_CLOEXEC) == 0) {
                Errno.check(FileCalls.fcntl(fd, F_SETFD, fdFlags | FD_CLOEXEC), what + "F_SETFD, FD_CLOEXEC)");
            }
        } finally {
            release();
        }
    }

    /** {@return the process id this pidfd was opened for} */
    public long pid() {
        return pid;
    }

    /**
     * Sends {@code signal} to the process (pidfd_send_signal(2)); it arrives as from kill(2).
     *
     * @param signal the signal to send
     * @throws LinuxException with errno ESRCH when the process has exited and been reaped
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void sendSignal(Signal signal) throws IOException {
        Objects.requireNonNull(signal, "signal");
        int fd = acquire();
        try {
            int r = EventCalls.pidfdSendSignal(fd, signal.number());
            if (r < 0) {
                throw Errno.exception("pidfd_send_signal(" + describe() + ", " + signal.name() + ")", -r);
            }
        } finally {
            release();
        }
    }
}
