package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.EventCalls;
import org.fdloop.internal.linux.Structs;
import org.fdloop.internal.linux.ThreadScratch;

/**
 * A timerfd (timerfd_create(2)): a kernel timer on one clock, exposed as a file descriptor.
 *
 * <p>The fd is readable once the timer has expired. {@link #readExpirations()} returns how many
 * times it expired since the last read (more than 1 when an interval timer was not read in
 * time) and resets that count. A one-shot timer disarms itself when it fires; an interval timer
 * keeps firing every interval until {@link #disarm()} or a new arm call replaces it.
 *
 * <p>Relative times ({@link #arm(Duration, Duration)}) count on the timer's clock. Absolute
 * deadlines are given as an {@link Instant} on a {@link Clock#REALTIME REALTIME} timer
 * ({@link #armAt(Instant)}), or in nanoseconds of the timer's own clock on any timer
 * ({@link #armAtClockNanos(long, Duration)}, with {@link #clockNanos()} as "now"). A deadline
 * in the past fires at once.
 */
public final class TimerFd extends Fd {

    /** The clocks a timerfd can count on. */
    public enum Clock {
        /** CLOCK_MONOTONIC: steady time since boot, stopped while the system is suspended. */
        MONOTONIC(CLOCK_MONOTONIC),
        /** CLOCK_REALTIME: the wall clock, which the administrator or NTP can set. */
        REALTIME(CLOCK_REALTIME),
        /** CLOCK_BOOTTIME: like MONOTONIC, but it keeps counting while the system is suspended. */
        BOOTTIME(CLOCK_BOOTTIME);

        private final int id;

        Clock(int id) {
            this.id = id;
        }

        /** {@return the kernel's name for it: {@code CLOCK_MONOTONIC}} */
        public String kernelName() {
            return "CLOCK_" + name();
        }
    }

    /**
     * What {@link #readExpirations()} returns when the wall clock was set (read fails with
     * ECANCELED) while a timer armed with {@code cancelOnSet} was pending.
     */
    public static final long CLOCK_WAS_SET = -1;

    private final Clock clock;

    private TimerFd(int fd, Clock clock) {
        super(fd, "timerfd (" + clock.kernelName() + ")");
        this.clock = clock;
    }

    /**
     * A new, disarmed timer on {@code clock} (TFD_CLOEXEC|TFD_NONBLOCK).
     *
     * @param clock MONOTONIC, REALTIME or BOOTTIME
     * @return a new timer, disarmed
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public static TimerFd open(Clock clock) throws IOException {
        Objects.requireNonNull(clock, "clock");
        return new TimerFd(Errno.check(EventCalls.timerfdCreate(clock.id, TFD_CLOEXEC | TFD_NONBLOCK),
                "timerfd_create(" + clock.kernelName() + ")"), clock);
    }

    /** {@return the clock this timer counts on} */
    public Clock clock() {
        return clock;
    }

