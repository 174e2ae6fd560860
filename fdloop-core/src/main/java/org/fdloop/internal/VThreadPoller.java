package org.fdloop.internal;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.Structs;
import org.fdloop.internal.linux.ThreadScratch;

/**
 * Where virtual threads wait for an fd: a platform thread per direction (readable, writable),
 * each in epoll_wait on an epoll instance of its own, with one-shot registrations.
 *
 * <p>A virtual thread that waits puts itself in the map under the fd number, arms the fd
 * (EPOLL_CTL_MOD with EPOLLONESHOT, EPOLL_CTL_ADD the first time) and parks; its carrier is free
 * meanwhile. When the kernel reports the fd, the poller thread takes every thread waiting on that
 * number out of the map and unparks them. A thread that stops waiting for another reason (its
 * timeout, an interrupt, the Fd closed) takes itself out and leaves the registration armed: a
 * later report with nobody waiting does nothing, and the next wait re-arms it. Registrations are
 * removed only when the Fd lets the number go ({@link #forget(int, int)}, before close(2)), so
 * no registration ever outlives its file under a number that the kernel has given to another.
 *
 * <p>Several threads may wait on the same fd in the same direction; one report wakes them all
 * and each one tries its operation again, as after poll(2).
 *
 * <p>The same scheme as the JDK's {@code sun.nio.ch.Poller} for its sockets and pipes, for any
 * fd: the JDK lets its poller threads be virtual threads themselves, here they are platform
 * threads that unpark a waiter in one step.
 */
public final class VThreadPoller {
    /** The bit of a direction in {@link #bit()}: which pollers have had an fd registered. */
    public static final int READ = 1;
    /** The bit of the writable direction. */
    public static final int WRITE = 2;

    private static final int MAX_EVENTS = 512;
    private static final long EVENT_SIZE = Structs.EPOLL_EVENT.byteSize();
    /** epoll_event.data as a long at a 4-aligned offset (x86_64 packs the struct). */
    private static final ValueLayout.OfLong DATA = JAVA_LONG.withByteAlignment(4);

    /** Made on first use, both at once, and kept for the JVM's life. */
    private static final class Both {
        static final VThreadPoller READER = start(READ);
        static final VThreadPoller WRITER = start(WRITE);

        private static VThreadPoller start(int direction) {
            try {
                return new VThreadPoller(direction);
            } catch (IOException e) {
                throw new IllegalStateException("cannot start fdloop's poller for virtual threads: " + e.getMessage(), e);
            }
        }
    }

    private final int direction;
    private final int interest;
    private final int epfd;
    /** fd number to the thread waiting on it (a Thread) or the threads (a Thread[]). */
    private final ConcurrentHashMap<Integer, Object> waiting = new ConcurrentHashMap<>();

    private VThreadPoller(int direction) throws IOException {
        this.direction = direction;
        this.interest = (direction == READ ? EPOLLIN : EPOLLOUT) | EPOLLONESHOT;
        this.epfd = Errno.check(IoCalls.epollCreate1(EPOLL_CLOEXEC), "epoll_create1() for the virtual-thread poller");
        String name = "fdloop-vthread-poller-" + (direction == READ ? "read" : "write");
        Thread.ofPlatform().name(name).daemon().start(this::run);
    }

    /** {@return the poller of a direction, {@link #READ} or {@link #WRITE}, starting both on first use} */
    public static VThreadPoller of(int direction) {
        return direction == READ ? Both.READER : Both.WRITER;
    }

    /** Starts the pollers now (their epoll fds and threads live as long as the JVM): for tests that count fds. */
    public static void start() {
        of(READ);
    }

    /** {@return this poller's bit, {@link #READ} or {@link #WRITE}} */
    public int bit() {
        return direction;
    }

