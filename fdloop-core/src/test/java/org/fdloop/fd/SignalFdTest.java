package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.fdloop.testing.BlockedSignals;
import org.fdloop.testing.NoFdLeaks;
import org.fdloop.testing.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoFdLeaks.class)
class SignalFdTest {
    private static final Signal RT1 = Signal.realtime(1);
    private static final Signal RT2 = Signal.realtime(2);
    private static final Signal RT3 = Signal.realtime(3);

    @Test
    void signalSentToTheReadingThreadIsReadWithItsSender() throws Exception {
        try (BlockedSignals _ = BlockedSignals.block(SignalSet.of(Signal.USR1));
                SignalFd signals = SignalFd.open(SignalSet.of(Signal.USR1))) {
            assertThat(Ready.readableNow(signals)).isFalse();
            Signal.USR1.sendToThread(OsThread.currentId());
            assertThat(Ready.awaitReadable(signals)).isTrue();
            SignalInfo info = signals.read();
            assertThat(info.signal()).isEqualTo(Signal.USR1);
            assertThat(info.signo()).isEqualTo(10);
            assertThat(info.code()).isEqualTo(-6);
            assertThat(info.codeName()).isEqualTo("SI_TKILL");
            assertThat(info.pid()).isEqualTo(OsThread.processId());
            assertThat(info.uid()).isEqualTo(realUid());
            assertThat(signals.read()).as("the signal was taken").isNull();
        }
    }

    @Test
    void queuedSignalCarriesItsValue() throws Exception {
        long value = 0x0000_0042_1234_5678L;
        try (BlockedSignals _ = BlockedSignals.block(SignalSet.of(RT1));
                SignalFd signals = SignalFd.open(SignalSet.of(RT1))) {
            RT1.queueToCurrentThread(value);
            assertThat(Ready.awaitReadable(signals)).isTrue();
            SignalInfo info = signals.read();
            assertThat(info.signal()).isEqualTo(RT1);
            assertThat(info.codeName()).isEqualTo("SI_QUEUE");
            assertThat(info.value()).as("ssi_int: the low 32 bits").isEqualTo(0x1234_5678);
            assertThat(info.ptr()).as("ssi_ptr: the whole sigval").isEqualTo(value);
            assertThat(info.pid()).isEqualTo(OsThread.processId());
        }
    }

    @Test
    void standardSignalsCoalesceWhileRealtimeSignalsQueue() throws Exception {
        try (BlockedSignals _ = BlockedSignals.block(SignalSet.of(Signal.USR1, RT2));
                SignalFd signals = SignalFd.open(SignalSet.of(Signal.USR1, RT2))) {
            int self = OsThread.currentId();
            Signal.USR1.sendToThread(self);
            Signal.USR1.sendToThread(self);
            RT2.queueToCurrentThread(1);
            RT2.queueToCurrentThread(2);
            RT2.queueToCurrentThread(3);
            assertThat(Ready.awaitReadable(signals)).isTrue();
            // the kernel hands out the lowest-numbered pending signal first: USR1, then the realtime queue in order
            SignalInfo first = signals.read();
            assertThat(first.signal()).isEqualTo(Signal.USR1);
            assertThat(signals.read().value()).isEqualTo(1);
            assertThat(signals.read().value()).isEqualTo(2);
            assertThat(signals.read().value()).isEqualTo(3);
            assertThat(signals.read()).as("two USR1 were one record, three realtime signals three").isNull();
        }
    }

    @Test
    void readWithNothingPendingReturnsNull() throws Exception {
        try (SignalFd signals = SignalFd.open(SignalSet.of(Signal.USR1))) {
            assertThat(signals.read()).isNull();
        }
    }

    @Test
    void setSignalsChangesWhatItReports() throws Exception {
        try (BlockedSignals _ = BlockedSignals.block(SignalSet.of(Signal.USR1, RT3));
                SignalFd signals = SignalFd.open(SignalSet.of(Signal.USR1))) {
            RT3.sendToThread(OsThread.currentId());
            assertThat(Ready.readableNow(signals)).as("RT3 is pending but not in the set").isFalse();
            assertThat(signals.read()).isNull();
            signals.setSignals(SignalSet.of(RT3));
            assertThat(signals.signals()).isEqualTo(SignalSet.of(RT3));
            assertThat(Ready.readableNow(signals)).isTrue();
            assertThat(signals.read().signal()).isEqualTo(RT3);
            Signal.USR1.sendToThread(OsThread.currentId());
            assertThat(signals.read()).as("USR1 is no longer in the set").isNull();
        }
    }

    @Test
    void emptySetIsAllowedAndReportsNothing() throws Exception {
        try (BlockedSignals _ = BlockedSignals.block(SignalSet.of(Signal.USR1));
                SignalFd signals = SignalFd.open(SignalSet.empty())) {
            assertThat(signals.signals().isEmpty()).isTrue();
            Signal.USR1.sendToThread(OsThread.currentId());
            assertThat(Ready.readableNow(signals)).isFalse();
            assertThat(signals.read()).isNull();
            signals.setSignals(SignalSet.of(Signal.USR1));
            assertThat(signals.read().signal()).isEqualTo(Signal.USR1);
        }
    }

    @Test
    void killAndStopAreRefused() throws Exception {
        assertThatThrownBy(() -> SignalFd.open(SignalSet.of(Signal.USR1, Signal.KILL)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SIGKILL and SIGSTOP cannot be blocked").hasMessageContaining("{SIGKILL, SIGUSR1}");
        try (SignalFd signals = SignalFd.open(SignalSet.of(Signal.USR1))) {
            assertThatThrownBy(() -> signals.setSignals(SignalSet.of(Signal.STOP)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SIGSTOP");
            assertThat(signals.signals()).as("unchanged").isEqualTo(SignalSet.of(Signal.USR1));
        }
    }

    @Test
    void nullSetIsRefused() throws Exception {
        assertThatThrownBy(() -> SignalFd.open(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("SignalSet.empty()");
        try (SignalFd signals = SignalFd.open(SignalSet.empty())) {
            assertThatThrownBy(() -> signals.setSignals(null)).isInstanceOf(NullPointerException.class);
        }
    }

    @Test
    void createdNonBlockingAndCloseOnExec() throws Exception {
        try (SignalFd signals = SignalFd.open(SignalSet.of(Signal.USR1))) {
            assertThat(signals.isNonBlocking()).isTrue();
            assertThat(signals.isCloseOnExec()).isTrue();
        }
    }

    @Test
    void useAfterCloseIsAClearError() throws Exception {
        SignalFd signals = SignalFd.open(SignalSet.of(Signal.USR1));
        int number = signals.number();
        signals.close();
        assertThatThrownBy(signals::read).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("signalfd (fd " + number + ") is closed");
        assertThatThrownBy(() -> signals.setSignals(SignalSet.of(Signal.HUP))).isInstanceOf(IllegalStateException.class);
    }

    /** The real user id, from the Uid line of /proc/self/status. */
    private static int realUid() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.substring(4).trim().split("\\s+")[0]);
            }
        }
        throw new AssertionError("no Uid line in /proc/self/status");
    }
}
