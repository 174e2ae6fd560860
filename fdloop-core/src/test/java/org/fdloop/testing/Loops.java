package org.fdloop.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.fdloop.EventLoop;

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

    /** Runs a few short iterations that should dispatch nothing; returns what they dispatched. */
    public static int runIdle(EventLoop loop) throws Exception {
        int dispatched = 0;
        for (int i = 0; i < 3; i++) {
            dispatched += loop.runOnce(Duration.ofMillis(20));
        }
        return dispatched;
    }
}
