package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.fdloop.testing.BlockedSignals;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Signal-driven I/O: {@link Fd#enableAsync(Signal, int)} and the methods that report it. */
@ExtendWith(NoFdLeaks.class)
class AsyncIoTest {
    private static final Signal SIGNAL = Signal.realtime(4);
    private static final int POLLIN_POLLRDNORM = 0x41;

    @Test
    void enableAsyncSetsSignalOwnerAndFlag() throws Exception {
        try (BlockedSignals _ = BlockedSignals.block(SignalSet.of(SIGNAL));
                OsPipe pipe = OsPipe.open()) {
            int tid = OsThread.currentId();
            assertThat(pipe.readEnd().isAsync()).isFalse();
            assertThat(pipe.readEnd().asyncSignal()).as("no F_SETSIG yet: plain SIGIO").isNull();
            pipe.readEnd().enableAsync(SIGNAL, tid);
            assertThat(pipe.readEnd().asyncOwner()).isEqualTo(new AsyncOwner(AsyncOwner.Kind.THREAD, tid));
            assertThat(pipe.readEnd().asyncSignal()).isEqualTo(SIGNAL);
            assertThat(pipe.readEnd().isAsync()).isTrue();
            assertThat(pipe.readEnd().isNonBlocking()).isTrue();
        }
    }

    @Test
    void eachWriteQueuesOneSignalCarryingTheFdAndBand() throws Exception {
        try (BlockedSignals _ = BlockedSignals.block(SignalSet.of(SIGNAL));
                SignalFd signals = SignalFd.open(SignalSet.of(SIGNAL));
                OsPipe pipe = OsPipe.open()) {
            pipe.readEnd().enableAsync(SIGNAL, OsThread.currentId());
            assertThat(signals.read()).as("nothing before the first write").isNull();

            pipe.writeEnd().write(ByteBuffer.wrap(new byte[] {1}));
            assertThat(Ready.awaitReadable(signals)).isTrue();
            SignalInfo info = signals.read();
            assertThat(info.signal()).isEqualTo(SIGNAL);
            assertThat(info.fd()).isEqualTo(pipe.readEnd().number());
            assertThat(info.band() & POLLIN_POLLRDNORM).isEqualTo(POLLIN_POLLRDNORM);
            assertThat(info.codeName()).isEqualTo("POLL_IN");
            assertThat(signals.read()).as("exactly one signal for one write").isNull();

            pipe.writeEnd().write(ByteBuffer.wrap(new byte[] {2}));
            pipe.writeEnd().write(ByteBuffer.wrap(new byte[] {3}));
            assertThat(signals.read().fd()).isEqualTo(pipe.readEnd().number());
            assertThat(signals.read().fd()).as("a realtime signal per write, even with data already waiting")
                    .isEqualTo(pipe.readEnd().number());
            assertThat(signals.read()).isNull();
        }
    }

    @Test
    void disableAsyncStopsTheSignals() throws Exception {
        try (BlockedSignals _ = BlockedSignals.block(SignalSet.of(SIGNAL));
                SignalFd signals = SignalFd.open(SignalSet.of(SIGNAL));
                OsPipe pipe = OsPipe.open()) {
            pipe.readEnd().enableAsync(SIGNAL, OsThread.currentId());
            pipe.readEnd().disableAsync();
            assertThat(pipe.readEnd().isAsync()).isFalse();
            assertThat(pipe.readEnd().asyncSignal()).as("the signal stays set").isEqualTo(SIGNAL);

            pipe.writeEnd().write(ByteBuffer.wrap(new byte[] {1}));
            assertThat(Ready.readableNow(pipe.readEnd())).as("the write arrived").isTrue();
            assertThat(signals.read()).as("but sent no signal").isNull();
        }
    }

    @Test
    void signalTheOwnerNeitherBlocksNorHandlesIsRefused() throws Exception {
        int tid = OsThread.currentId();
        Signal unhandled = null;
        for (int offset = 5; offset <= 12 && unhandled == null; offset++) {
            Signal s = Signal.realtime(offset);
            if (!SignalSet.blockedInThread(tid).contains(s) && !SignalSet.handledByProcess().contains(s)) {
                unhandled = s;
            }
        }
        assertThat(unhandled).as("a realtime signal that this thread does not block and nobody handles").isNotNull();
        Signal signal = unhandled;
        try (OsPipe pipe = OsPipe.open()) {
            assertThatThrownBy(() -> pipe.readEnd().enableAsync(signal, tid))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(signal.name())
                    .hasMessageContaining("thread " + tid)
                    .hasMessageContaining("block");
            assertThat(pipe.readEnd().isAsync()).as("nothing was changed").isFalse();
            assertThat(pipe.readEnd().asyncSignal()).isNull();
        }
    }

    @Test
    void badOwnerIsRefused() throws Exception {
        try (BlockedSignals _ = BlockedSignals.block(SignalSet.of(SIGNAL));
                OsPipe pipe = OsPipe.open()) {
            assertThatThrownBy(() -> pipe.readEnd().enableAsync(SIGNAL, 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("OsThread.currentId()");
            assertThatThrownBy(() -> pipe.readEnd().enableAsync(null, OsThread.currentId()))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("signal");
            int notAThread = Integer.MAX_VALUE - 1; // above pid_max (at most 2^22): no thread has it
            assertThatThrownBy(() -> pipe.readEnd().enableAsync(SIGNAL, notAThread))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(Integer.toString(notAThread)).hasMessageContaining("no such thread in this process");
        }
    }

    @Test
    void useAfterCloseIsAClearError() throws Exception {
        OsPipe pipe = OsPipe.open();
        pipe.close();
        assertThatThrownBy(() -> pipe.readEnd().enableAsync(SIGNAL, OsThread.currentId()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(pipe.readEnd()::disableAsync).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(pipe.readEnd()::isAsync).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(pipe.readEnd()::asyncSignal).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(pipe.readEnd()::asyncOwner).isInstanceOf(IllegalStateException.class);
    }
}
