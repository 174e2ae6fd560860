package org.fdloop.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.fdloop.EventLoop;
import org.fdloop.internal.linux.Arch;

/** Running a loop in a test until something happened, with {@link Ready#PATIENCE}, never on timing. */
public final class Loops {
    private Loops() {}

    /** Runs {@code loop} until {@code done}, failing the test after {@link Ready#PATIENCE}. */
    public static void runUntil(EventLoop loop, BooleanSupplier done) throws Exception {
        runUntil(loop, Ready.PATIENCE, done);
    }

    /** Runs {@code loop} until {@code done}, failing the test after {@code patience}. */
    public static void runUntil(EventLoop loop, Duration patience, BooleanSupplier done) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!done.getAsBoolean() && System.nanoTime() - deadline < 0) {
            loop.runOnce(Duration.ofMillis(100));
        }
        assertThat(done.getAsBoolean()).as("the awaited event happened within " + patience).isTrue();
    }

    /**
     * Waits until thread {@code tid} of this process is blocked in one of the waits the backends
     * make (epoll_pwait, epoll_pwait2, ppoll, pselect6), as /proc/self/task/TID/syscall shows it,
     * failing after {@link Ready#PATIENCE}. Sleeping alone is not enough: a thread also sleeps on
     * a lock, in class loading or at a safepoint, before its loop waits.
     */
    public static void awaitBlockedInWait(int tid) throws Exception {
        Path syscall = Path.of("/proc/self/task/" + tid + "/syscall");
        Arch arch = Arch.CURRENT;
        Set<String> waits = Set.of(Integer.toString(arch.sysEpollPwait), Integer.toString(arch.sysEpollPwait2),
                Integer.toString(arch.sysPpoll), Integer.toString(arch.sysPselect6));
        long deadline = System.nanoTime() + Ready.PATIENCE.toNanos();
        String now = "";
        while (System.nanoTime() - deadline < 0) {
            now = Files.readString(syscall).strip(); // "NR arg1 ... sp pc" while blocked, "running" or "-1 ..." otherwise
            if (waits.contains(now.split(" ")[0])) {
                return;
            }
            Thread.sleep(1);
        }
        throw new AssertionError("thread " + tid + " did not block in a loop's wait within " + Ready.PATIENCE
                + "; /proc says: " + now);
    }

    /** Runs a few short iterations that should dispatch nothing; returns what they dispatched. */
    public static int runIdle(EventLoop loop) throws Exception {
        int dispatched = 0;
        for (int i = 0; i < 3; i++) {
            dispatched += loop.runOnce(Duration.ofMillis(20));
        }
        return dispatched;
    }
}