    /**
     * Arms a one-shot timer that expires {@code initial} from now; replaces any earlier setting.
     *
     * @param initial positive; zero would disarm the timer, use {@link #disarm()} for that
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void arm(Duration initial) throws IOException {
        arm(initial, Duration.ZERO);
    }

    /**
     * Arms the timer to expire {@code initial} from now and then every {@code interval};
     * replaces any earlier setting and clears the expiration count.
     *
     * @param initial positive; zero would disarm the timer, use {@link #disarm()} for that
     * @param interval zero or positive; {@link Duration#ZERO} expires once
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void arm(Duration initial, Duration interval) throws IOException {
        Objects.requireNonNull(initial, "initial");
        checkInterval(interval);
        if (initial.isNegative()) {
            throw new IllegalArgumentException("a timer's initial delay cannot be negative (" + initial
                    + "); give a positive delay, or use armAtClockNanos for a deadline that may have passed");
        }
        if (initial.isZero()) {
            throw new IllegalArgumentException("an initial delay of zero disarms a timerfd (it_value 0): use disarm() to "
                    + "disarm it, or a positive delay such as Duration.ofNanos(1) to fire at once");
        }
        set(0, initial.getSeconds(), initial.getNano(), interval);
    }

    /**
     * Arms a REALTIME timer to expire once at the wall-clock time {@code deadline}
     * (TFD_TIMER_ABSTIME). A deadline in the past fires at once.
     *
     * @param deadline the wall-clock time
     * @throws IllegalStateException on a MONOTONIC or BOOTTIME timer: use
     *     {@link #armAtClockNanos(long, Duration)} there
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void armAt(Instant deadline) throws IOException {
        armAt(deadline, Duration.ZERO, false);
    }

    /**
     * Arms a REALTIME timer to expire at the wall-clock time {@code deadline}, then every
     * {@code interval} (TFD_TIMER_ABSTIME).
     *
     * @param interval zero or positive; {@link Duration#ZERO} expires once
     * @param cancelOnSet TFD_TIMER_CANCEL_ON_SET: when the wall clock is set (clock_settime,
     *     settimeofday, NTP stepping it) while the timer is armed, the fd becomes readable and
     *     {@link #readExpirations()} returns {@link #CLOCK_WAS_SET}, so the deadline can be
     *     recomputed
     * @param deadline the wall-clock time of the first expiry
     * @throws IllegalStateException on a MONOTONIC or BOOTTIME timer
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void armAt(Instant deadline, Duration interval, boolean cancelOnSet) throws IOException {
        Objects.requireNonNull(deadline, "deadline");
        checkInterval(interval);
        if (clock != Clock.REALTIME) {
            throw new IllegalStateException(cancelOnSet
                    ? "cancelOnSet reports changes of the wall clock and needs a REALTIME timer; this timer counts on "
                            + clock.kernelName() + ": open one with TimerFd.open(Clock.REALTIME)"
                    : "armAt(Instant) takes a wall-clock deadline and needs a REALTIME timer; this timer counts on "
                            + clock.kernelName() + ": use armAtClockNanos(clockNanos() + delay, interval), "
                            + "or open a TimerFd on Clock.REALTIME");
        }
        if (deadline.getEpochSecond() < 0) {
            throw new IllegalArgumentException("CLOCK_REALTIME starts at 1970-01-01T00:00:00Z; " + deadline
                    + " is before it. For a deadline that has passed use any time after 1970, which fires at once");
        }
        int flags = TFD_TIMER_ABSTIME | (cancelOnSet ? TFD_TIMER_CANCEL_ON_SET : 0);
        set(flags, deadline.getEpochSecond(), deadline.getNano(), interval);
    }

    /**
     * Arms the timer to expire when its own clock reads {@code clockNanos} (TFD_TIMER_ABSTIME),
     * then every {@code interval}. Works on every clock; {@link #clockNanos()} tells the current
     * reading. A deadline in the past fires at once.
     *
     * @param clockNanos the deadline in nanoseconds of {@link #clock()}, >= 0
     * @param interval zero or positive; {@link Duration#ZERO} expires once
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void armAtClockNanos(long clockNanos, Duration interval) throws IOException {
        checkInterval(interval);
        if (clockNanos < 0) {
            throw new IllegalArgumentException(clock.kernelName() + " never reads below 0; " + clockNanos
                    + " ns is not a deadline. For a deadline that has passed use any value from 0 on, which fires at once");
        }
        set(TFD_TIMER_ABSTIME, clockNanos / 1_000_000_000L, clockNanos % 1_000_000_000L, interval);
    }

    /**
     * {@return the current reading of this timer's clock in nanoseconds (clock_gettime(2))}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public long clockNanos() throws IOException {
        acquire();
        try {
            MemorySegment now = ThreadScratch.get().record;
            Errno.check(EventCalls.clockGettime(clock.id, now), "clock_gettime(" + clock.kernelName() + ")");
            return now.get(JAVA_LONG, Structs.TIMESPEC_SEC) * 1_000_000_000L + now.get(JAVA_LONG, Structs.TIMESPEC_NSEC);
        } finally {
            release();
        }
    }

    /**
     * Stops the timer (it_value 0) and clears the expiration count; the fd is no longer readable.
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public void disarm() throws IOException {
        set(0, 0, 0, Duration.ZERO);
    }

    /**
     * Whether the timer is armed: a one-shot timer that has fired, or a disarmed one, is not; an
     * interval timer is until it is disarmed or armed anew.
     *
     * @return whether the timer is armed
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public boolean isArmed() throws IOException {
        // the interval too: timerfd_gettime reports it_value 0 for an interval timer whose next
        // expiration is due that moment and not yet moved on (TimerFdTest saw it under load)
        return !remaining().isZero() || !interval().isZero();
    }

    /**
     * {@return the time until the next expiration (it_value of timerfd_gettime), {@link Duration#ZERO} when disarmed}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public Duration remaining() throws IOException {
        return current(Structs.ITIMERSPEC_VALUE);
    }

    /**
     * {@return the interval between expirations (it_interval of timerfd_gettime), {@link Duration#ZERO} for a one-shot timer}
     *
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public Duration interval() throws IOException {
        return current(Structs.ITIMERSPEC_INTERVAL);
    }

    /**
     * Reads and resets the number of expirations since the last read (or the last arm).
     *
     * @return the number of expirations; 0 when the timer has not expired (nothing is ready);
     *     {@link #CLOCK_WAS_SET} when the timer was armed with {@code cancelOnSet} and the wall
     *     clock was set (read(2) failed with ECANCELED)
     * @throws IOException if a system call fails: the {@link org.fdloop.fd.LinuxException} names it and its errno
     */
    public long readExpirations() throws IOException {
        MemorySegment word = ThreadScratch.get().word;
        int errno = readRecord(word, 8);
        if (errno == 0) {
            return word.get(JAVA_LONG, 0);
        }
        if (errno == EAGAIN) {
            return 0;
        }
        if (errno == ECANCELED) {
            return CLOCK_WAS_SET;
        }
        throw readError(errno);
    }

