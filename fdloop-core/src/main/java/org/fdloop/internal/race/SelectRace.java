package org.fdloop.internal.race;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.fdloop.internal.linux.Constants.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalSet;
import org.fdloop.internal.linux.Errno;
import org.fdloop.internal.linux.FileCalls;
import org.fdloop.internal.linux.IoCalls;
import org.fdloop.internal.linux.NativeSignalHandler;
import org.fdloop.internal.linux.ProcessCalls;
import org.fdloop.internal.linux.Structs;

/**
 * Seed 004's race between a signal handler's flag and select(2), and its two cures, counted over
 * many trials: "check the flag, then select" loses the wake-up of a signal that lands between the
 * two, because the handler ran before select began and nothing tells select; pselect(2) closes the
 * window by keeping the signal blocked until the wait, whose mask unblocks it atomically; the
 * self-pipe trick has the handler write to a pipe that select waits on, so a signal before the
 * wait leaves the pipe readable.
 *
 * <p>The handler is fdloop's native one ({@link NativeSignalHandler}): what a C program's handler
 * does in seed 004 it does too, a counter bumped with an atomic add (the flag) and a write of the
 * siginfo to a pipe (the self-pipe trick, with the sender's pid besides). Everything runs on a
 * platform thread of its own, which the signal is sent to (tgkill), so the masks changed are that
 * thread's alone. Exported to the fdloop command only ({@code fdloop race}).
 */
public final class SelectRace {
    private SelectRace() {}

    /** How the waiter waits after checking the flag. */
    public enum Cure {
        /** check the flag, then select(2): the race */
        NONE,
        /** the signal blocked, check the flag, then pselect(2) with a mask that unblocks it */
        PSELECT,
        /** check the flag, then select(2) on the pipe the handler writes the siginfo to */
        SELF_PIPE
    }

    /** Who sends the signal, and when. */
    public enum Sender {
        /** the waiter itself, between its check and its wait: every signal lands in the window, by construction */
        SELF,
        /** another thread, at a random moment around the window, which the waiter widens by spinning */
        THREAD
    }

    /**
     * The counts of one run.
     *
     * @param cure how the waiter waited
     * @param sender who sent the signal
     * @param trials how many signals were sent, one a trial
     * @param seenByCheck signals the flag check saw (they came before it: nothing to lose)
     * @param wokeTheWait signals that ended the wait at once (EINTR, or the pipe readable)
     * @param lost signals whose handler ran before the wait, which then slept its whole timeout
     * @param afterTheWait signals that came only after the wait's timeout (a late sender; not a race)
     * @param records siginfo records the handler wrote to its pipe (one a signal)
     */
    public record Result(Cure cure, Sender sender, int trials, int seenByCheck, int wokeTheWait, int lost, int afterTheWait,
            long records) {}

    /**
     * Runs {@code trials} trials.
     *
     * @param cure how the waiter waits
     * @param sender who sends the signal
     * @param trials how many, 1 or more
     * @param timeout each wait's timeout: what a lost wake-up costs
     * @param window how long the waiter spins between check and wait with {@link Sender#THREAD}
     * @param signal a realtime signal nothing else in the process handles
     * @return the counts
     * @throws IllegalStateException when something in the process handles {@code signal} already,
     *     or the native handler cannot be used here
     * @throws IOException if a system call fails
     */
    public static Result run(Cure cure, Sender sender, int trials, Duration timeout, Duration window, Signal signal)
            throws IOException, InterruptedException {
        Objects.requireNonNull(cure, "cure");
        Objects.requireNonNull(sender, "sender");
        if (trials < 1 || timeout.isNegative() || timeout.isZero() || window.isNegative()) {
            throw new IllegalArgumentException("trials must be 1 or more and the timeout positive, not " + trials + " and " + timeout);
        }
        if (!signal.isRealtime()) {
            throw new IllegalArgumentException("the race uses a realtime signal (each one queued), not " + signal.name());
        }
        if (SignalSet.handledByProcess().contains(signal) || NativeSignalHandler.isInstalled(signal.number())) {
            throw new IllegalStateException(signal.name() + " is handled in this process already: choose another signal");
        }
        Object[] outcome = new Object[1];
        Thread waiter = Thread.ofPlatform().name("fdloop-select-race").start(() -> {
            try (Race race = new Race(cure, sender, timeout, window, signal)) {
                outcome[0] = race.run(trials);
            } catch (Throwable t) {
                outcome[0] = t;
            }
        });
        waiter.join();
        return switch (outcome[0]) {
            case Result r -> r;
            case IOException e -> throw e;
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            case Throwable t -> throw new IllegalStateException(t);
            default -> throw new IllegalStateException("the race thread ended without a result");
        };
    }

    /** One run, on the waiter thread. */
    private static final class Race implements AutoCloseable {
        private final Cure cure;
        private final Sender sender;
        private final Duration window;
        private final int signo;
        private final Arena arena = Arena.ofConfined();
        private final int[] handlerPipe;
        private final int[] idlePipe;
        private final int slot;
        private final int pid = ProcessCalls.getpid();
        private final int tid = ProcessCalls.gettid();
        private final Duration timeoutValue;
        /** The wait's timeout, set again before each wait: Linux's pselect writes the time left into it. */
        private final MemorySegment timeout;
        private final MemorySegment readSet = arena.allocate(Structs.FD_SET);
        private final MemorySegment maskAndSize;
        private final MemorySegment record = arena.allocate(128, 8);
        private final MemorySegment glibcMask = arena.allocate(Structs.SIGSET);
        private long records;

