package org.fdloop;

import java.io.IOException;
import java.util.Objects;
import org.fdloop.fd.Child;
import org.fdloop.fd.Spawn;
import org.fdloop.internal.backend.Poller;
import org.fdloop.internal.linux.Constants;
import org.fdloop.internal.linux.Errno;

/**
 * The part of {@link EventLoop}'s API that reports processes' exits, each through a pidfd in the
 * wait set: a JDK {@link Process} ({@link ExitSource}), a child started with {@link Spawn}
 * ({@link ChildSource}), any process ({@link ProcessExitSource}). They register alike
 * ({@link #addExit}); the public methods are {@code EventLoop}'s, documented there.
 */
abstract sealed class LoopProcesses extends LoopSources permits LoopRegistry {
    LoopProcesses(Poller poller, ErrorHandler errorHandler, SignalRoute signalRoute, int signalPipeBytes,
            boolean timing) {
        super(poller, errorHandler, signalRoute, signalPipeBytes, timing);
    }

    /**
     * Dispatches {@code handler} once, on the loop thread, when {@code process} has exited. The
     * loop waits on a pidfd and never reaps the child: the JDK does, and the handler gets the
     * status it collected ({@link Process#exitValue()}). A child that has exited already, even
     * one the JDK reaped, is reported on the next iteration.
     *
     * @param process a child of this JVM
     * @param handler called on the loop thread once, after the child exited
     * @return the registration
     * @throws UnsupportedOperationException when {@code process} has no {@link Process#toHandle() handle}
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public ExitSource onExit(Process process, ExitHandler handler) throws IOException {
        return addExit("onExit", process, handler, loop -> ExitSource.open(loop, process, handler));
    }

    /**
     * Starts a child ({@link Spawn#start()}) and dispatches {@code handler} once, on the loop
     * thread, when it has exited, with its status; see {@link ChildSource}. If the loop closes
     * while the child runs, the child is killed (with its process group when it leads one) and
     * reaped.
     *
     * @param spawn what to start
     * @param handler called on the loop thread once, after the child exited, with its status
     * @return the registration, which holds the child
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public ChildSource spawn(Spawn spawn, ChildHandler handler) throws IOException {
        checkThread("spawn");
        Objects.requireNonNull(handler, "handler");
        Child child = spawn.start();
        try {
            return onChildExit(child, handler);
        } catch (IOException | RuntimeException e) {
            child.close();
            throw e;
        }
    }

    /**
     * Dispatches {@code handler} once, on the loop thread, when {@code child} has exited, with its status; see {@link ChildSource}.
     *
     * @param child a child started with {@link Spawn}, whose status the loop reaps
     * @param handler called on the loop thread once, after the child exited, with its status
     * @return the registration
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public ChildSource onChildExit(Child child, ChildHandler handler) throws IOException {
        return addExit("onChildExit", child, handler, loop -> ChildSource.open(loop, child, handler));
    }

    /**
     * Dispatches {@code handler} once, on the loop thread, when {@code process} has exited: any
     * process, not only this JVM's children, through a pidfd. The exit status is not reported
     * (only the parent can read it); see {@link ProcessExitSource}. A process gone already is
     * reported on the next iteration.
     *
     * @param process any process
     * @param handler called on the loop thread once, after the process exited
     * @return the registration
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public ProcessExitSource onExit(ProcessHandle process, ProcessExitHandler handler) throws IOException {
        return addExit("onExit", process, handler, loop -> ProcessExitSource.open(loop, process, handler));
    }

    /**
     * {@link #onExit(ProcessHandle, ProcessExitHandler)} for the process with id {@code pid}.
     *
     * @param pid the process's id
     * @param handler called on the loop thread once, after the process exited
     * @return the registration
     * @throws org.fdloop.fd.LinuxException with ESRCH when no process has that id
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public ProcessExitSource onExit(long pid, ProcessExitHandler handler) throws IOException {
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow(() -> Errno.exception(
                "onExit(pid " + pid + ")", Constants.ESRCH, "no process has id " + pid));
        return onExit(process, handler);
    }

    /** Opens an exit source for this loop; its pidfd is open, or the process is gone (then it is reported as due). */
    private interface ExitOpener<S extends PolledSource> {
        S open(EventLoop loop) throws IOException;
    }

    /**
     * The one registration of an exit source: on the loop thread, for a non-null process and
     * handler, the source opened, then registered (which puts its pidfd in the wait set, or has a
     * process gone already reported on the next iteration).
     */
    private <S extends PolledSource> S addExit(String method, Object process, Object handler, ExitOpener<S> opener)
            throws IOException {
        checkThread(method);
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(handler, "handler");
        S source = opener.open(self());
        register(source);
        return source;
    }
}
