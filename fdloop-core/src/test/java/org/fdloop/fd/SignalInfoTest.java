package org.fdloop.fd;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class SignalInfoTest {

    @Test
    void fromReadsEveryMemberOfSignalfdSiginfo() {
        try (Arena arena = Arena.ofConfined()) {
            // struct signalfd_siginfo: twelve 32-bit members from offset 0, then four 64-bit ones from offset 48
            MemorySegment s = arena.allocate(128, 8);
            for (int i = 0; i < 12; i++) {
                s.set(JAVA_INT, 4L * i, 100 + i);
            }
            for (int i = 0; i < 4; i++) {
                s.set(JAVA_LONG, 48 + 8L * i, 1_000_000_000_000L + i);
            }
            assertThat(SignalInfo.from(s)).isEqualTo(new SignalInfo(100, 101, 102, 103, 104, 105, 106, 107, 108, 109,
                    110, 111, 1_000_000_000_000L, 1_000_000_000_001L, 1_000_000_000_002L, 1_000_000_000_003L));
        }
    }

    @Test
    void generalCodesAreNamedForEverySignal() {
        assertThat(code(Signal.USR1, 0)).isEqualTo("SI_USER");
        assertThat(code(Signal.IO, 0x80)).isEqualTo("SI_KERNEL");
        assertThat(code(Signal.realtime(1), -1)).isEqualTo("SI_QUEUE");
        assertThat(code(Signal.ALRM, -2)).isEqualTo("SI_TIMER");
        assertThat(code(Signal.realtime(1), -3)).isEqualTo("SI_MESGQ");
        assertThat(code(Signal.realtime(1), -4)).isEqualTo("SI_ASYNCIO");
        assertThat(code(Signal.IO, -5)).isEqualTo("SI_SIGIO");
        assertThat(code(Signal.USR1, -6)).isEqualTo("SI_TKILL");
        assertThat(code(Signal.USR1, -7)).as("SI_DETHREAD has no name here").isEqualTo("-7");
    }

    @Test
    void positiveCodesAreNamedForWhatTheSignalIs() {
        assertThat(code(Signal.IO, 1)).isEqualTo("POLL_IN");
        assertThat(code(Signal.realtime(4), 2)).as("F_SETSIG signal").isEqualTo("POLL_OUT");
        assertThat(code(Signal.IO, 3)).isEqualTo("POLL_MSG");
        assertThat(code(Signal.IO, 4)).isEqualTo("POLL_ERR");
        assertThat(code(Signal.IO, 5)).isEqualTo("POLL_PRI");
        assertThat(code(Signal.realtime(4), 6)).isEqualTo("POLL_HUP");
        assertThat(code(Signal.CHLD, 1)).isEqualTo("CLD_EXITED");
        assertThat(code(Signal.CHLD, 2)).isEqualTo("CLD_KILLED");
        assertThat(code(Signal.CHLD, 3)).isEqualTo("CLD_DUMPED");
        assertThat(code(Signal.CHLD, 4)).isEqualTo("CLD_TRAPPED");
        assertThat(code(Signal.CHLD, 5)).isEqualTo("CLD_STOPPED");
        assertThat(code(Signal.CHLD, 6)).isEqualTo("CLD_CONTINUED");
        assertThat(code(Signal.SEGV, 1)).as("SEGV_MAPERR is not a poll reason").isEqualTo("1");
        assertThat(code(Signal.IO, 7)).isEqualTo("7");
    }

    @Test
    void signalIsTheSignalOfSigno() {
        assertThat(info(Signal.WINCH, 0).signal()).isSameAs(Signal.WINCH);
    }

    private static String code(Signal signal, int code) {
        return info(signal, code).codeName();
    }

    private static SignalInfo info(Signal signal, int code) {
        return new SignalInfo(signal.number(), 0, code, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }
}
