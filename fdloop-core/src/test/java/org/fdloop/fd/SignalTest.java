package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.fdloop.internal.linux.ProcessCalls;
import org.junit.jupiter.api.Test;

class SignalTest {
    private static final int RTMIN = ProcessCalls.sigrtmin();
    private static final int RTMAX = ProcessCalls.sigrtmax();

    @Test
    void parseAcceptsTheWaysPeopleWriteASignal() {
        assertThat(Signal.parse("USR1")).isSameAs(Signal.USR1);
        assertThat(Signal.parse("SIGUSR1")).isSameAs(Signal.USR1);
        assertThat(Signal.parse("usr1")).isSameAs(Signal.USR1);
        assertThat(Signal.parse("sigusr1")).isSameAs(Signal.USR1);
        assertThat(Signal.parse(" TERM ")).isSameAs(Signal.TERM);
        assertThat(Signal.parse("10")).isSameAs(Signal.USR1);
        assertThat(Signal.parse("RTMIN").number()).isEqualTo(RTMIN);
        assertThat(Signal.parse("RTMIN+3").number()).isEqualTo(RTMIN + 3);
        assertThat(Signal.parse("sigrtmin+3")).isSameAs(Signal.realtime(3));
        assertThat(Signal.parse("SIGRTMAX").number()).isEqualTo(RTMAX);
        assertThat(Signal.parse("SIGRTMAX-1").number()).isEqualTo(RTMAX - 1);
        assertThat(Signal.parse("IOT")).as("the old name of ABRT").isSameAs(Signal.ABRT);
        assertThat(Signal.parse("POLL")).as("the System V name of IO").isSameAs(Signal.IO);
    }

    @Test
    void parseGivesBackEveryName() {
        for (int n = 1; n <= Signal.MAX_NUMBER; n++) {
            Signal s = Signal.of(n);
            assertThat(Signal.parse(s.name())).as(s.name()).isSameAs(s);
            assertThat(Signal.parse(Integer.toString(n))).isSameAs(s);
        }
    }

    @Test
    void parseRefusesUnknownSignalsSayingWhatIsAccepted() {
        assertThatThrownBy(() -> Signal.parse("FOO")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown signal 'FOO'").hasMessageContaining("USR1").hasMessageContaining("RTMIN+2");
        assertThatThrownBy(() -> Signal.parse("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown signal ''").hasMessageContaining("a number from 1 to 64");
        assertThatThrownBy(() -> Signal.parse("0")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown signal '0'").hasMessageContaining("from 1 to 64");
        assertThatThrownBy(() -> Signal.parse("65")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown signal '65'").hasMessageContaining("from 1 to 64");
        assertThatThrownBy(() -> Signal.parse("99999999999")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown signal '99999999999'").hasMessageContaining("from 1 to 64");
        assertThatThrownBy(() -> Signal.parse("RTMIN+99")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown signal 'RTMIN+99'")
                .hasMessageContaining("SIGRTMIN+99 does not exist")
                .hasMessageContaining("from 0 to " + (RTMAX - RTMIN));
        assertThatThrownBy(() -> Signal.parse("SIGRTMAX-99")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown signal 'SIGRTMAX-99'")
                .hasMessageContaining("SIGRTMAX-99 does not exist")
                .hasMessageContaining("SIGRTMAX-n runs from n = 0 to " + (RTMAX - RTMIN));
        assertThatThrownBy(() -> Signal.parse("RTMIN+99999999999")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SIGRTMIN+99999999999 does not exist");
        assertThatThrownBy(() -> Signal.parse("RTMIN-1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown signal 'RTMIN-1'").hasMessageContaining("RTMIN+n");
        assertThatThrownBy(() -> Signal.parse("RTMIN+")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown signal 'RTMIN+'");
        assertThatThrownBy(() -> Signal.parse(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("text");
    }

    @Test
    void realtimeSignalsAreNamedAsKillDashLNamesThem() {
        assertThat(Signal.of(RTMIN).name()).isEqualTo("SIGRTMIN");
        assertThat(Signal.realtime(1).name()).isEqualTo("SIGRTMIN+1");
        assertThat(Signal.of(RTMAX).name()).isEqualTo("SIGRTMAX");
        assertThat(Signal.of(RTMAX - 1).name()).isEqualTo("SIGRTMAX-1");
        if (RTMIN == 34 && RTMAX == 64) { // glibc on Linux
            assertThat(Signal.of(49).name()).isEqualTo("SIGRTMIN+15");
            assertThat(Signal.of(50).name()).isEqualTo("SIGRTMAX-14");
            assertThat(Signal.of(32).name()).as("glibc's own").isEqualTo("SIG32");
        }
        assertThat(Signal.realtime(2).isRealtime()).isTrue();
        assertThat(Signal.USR1.isRealtime()).isFalse();
        assertThat(Signal.realtime(2).toString()).isEqualTo("SIGRTMIN+2(" + (RTMIN + 2) + ")");
    }

    @Test
    void standardSignalsHaveTheirLinuxNumbers() {
        assertThat(Signal.USR1.number()).isEqualTo(10);
        assertThat(Signal.USR1.name()).isEqualTo("SIGUSR1");
        assertThat(Signal.CHLD.number()).isEqualTo(17);
        assertThat(Signal.IO.number()).isEqualTo(29);
        assertThat(Signal.of(15)).isSameAs(Signal.TERM);
    }

    @Test
    void outOfRangeNumbersAndOffsetsAreRefused() {
        assertThatThrownBy(() -> Signal.of(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("from 1 to 64, not 0");
        assertThatThrownBy(() -> Signal.of(65)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Signal.realtime(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("offsets run from 0 to " + (RTMAX - RTMIN));
        assertThatThrownBy(() -> Signal.realtime(RTMAX - RTMIN + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Signal.realtime(Integer.MAX_VALUE)).as("no int overflow to a negative index")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
    }

    @Test
    void sendingToABadTargetIsRefused() {
        // SIGCONT, harmless should a guard ever go: kill(0) and kill(-1) reach the process group and every process
        assertThatThrownBy(() -> Signal.CONT.sendToProcess(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a process id is a positive number, not 0");
        assertThatThrownBy(() -> Signal.CONT.sendToProcess(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Signal.CONT.sendToThread(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a thread id is a positive number").hasMessageContaining("OsThread.currentId()");
    }
}
