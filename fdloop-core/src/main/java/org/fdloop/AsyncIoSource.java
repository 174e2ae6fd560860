package org.fdloop;

import static org.fdloop.internal.linux.Constants.*;

import java.util.StringJoiner;
import org.fdloop.fd.AsyncOwner;
import org.fdloop.fd.Fd;
import org.fdloop.fd.Signal;

/**
 * An fd in signal-driven I/O mode, owned by a loop's thread: {@link EventLoop#onAsyncIo}.
 *
 * <p>The kernel sends the loop thread a realtime signal each time the fd's readiness changes
 * (fcntl F_SETSIG, F_SETOWN_EX to the loop thread, O_ASYNC); the loop reads it from its signalfd
 * with the fd and the poll band, and dispatches. When the realtime queue is full
 * (RLIMIT_SIGPENDING), the kernel sends one plain SIGIO instead, without an fd; the loop then
 * polls every signal-driven fd once and dispatches the ready ones, so no readiness is lost.
 *
 * <p>A signal names an fd by number, and a number is reused once its file is closed: a signal
 * queued for an fd that has since been closed is dropped, and one for a number now registered
 * for another file is dispatched only if poll(2) finds that file ready.
 *
 * <p>The registration pins the fd like {@link IoSource} does. Closing the source clears
 * O_ASYNC; the signal and owner stay set. Enabling a disabled source looks at the fd once, so
 * readiness that came while it was disabled is reported.
 */
public final class AsyncIoSource extends Source {
    /** The signal the loop uses when none is given: SIGRTMIN+10. */
    public static final Signal DEFAULT_SIGNAL = Signal.realtime(10);

    private final Fd fd;
    final int number;
    private final Signal signal;
    private final AsyncOwner.Kind owner;
    private final int events;
    private final AsyncIoHandler handler;
    /** The bands gathered for the coming dispatch. */
    int band;

    AsyncIoSource(EventLoop loop, Fd fd, int number, Signal signal, AsyncOwner.Kind owner, int events, AsyncIoHandler handler) {
        super(loop, "async io " + fd);
        this.fd = fd;
        this.number = number;
        this.signal = signal;
        this.owner = owner;
        this.events = events;
        this.handler = handler;
    }

    /** {@return the fd} */
    public Fd fd() {
        return fd;
    }

    /** {@return the realtime signal the kernel sends for this fd (F_SETSIG), or {@link Signal#IO} for plain SIGIO (F_SETSIG 0)} */
    public Signal signal() {
        return signal;
    }

    /** {@return who the kernel sends the signal to: the loop thread, this process, or its process group} */
    public AsyncOwner.Kind owner() {
        return owner;
    }

    /** Whether the kernel signals this fd to the process (or its group), through fdloop's native handler. */
    boolean isProcessOwned() {
        return owner != AsyncOwner.Kind.THREAD;
    }

    /** {@return what the handler is called for: {@link IoSource#READABLE}, {@link IoSource#WRITABLE}, {@link IoSource#PRIORITY}} */
    public int events() {
        return events;
    }

    /**
     * What to ask poll(2) for when the loop looks at the fd instead of reading its signal: the
     * events plus their companions, so that the band handed to the handler is the one the kernel
     * puts in a signal (fs/fcntl.c's band table: POLL_IN is POLLIN|POLLRDNORM, POLL_OUT
     * POLLOUT|POLLWRNORM|POLLWRBAND, POLL_PRI POLLPRI|POLLRDBAND), whichever way it came.
     */
    int pollEvents() {
        int asked = events;
        if ((events & POLLIN) != 0) {
            asked |= POLLRDNORM;
        }
        if ((events & POLLOUT) != 0) {
            asked |= POLLWRNORM | POLLWRBAND;
        }
        if ((events & POLLPRI) != 0) {
            asked |= POLLRDBAND;
        }
        return asked;
    }

    /** Whether {@code band} holds one of the events this source wants, or a hangup or error. */
    boolean wants(int band) {
        return (band & (events | POLLHUP | POLLERR)) != 0;
    }

    @Override
    boolean keepsLoopAlive() {
        return true;
    }

    @Override
    void dispatch(int unused) throws Exception {
        int ready = band;
        band = 0;
        if (!fd.isOpen()) {
            // The user closed the Fd while it was registered: release it now, as IoSource does.
            close();
            return;
        }
        if (ready != 0) { // 0: disabled after its readiness was gathered, and enabled again in the same batch
            handler.ready(this, ready);
        }
    }

    @Override
    void onEnable() {
        loop.signals().recheck(this);
    }

    @Override
    void onDisable() {
        band = 0;
    }

    @Override
    void onClose() {
        loop.release(this);
    }

    /**
     * A readable form of a poll band: {@code "POLLIN|POLLRDNORM"}.
     *
     * @param band the poll events of a signal-driven I/O signal
     * @return their names joined by '|': {@code "POLLIN|POLLRDNORM"}
     */
    public static String describeBand(int band) {
        StringJoiner j = new StringJoiner("|");
        String[] names = {"POLLIN", "POLLPRI", "POLLOUT", "POLLERR", "POLLHUP", "POLLNVAL", "POLLRDNORM", "POLLRDBAND",
            "POLLWRNORM", "POLLWRBAND", "POLLMSG"};
        int known = 0;
        for (int bit = 0; bit < names.length; bit++) {
            if ((band & (1 << bit)) != 0) {
                j.add(names[bit]);
            }
            known |= 1 << bit;
        }
        if ((band & POLLRDHUP) != 0) {
            j.add("POLLRDHUP");
        }
        int rest = band & ~known & ~POLLRDHUP;
        if (rest != 0) {
            j.add("0x" + Integer.toHexString(rest));
        }
        return j.length() == 0 ? "0" : j.toString();
    }
}
