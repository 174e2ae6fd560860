package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.fdloop.internal.linux.Constants.*;
import static org.fdloop.internal.linux.SpawnCalls.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.EventCalls;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.ProcessCalls;
import org.fdloop.internal.linux.SpawnCalls;

/**
 * A child process started with {@link Spawn}: its pidfd, this process's ends of its stdio pipes,
 * and its exit status once reaped.
 *
 * <p>fdloop is the child's only reaper: {@link #tryReap()} reads its status with
 * {@code waitid(P_PIDFD, WNOHANG)} once the pidfd is readable (an event loop's
 * {@code ChildSource} does so when it dispatches), {@link #waitFor} waits for it. The pidfd
 * names this process and no other, so {@link #signal} never reaches a later process that got
 * the same pid.
 *
 * <p>{@link #close()} leaves no zombie: if the child has not been reaped, it is killed with
 * SIGKILL (with its whole process group when it leads one) and reaped, blocking until it is
 * gone; then the pidfd and the pipe ends close. Close a child whose output is still to be read
 * only after reading it.
 *
 * <p>Thread-safe.
 */
public final class Child implements AutoCloseable {
    private final long pid;
    private final PidFd pidFd;
    private final boolean leadsGroup;
    private final StreamFd stdin;
    private final StreamFd stdout;
    private final StreamFd stderr;
    private final String program;
    private ExitStatus status;
    private boolean closed;

    private Child(long pid, PidFd pidFd, boolean leadsGroup, StreamFd[] ends, String program) {
        this.pid = pid;
        this.pidFd = pidFd;
        this.leadsGroup = leadsGroup;
        this.stdin = ends[0];
        this.stdout = ends[1];
        this.stderr = ends[2];
        this.program = program;
    }

    /**
     * The child {@code posix_spawn} just started, with its pidfd. The child cannot have been
     * reaped yet (no one else waits for fdloop's children), so its pid still names it, if only
     * as a zombie. If the pidfd cannot be opened, the child is killed and reaped, and the error
     * thrown.
     */
    static Child started(int pid, boolean leadsGroup, StreamFd[] ends, String program) throws LinuxException {
        int fd = EventCalls.pidfdOpen(pid, PIDFD_NONBLOCK);
        if (fd == -EINVAL) { // before Linux 5.10: no PIDFD_NONBLOCK
            fd = EventCalls.pidfdOpen(pid, 0);
            if (fd >= 0) {
                int r = FileCalls.fcntl(fd, F_SETFL, O_NONBLOCK);
                if (r < 0) {
                    IoCalls.close(fd);
                    fd = r;
                }
            }
        }
        if (fd < 0) {
            ProcessCalls.kill(pid, SIGKILL);
            try (Arena arena = Arena.ofConfined()) {
                waitid(P_PID, pid, arena.allocate(SIGINFO_BYTES, 8), WEXITED);
            }
            throw Errno.exception("pidfd_open(pid " + pid + ", the child " + program + " just started)", -fd,
                    "the child was killed and reaped" + (fd == -EMFILE ? "; the process is out of file descriptors" : ""));
        }
        return new Child(pid, PidFd.adopt(fd, pid), leadsGroup, ends, program);
    }

    /** {@return the child's process id; while the child is not reaped, no other process can have it} */
    public long pid() {
        return pid;
    }

    /** {@return the child's pidfd: readable once the child has exited. Closed by {@link #close()}} */
    public PidFd pidFd() {
        return pidFd;
    }

    /** {@return the program it runs, as given to {@link Spawn}} */
    public String program() {
        return program;
    }

    /** {@return whether the child leads a process group (or session) of its own ({@link Spawn#newProcessGroup()}, {@link Spawn#newSession()})} */
    public boolean leadsGroup() {
        return leadsGroup;
    }

    /** {@return this process's end of the child's stdin pipe, for writing, or null when stdin is not a {@link Spawn.Stdio#pipe()}} */
    public StreamFd stdin() {
        return stdin;
    }

    /** {@return this process's end of the child's stdout pipe, for reading, or null when stdout is not a {@link Spawn.Stdio#pipe()}} */
    public StreamFd stdout() {
        return stdout;
    }

    /** {@return this process's end of the child's stderr pipe, for reading, or null when stderr is not a {@link Spawn.Stdio#pipe()}} */
    public StreamFd stderr() {
        return stderr;
    }

    /**
     * Sends {@code signal} to the child (pidfd_send_signal(2)).
     *
     * @param signal the signal to send
     * @throws LinuxException with ESRCH once the child has been reaped
     * @throws IOException if a system call fails: the {@link LinuxException} names it and its errno
     */
    public void signal(Signal signal) throws IOException {
        pidFd.sendSignal(signal);
    }

