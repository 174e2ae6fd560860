package org.fdloop.testing;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import org.fdloop.fd.Fd;
import org.fdloop.internal.linux.Constants;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.Structs;

/** poll(2) on one fd, for tests that need to wait for readiness before the event loop exists. */
public final class Ready {
    private Ready() {}

    /** How long a test waits for an event that should come: generous, never a timing assertion. */
    public static final Duration PATIENCE = Duration.ofSeconds(10);

    /** The poll revents of {@code fd} for {@code events}, waiting up to {@code timeout} (0: just look). */
    public static int poll(Fd fd, int events, Duration timeout) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pfd = arena.allocate(Structs.POLLFD);
            pfd.set(JAVA_INT, Structs.POLLFD_FD, fd.number());
            pfd.set(JAVA_SHORT, Structs.POLLFD_EVENTS, (short) events);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                int millis = (int) Math.max(0, Math.min(Integer.MAX_VALUE, (deadline - System.nanoTime()) / 1_000_000));
                if (IoCalls.poll(pfd, 1, millis) > 0) {
                    return pfd.get(JAVA_SHORT, Structs.POLLFD_REVENTS) & 0xffff;
                }
                if (System.nanoTime() - deadline >= 0) {
                    return 0;
                }
            }
        }
    }

    /** Whether {@code fd} is readable now. */
    public static boolean readableNow(Fd fd) throws IOException {
        return (poll(fd, Constants.POLLIN, Duration.ZERO) & Constants.POLLIN) != 0;
    }

    /** Waits (up to {@link #PATIENCE}) until {@code fd} is readable; whether it became so. */
    public static boolean awaitReadable(Fd fd) throws IOException {
        return (poll(fd, Constants.POLLIN, PATIENCE) & Constants.POLLIN) != 0;
    }

    /** Whether {@code fd} is writable now. */
    public static boolean writableNow(Fd fd) throws IOException {
        return (poll(fd, Constants.POLLOUT, Duration.ZERO) & Constants.POLLOUT) != 0;
    }
}