    private static void checkInterval(Duration interval) {
        Objects.requireNonNull(interval, "interval (Duration.ZERO for a one-shot timer)");
        if (interval.isNegative()) {
            throw new IllegalArgumentException("a timer's interval cannot be negative (" + interval
                    + "); use Duration.ZERO for a one-shot timer");
        }
    }

    /*
     * struct itimerspec { struct timespec it_interval; struct timespec it_value; };
     * The thread's 128-byte scratch record holds it, so re-arming allocates nothing.
     */
    private void set(int flags, long valueSeconds, long valueNanos, Duration interval) throws IOException {
        if (flags != 0 && valueSeconds == 0 && valueNanos == 0) {
            valueNanos = 1; // an absolute deadline of 0 is long past, but it_value 0 would disarm instead of firing
        }
        int fd = acquire();
        try {
            MemorySegment spec = ThreadScratch.get().record;
            spec.set(JAVA_LONG, Structs.ITIMERSPEC_INTERVAL + Structs.TIMESPEC_SEC, interval.getSeconds());
            spec.set(JAVA_LONG, Structs.ITIMERSPEC_INTERVAL + Structs.TIMESPEC_NSEC, interval.getNano());
            spec.set(JAVA_LONG, Structs.ITIMERSPEC_VALUE + Structs.TIMESPEC_SEC, valueSeconds);
            spec.set(JAVA_LONG, Structs.ITIMERSPEC_VALUE + Structs.TIMESPEC_NSEC, valueNanos);
            int r = EventCalls.timerfdSettime(fd, flags, spec, MemorySegment.NULL);
            if (r < 0) {
                throw Errno.exception("timerfd_settime(" + describe() + ", " + setting(flags, valueSeconds, valueNanos, interval) + ")", -r);
            }
        } finally {
            release();
        }
    }

    /** A timerfd_settime call as the error message says it; made only when the call fails. */
    private String setting(int flags, long valueSeconds, long valueNanos, Duration interval) {
        if ((flags & TFD_TIMER_ABSTIME) == 0) {
            return valueSeconds == 0 && valueNanos == 0 ? "disarm"
                    : "relative " + Duration.ofSeconds(valueSeconds, valueNanos) + ", interval " + interval;
        }
        String deadline = clock == Clock.REALTIME ? Instant.ofEpochSecond(valueSeconds, valueNanos).toString()
                : (valueSeconds * 1_000_000_000L + valueNanos) + " ns";
        return "at " + deadline + ", interval " + interval + ((flags & TFD_TIMER_CANCEL_ON_SET) != 0 ? ", TFD_TIMER_CANCEL_ON_SET" : "");
    }

    private Duration current(long member) throws IOException {
        int fd = acquire();
        try {
            MemorySegment spec = ThreadScratch.get().record;
            Errno.check(EventCalls.timerfdGettime(fd, spec), "timerfd_gettime(" + describe() + ")");
            return Duration.ofSeconds(spec.get(JAVA_LONG, member + Structs.TIMESPEC_SEC),
                    spec.get(JAVA_LONG, member + Structs.TIMESPEC_NSEC));
        } finally {
            release();
        }
    }

    /**
     * Reads the expirations as {@link #readExpirations()} does, waiting until the timer expired
     * at least once: a virtual thread parks and frees its carrier, a platform thread blocks in
     * poll(2) (see {@link #awaitReadable}, which also says what an interrupt and a close do). A
     * timer that is not armed waits until another thread arms it.
     *
     * @return the number of expirations, at least 1, or {@link #CLOCK_WAS_SET}
     * @throws IOException if a system call fails, the waiting virtual thread was interrupted
     *     ({@link java.io.InterruptedIOException}), or another thread closed this fd meanwhile
     *     ({@link ClosedWhileWaitingException})
     */
    public long takeExpirations() throws IOException {
        while (true) {
            long expirations = readExpirations();
            if (expirations != 0) {
                return expirations;
            }
            await(POLLIN, -1);
        }
    }
}