    /**
     * Sends {@code signal} to every process of the child's process group: the child and those
     * of its descendants that stayed in it (kill(2) with -pgid). While the group has a member,
     * its id cannot be taken by another group.
     *
     * @param signal the signal to send
     * @throws IllegalStateException when the child does not lead a group of its own: its group
     *     is the JVM's, which the signal would reach too
     * @throws LinuxException with ESRCH when no process is left in the group
     * @throws IOException if a system call fails: the {@link LinuxException} names it and its errno
     */
    public void signalGroup(Signal signal) throws IOException {
        Objects.requireNonNull(signal, "signal");
        if (!leadsGroup) {
            throw new IllegalStateException("pid " + pid + " (" + program + ") is in the JVM's own process group: "
                    + "signalling that group would signal the JVM too. Start it with Spawn.newProcessGroup() or newSession()");
        }
        int r = ProcessCalls.kill((int) -pid, signal.number());
        if (r < 0) {
            throw Errno.exception("kill(-" + pid + ", " + signal.name() + ") to the process group of " + program, -r);
        }
    }

    /**
     * {@return the exit status if the child has exited, reaping it; null while it runs} Once reaped, the
     * same status every time.
     *
     * @throws IllegalStateException when the child was closed before it was reaped
     * @throws IOException if a system call fails: the {@link LinuxException} names it and its errno
     */
    public synchronized ExitStatus tryReap() throws IOException {
        if (status == null) {
            if (closed) {
                throw new IllegalStateException("the child " + pid + " (" + program + ") is closed");
            }
            status = reap(WNOHANG);
        }
        return status;
    }

    /** {@return the exit status once the child has been reaped, else null; reaps nothing} */
    public synchronized ExitStatus status() {
        return status;
    }

    /**
     * Waits until the child exits, at most {@code timeout}, and reaps it.
     *
     * @param timeout how long to wait at most
     * @return the exit status, or null when the timeout passed first
     * @throws IOException if a system call fails: the {@link LinuxException} names it and its errno
     */
    public ExitStatus waitFor(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            ExitStatus s = tryReap();
            if (s != null) {
                return s;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || !pidFd.awaitReadable(Duration.ofNanos(left))) {
                return tryReap();
            }
        }
    }

    private ExitStatus reap(int options) throws IOException {
        int fd = pidFd.acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(SIGINFO_BYTES, 8);
            int r = SpawnCalls.waitid(P_PIDFD, fd, info, WEXITED | options);
            if (r == -EAGAIN) {
                return null; // WNOHANG on an O_NONBLOCK pidfd of a running child, since Linux 5.10
            }
            if (r < 0) {
                throw Errno.exception("waitid(P_PIDFD, " + pidFd.describe() + ")", -r, r == -ECHILD
                        ? "the child was reaped by someone else: is SIGCHLD ignored (SIG_IGN), or does other code wait for any child?"
                        : null);
            }
            if (info.get(JAVA_INT, SIGINFO_PID) == 0) {
                return null;
            }
            int code = info.get(JAVA_INT, SIGINFO_CODE);
            int value = info.get(JAVA_INT, SIGINFO_STATUS);
            return switch (code) {
                case CLD_EXITED -> ExitStatus.exited(value & 0xff);
                case CLD_KILLED -> ExitStatus.killed(Signal.of(value), false);
                case CLD_DUMPED -> ExitStatus.killed(Signal.of(value), true);
                default -> throw new IllegalStateException("waitid(WEXITED) reported si_code " + code + " for pid " + pid);
            };
        } finally {
            pidFd.release();
        }
    }

    /** {@return whether {@link #close()} was called} */
    public synchronized boolean isClosed() {
        return closed;
    }

    /**
     * Kills and reaps the child unless it was reaped already (SIGKILL, to its whole process group
     * when it leads one), then closes its pidfd and pipe ends. Blocks until the child is gone,
     * which after SIGKILL takes as long as the kernel needs to tear it down. Calling it again
     * does nothing.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            if (status == null) {
                killAndReap();
            }
        } finally {
            closed = true;
            pidFd.close();
            for (StreamFd end : new StreamFd[] {stdin, stdout, stderr}) {
                if (end != null) {
                    end.close();
                }
            }
        }
    }

    private void killAndReap() {
        try {
            if (leadsGroup) {
                if (ProcessCalls.kill((int) -pid, SIGKILL) < 0) {
                    pidFd.sendSignal(Signal.KILL); // the group is empty but for the zombie, or gone
                }
            } else {
                pidFd.sendSignal(Signal.KILL);
            }
        } catch (IOException e) {
            // ESRCH: it has exited already, and is a zombie to reap
        }
        try {
            while ((status = reap(WNOHANG)) == null) {
                pidFd.awaitReadable(Duration.ofSeconds(1));
            }
        } catch (IOException e) {
            throw new IllegalStateException("reaping the child " + pid + " (" + program + ") after SIGKILL failed", e);
        }
    }

    @Override
    public synchronized String toString() {
        return "child " + pid + " (" + program + ")" + (status == null ? "" : ", " + status) + (closed ? ", closed" : "");
    }
}
