package org.fdloop;

import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.util.StringJoiner;
import java.util.concurrent.RejectedExecutionException;
import org.fdloop.fd.Fd;
import org.fdloop.internal.FdAccess;

/**
 * An fd registered with a loop for readiness: {@link EventLoop#onIo}.
 *
 * <p>Interest is a mask of {@link #READABLE}, {@link #WRITABLE}, {@link #PRIORITY} and
 * {@link #READ_HANGUP}, plus at most one trigger mode: level-triggered (the default: reported
 * while ready), {@link #EDGE} (reported when it becomes ready: read until "nothing ready"), or
 * {@link #ONESHOT} (reported once, then disabled until {@link #enable()}). {@link #HANGUP} and
 * {@link #ERROR} are always reported.
 *
 * <p>The registration pins the fd: closing the {@link Fd} while it is registered makes it
 * unusable at once, and the loop closes this source by its next iteration (from another thread,
 * the close wakes it), which releases the descriptor: the peer of a socket sees its end closed
 * then, not whenever the fd is next ready.
 */
public final class IoSource extends PolledSource {
    /** Data to read (EPOLLIN). */
    public static final int READABLE = EPOLLIN;
    /** Room to write (EPOLLOUT). */
    public static final int WRITABLE = EPOLLOUT;
    /** Urgent data, or a state change on sysfs and some devices (EPOLLPRI). */
    public static final int PRIORITY = EPOLLPRI;
    /** The peer shut down writing (EPOLLRDHUP, stream sockets). */
    public static final int READ_HANGUP = EPOLLRDHUP;
    /** Hung up (EPOLLHUP): always reported. */
    public static final int HANGUP = EPOLLHUP;
    /** An error condition (EPOLLERR): always reported. */
    public static final int ERROR = EPOLLERR;
    /** Edge-triggered (EPOLLET). */
    public static final int EDGE = EPOLLET;
    /** One-shot (EPOLLONESHOT). */
    public static final int ONESHOT = EPOLLONESHOT;

    private static final int INTEREST = READABLE | WRITABLE | PRIORITY | READ_HANGUP;
    private static final int TRIGGERS = EDGE | ONESHOT;

    private final Fd fd;
    final int number;
    private final IoHandler handler;
    private int events;
    /** Run by the Fd's close(), on the closing thread: has the loop close this source. */
    private final Runnable closeWatcher = this::fdClosed;
    /** Whether the error handler was told that this listening socket ran out of descriptors (AcceptReserve). */
    boolean saidOutOfDescriptors;
    /** Whether a ONESHOT registration fired and the kernel disarmed it (enable() or setEvents re-arms). */
    private boolean fired;
    /** The {@link StreamSource} built on this source, told when it closes (by its owner, the loop or the Fd's close); null for none. */
    StreamSource stream;

    IoSource(EventLoop loop, Fd fd, int number, int events, IoHandler handler) {
        super(loop, "io " + fd);
        this.fd = fd;
        this.number = number;
        this.events = events;
        this.handler = handler;
    }

    /** Checks an interest mask at the door. */
    static int checkEvents(int events) {
        if ((events & ~(INTEREST | TRIGGERS | HANGUP | ERROR)) != 0) {
            throw new IllegalArgumentException("unknown event bits 0x" + Integer.toHexString(events & ~(INTEREST | TRIGGERS | HANGUP | ERROR))
                    + ": use IoSource.READABLE, WRITABLE, PRIORITY, READ_HANGUP, EDGE, ONESHOT");
        }
        if ((events & INTEREST) == 0) {
            throw new IllegalArgumentException("an I/O source needs READABLE, WRITABLE, PRIORITY or READ_HANGUP; got "
                    + describe(events));
        }
        if ((events & TRIGGERS) == TRIGGERS) {
            throw new IllegalArgumentException("EDGE and ONESHOT together are not one trigger mode: choose one");
        }
        return events;
    }

    /** {@return the registered fd} */
    public Fd fd() {
        return fd;
    }

    /** {@return the interest mask} */
    public int events() {
        return events;
    }

    /**
     * Changes the interest mask (epoll_ctl MOD). A one-shot source that fired is re-armed and
     * enabled again, as EPOLL_CTL_MOD re-arms it in the kernel; one that {@link #disable()}
     * disabled stays disabled.
     *
     * @param events the new interest mask, as {@link EventLoop#onIo} takes it
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void setEvents(int events) throws IOException {
        loop.checkThread("setEvents");
        checkOpen();
        checkEvents(events);
        if (registered()) {
            modifyInPoller(events); // first: a backend that refuses the interest changes nothing
        }
        this.events = events;
        if (fired) {
            fired = false;
            enabled = true; // the MOD re-armed it
            loop.count(this);
        }
    }

    @Override
    int polledNumber() {
        return number;
    }

    @Override
    void register() throws IOException {
        addToPoller(events);
        FdAccess.get().addCloseWatcher(fd, closeWatcher);
    }

    @Override
    void registrationFailed() {
        FdAccess.get().unpin(fd);
    }

    /** The user closed the Fd, on any thread: the loop closes the source, which lets the number go. */
    private void fdClosed() {
        try {
            loop.execute(() -> {
                if (!closed) {
                    close();
                }
            });
        } catch (RejectedExecutionException e) {
            // the loop ended or closed: its close() closes the source, ignoring
        }
    }

    @Override
    boolean keepsLoopAlive() {
        return true;
    }

    @Override
    void dispatch(int ready) throws Exception {
        if (!fd.isOpen()) {
            // The user closed the Fd while it was registered: release it now (see the class comment).
            close();
            return;
        }
        if ((events & ONESHOT) != 0) {
            enabled = false; // the kernel disarmed it; enable() or setEvents re-arms
            fired = true;
            loop.uncount(this);
        }
        handler.ready(this, ready);
    }

    @Override
    void onEnable() throws IOException {
        fired = false;
        if ((events & ONESHOT) != 0 && registered()) {
            modifyInPoller(events);
        } else if (!registered()) {
            addToPoller(events);
        }
    }

    @Override
    void onDisable() throws IOException {
        if ((events & ONESHOT) == 0) {
            removeFromPoller();
        }
    }

    @Override
    void onClose() {
        FdAccess.get().removeCloseWatcher(fd, closeWatcher);
        removeFromPollerQuietly();
        loop.release(this);
        if (stream != null) {
            stream.ioClosed();
        }
    }

    /**
     * A readable form of an event mask: {@code "READABLE|HANGUP"}.
     *
     * @param events an event mask
     * @return the names of its bits joined by '|': {@code "READABLE|WRITABLE"}
     */
    public static String describe(int events) {
        StringJoiner j = new StringJoiner("|");
        if ((events & READABLE) != 0) j.add("READABLE");
        if ((events & WRITABLE) != 0) j.add("WRITABLE");
        if ((events & PRIORITY) != 0) j.add("PRIORITY");
        if ((events & READ_HANGUP) != 0) j.add("READ_HANGUP");
        if ((events & HANGUP) != 0) j.add("HANGUP");
        if ((events & ERROR) != 0) j.add("ERROR");
        if ((events & EDGE) != 0) j.add("EDGE");
        if ((events & ONESHOT) != 0) j.add("ONESHOT");
        int rest = events & ~(INTEREST | TRIGGERS | HANGUP | ERROR);
        if (rest != 0) j.add("0x" + Integer.toHexString(rest));
        return j.length() == 0 ? "0" : j.toString();
    }
}