        Race(Cure cure, Sender sender, Duration timeout, Duration window, Signal signal) throws IOException {
            this.cure = cure;
            this.sender = sender;
            this.window = window;
            this.signo = signal.number();
            this.timeoutValue = timeout;
            this.timeout = arena.allocate(Structs.TIMESPEC);
            handlerPipe = pipe();
            idlePipe = pipe();
            try {
                slot = NativeSignalHandler.add(signo, handlerPipe[1]);
            } catch (IOException | RuntimeException e) {
                closePipes();
                throw e;
            }
            // pselect's mask: this thread's own, without the signal
            Errno.check(ProcessCalls.pthreadSigmask(SIG_BLOCK, MemorySegment.NULL, glibcMask), "pthread_sigmask");
            MemorySegment kernelMask = arena.allocate(JAVA_LONG);
            kernelMask.set(JAVA_LONG, 0, glibcMask.get(JAVA_LONG, 0) & ~(1L << (signo - 1)));
            maskAndSize = arena.allocate(16, 8);
            maskAndSize.set(JAVA_LONG, 0, kernelMask.address());
            maskAndSize.set(JAVA_LONG, 8, 8L);
            if (cure == Cure.PSELECT) {
                SignalSet.of(signal).block(); // this thread's mask: the signal waits, pending, until pselect
            }
            // link and compile the wait before the first trial: the first call takes far longer than the window
            resetTimeout(Duration.ZERO);
            IoCalls.pselect6(0, MemorySegment.NULL, this.timeout, MemorySegment.NULL);
        }

        private int[] pipe() throws IOException {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            Errno.check(FileCalls.pipe2(fds, O_NONBLOCK | O_CLOEXEC), "pipe2");
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }

        Result run(int trials) throws IOException, InterruptedException {
            int seenByCheck = 0;
            int woke = 0;
            int lost = 0;
            int after = 0;
            Semaphore ready = new Semaphore(0);
            Semaphore sent = new Semaphore(0);
            Thread other = null;
            if (sender == Sender.THREAD) {
                long spread = Math.max(2 * window.toNanos(), 1);
                other = Thread.ofPlatform().name("fdloop-select-race-sender").start(() -> {
                    for (int i = 0; i < trials; i++) {
                        ready.acquireUninterruptibly();
                        LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(spread));
                        ProcessCalls.tgkill(pid, tid, signo);
                        sent.release();
                    }
                });
            }
            int fd = cure == Cure.SELF_PIPE ? handlerPipe[0] : idlePipe[0];
            for (int i = 0; i < trials; i++) {
                long seen = flag();
                if (sender == Sender.THREAD) {
                    ready.release();
                }
                if (flag() != seen) {                     // the check
                    seenByCheck++;
                } else {
                    // ---- the window: the handler may run here, and select would not know ----
                    if (sender == Sender.SELF) {
                        Errno.check(ProcessCalls.tgkill(pid, tid, signo), "tgkill"); // lands now (or pends, blocked)
                    } else {
                        spin(window);
                    }
                    readSet.fill((byte) 0);
                    readSet.set(JAVA_LONG, (fd / 64) * 8L, 1L << (fd % 64));
                    resetTimeout(timeoutValue);
                    int r = IoCalls.pselect6(fd + 1, readSet, timeout, cure == Cure.PSELECT ? maskAndSize : MemorySegment.NULL);
                    if (r > 0 || r == -EINTR) {
                        woke++;
                    } else if (r == 0) {
                        if (flag() != seen) {
                            lost++;                       // the handler ran, and the wait slept its whole timeout
                        } else {
                            after++;
                        }
                    } else {
                        throw Errno.exception("pselect6", -r);
                    }
                }
                if (sender == Sender.THREAD) {
                    sent.acquire();
                }
                awaitHandled(seen);
                drain();
            }
            if (other != null) {
                other.join();
            }
            return new Result(cure, sender, trials, seenByCheck, woke, lost, after, records);
        }

        private void resetTimeout(Duration d) {
            timeout.set(JAVA_LONG, Structs.TIMESPEC_SEC, d.toSeconds());
            timeout.set(JAVA_LONG, Structs.TIMESPEC_NSEC, d.toNanosPart());
        }

        /** The flag: how many times the handler ran for the signal. */
        private long flag() {
            return NativeSignalHandler.sent(signo, slot);
        }

        /**
         * Waits until the handler ran for this trial's signal, so that the next trial's flag starts
         * after it: with the signal blocked (pselect) one sent after the wait is still pending, and
         * one another thread sent may reach this thread a little after tgkill returned there.
         */
        private void awaitHandled(long seen) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (flag() == seen && System.nanoTime() - deadline < 0) {
                if (cure == Cure.PSELECT) {
                    resetTimeout(timeoutValue);
                    IoCalls.pselect6(0, MemorySegment.NULL, timeout, maskAndSize); // EINTR at once when it is pending
                } else {
                    Thread.onSpinWait();
                }
            }
        }

        private void drain() {
            while (IoCalls.read(handlerPipe[0], record, 128) == 128) {
                records++;
            }
        }

        private static void spin(Duration window) {
            long end = System.nanoTime() + window.toNanos();
            while (System.nanoTime() - end < 0) {
                Thread.onSpinWait();
            }
        }

        @Override
        public void close() throws IOException {
            try {
                if (cure == Cure.PSELECT) {
                    SignalSet.of(Signal.of(signo)).unblock();
                }
                NativeSignalHandler.remove(signo, slot); // the last slot puts the previous action back
            } finally {
                closePipes();
            }
        }

        private void closePipes() {
            for (int[] pipe : new int[][] {handlerPipe, idlePipe}) {
                if (pipe != null) {
                    IoCalls.close(pipe[0]);
                    IoCalls.close(pipe[1]);
                }
            }
            arena.close();
        }
    }
}