    /**
     * Parks the calling thread until the poller reports {@code fd} ready in this direction (or
     * hung up, or in error), {@code nanos} pass ({@code < 0}: no limit), the thread is interrupted,
     * {@link #wakeup(int)} is called for {@code fd}, or {@code open} answers false. The caller has
     * the fd pinned, so the number cannot change file meanwhile, and has told the Fd that this
     * poller holds a registration for it (so that its close wakes the thread and removes it).
     *
     * @return true when the poller (or {@link #wakeup(int)}) took the thread off the fd; false when
     *     it stopped waiting for one of the other reasons, or spuriously: the caller looks why
     */
    public boolean park(int fd, long nanos, BooleanSupplier open) throws IOException {
        Thread me = Thread.currentThread();
        Integer key = fd;
        waiting.compute(key, (k, v) -> with(v, me));
        int r = arm(fd);
        if (r < 0) {
            waiting.computeIfPresent(key, (k, v) -> without(v, me));
            if (r == -EPERM) {
                return true; // a regular file or a device without poll: always ready, as poll(2) says
            }
            throw Errno.exception("epoll_ctl(fd " + fd + ", " + (direction == READ ? "EPOLLIN" : "EPOLLOUT")
                    + "|EPOLLONESHOT) for a virtual thread's wait", -r);
        }
        long deadline = nanos < 0 ? 0 : System.nanoTime() + nanos;
        while (contains(waiting.get(key), me)) {
            if (!open.getAsBoolean() || me.isInterrupted() || (nanos >= 0 && deadline - System.nanoTime() <= 0)) {
                break;
            }
            if (nanos < 0) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, deadline - System.nanoTime());
            }
        }
        boolean[] wasThere = {false};
        waiting.computeIfPresent(key, (k, v) -> {
            wasThere[0] = contains(v, me);
            return without(v, me);
        });
        return !wasThere[0];
    }

    /** Arms {@code fd} for one report: 0 or -errno. */
    private int arm(int fd) {
        MemorySegment event = ThreadScratch.get().record; // free between this thread's calls
        event.set(JAVA_INT, Structs.EPOLL_EVENT_EVENTS, interest);
        event.set(DATA, Structs.EPOLL_EVENT_DATA, fd);
        int r = IoCalls.epollCtl(epfd, EPOLL_CTL_MOD, fd, event);
        if (r == -ENOENT) {
            r = IoCalls.epollCtl(epfd, EPOLL_CTL_ADD, fd, event);
            if (r == -EEXIST) { // another thread added it meanwhile
                r = IoCalls.epollCtl(epfd, EPOLL_CTL_MOD, fd, event);
            }
        }
        return r;
    }

    /** Unparks every thread waiting on {@code fd} here, as a report would: the Fd was closed. */
    public void wakeup(int fd) {
        unpark(waiting.remove(fd));
    }

    /**
     * Removes {@code fd}'s registration from the pollers whose bits are in {@code bits}; the Fd
     * calls it right before it closes the number, when no call is in flight on it any more.
     */
    public static void forget(int fd, int bits) {
        for (int direction : new int[] {READ, WRITE}) {
            if ((bits & direction) != 0) {
                VThreadPoller poller = of(direction);
                // ENOENT: never armed after all (the wait failed before); nothing else can fail for a live fd
                IoCalls.epollCtl(poller.epfd, EPOLL_CTL_DEL, fd, MemorySegment.NULL);
            }
        }
    }

    private void run() {
        MemorySegment events = Arena.global().allocate(EVENT_SIZE * MAX_EVENTS, 8);
        while (true) {
            int n = IoCalls.epollWait(epfd, events, MAX_EVENTS, -1);
            if (n < 0) {
                // cannot happen with a valid epfd and buffer; say so rather than spin or die silently
                System.err.println("fdloop: " + Errno.exception("epoll_wait(virtual-thread poller)", -n).getMessage());
                LockSupport.parkNanos(100_000_000L);
                continue;
            }
            for (int i = 0; i < n; i++) {
                int fd = (int) events.get(DATA, i * EVENT_SIZE + Structs.EPOLL_EVENT_DATA);
                unpark(waiting.remove(fd));
            }
        }
    }

    private static Object with(Object v, Thread t) {
        if (v == null) {
            return t;
        }
        if (v instanceof Thread one) {
            return new Thread[] {one, t};
        }
        Thread[] many = (Thread[]) v;
        Thread[] grown = Arrays.copyOf(many, many.length + 1);
        grown[many.length] = t;
        return grown;
    }

    private static Object without(Object v, Thread t) {
        if (v == t) {
            return null;
        }
        if (v instanceof Thread[] many) {
            Thread[] kept = Arrays.stream(many).filter(w -> w != t).toArray(Thread[]::new);
            return kept.length == 0 ? null : kept.length == 1 ? kept[0] : kept;
        }
        return v;
    }

    private static boolean contains(Object v, Thread t) {
        if (v == t) {
            return true;
        }
        if (v instanceof Thread[] many) {
            for (Thread w : many) {
                if (w == t) {
                    return true;
                }
            }
        }
        return false;
    }

    private void unpark(Object v) {
        if (v instanceof Thread one) {
            LockSupport.unpark(one);
        } else if (v instanceof Thread[] many) {
            for (Thread t : many) {
                LockSupport.unpark(t);
            }
        }
    }
}
