package org.fdloop.testing;

import java.io.IOException;
import org.fdloop.fd.SignalFd;
import org.fdloop.fd.SignalSet;

/**
 * Blocks signals in the calling thread for the length of a try block, then takes every one of
 * them still pending and restores the thread's previous mask: unblocking a pending SIGUSR1 or
 * realtime signal would kill the JVM.
 *
 * <pre>{@code
 * try (BlockedSignals blocked = BlockedSignals.block(SignalSet.of(Signal.USR1))) { ... }
 * }</pre>
 */
public final class BlockedSignals implements AutoCloseable {
    private final SignalSet signals;
    private final SignalSet previousMask;

    private BlockedSignals(SignalSet signals, SignalSet previousMask) {
        this.signals = signals;
        this.previousMask = previousMask;
    }

    /** Blocks {@code signals} in the calling thread. */
    public static BlockedSignals block(SignalSet signals) throws IOException {
        return new BlockedSignals(signals, signals.block());
    }

    /** Takes the signals still pending for the calling thread and restores its mask; call it in that thread. */
    @Override
    public void close() throws IOException {
        try (SignalFd drain = SignalFd.open(signals)) {
            while (drain.read() != null) {
                // dropped: the test is over
            }
        } finally {
            previousMask.setAsThreadMask();
        }
    }
}
