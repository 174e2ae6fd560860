package org.fdloop.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SignalSetTest {
    private static final Signal RT6 = Signal.realtime(6);

    @Test
    void holdsExactlyTheSignalsItWasMadeOf() {
        SignalSet set = SignalSet.of(Signal.USR1, RT6, Signal.HUP);
        assertThat(set.contains(Signal.USR1)).isTrue();
        assertThat(set.contains(RT6)).isTrue();
        assertThat(set.contains(Signal.HUP)).isTrue();
        assertThat(set.contains(Signal.USR2)).isFalse();
        assertThat(set.contains(Signal.of(Signal.MAX_NUMBER))).isFalse();
        assertThat(set.signals()).as("by number").containsExactly(Signal.HUP, Signal.USR1, RT6);
        assertThat(set.isEmpty()).isFalse();
        assertThat(SignalSet.of(List.of(RT6, Signal.HUP, Signal.USR1))).isEqualTo(set).hasSameHashCodeAs(set);
    }

    @Test
    void lowestAndHighestSignalsFitTheSet() {
        SignalSet set = SignalSet.of(Signal.of(1), Signal.of(Signal.MAX_NUMBER));
        assertThat(set.signals()).containsExactly(Signal.HUP, Signal.of(64));
        assertThat(set.contains(Signal.of(63))).isFalse();
    }

    @Test
    void emptySetAndWith() {
        assertThat(SignalSet.empty().isEmpty()).isTrue();
        assertThat(SignalSet.empty().signals()).isEmpty();
        assertThat(SignalSet.of()).isEqualTo(SignalSet.empty());
        SignalSet one = SignalSet.empty().with(Signal.TERM);
        assertThat(one.signals()).containsExactly(Signal.TERM);
        assertThat(SignalSet.empty().isEmpty()).as("immutable").isTrue();
    }

    @Test
    void toStringListsTheNames() {
        assertThat(SignalSet.of(RT6, Signal.USR1).toString()).isEqualTo("{SIGUSR1, SIGRTMIN+6}");
        assertThat(SignalSet.empty().toString()).isEqualTo("{}");
    }

    @Test
    void nullSignalsAreRefused() {
        assertThatThrownBy(() -> SignalSet.of(Signal.USR1, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> SignalSet.of((List<Signal>) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> SignalSet.empty().contains(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void blockAndUnblockReturnTheMaskBefore() throws Exception {
        // nothing sends these signals here, so none can be pending when the mask is restored
        SignalSet original = SignalSet.blockedInCurrentThread();
        assertThat(original.contains(RT6)).as("precondition").isFalse();
        try {
            SignalSet before = SignalSet.of(RT6, Signal.WINCH).block();
            assertThat(before).isEqualTo(original);
            assertThat(SignalSet.blockedInCurrentThread().signals()).contains(RT6, Signal.WINCH);
            assertThat(SignalSet.blockedInThread(OsThread.currentId())).as("/proc agrees")
                    .isEqualTo(SignalSet.blockedInCurrentThread());

            SignalSet whileBlocked = SignalSet.of(Signal.WINCH).unblock();
            assertThat(whileBlocked.contains(Signal.WINCH)).isTrue();
            assertThat(SignalSet.blockedInCurrentThread().contains(Signal.WINCH)).isFalse();
            assertThat(SignalSet.blockedInCurrentThread().contains(RT6)).isTrue();

            SignalSet replaced = SignalSet.empty().setAsThreadMask();
            assertThat(replaced.contains(RT6)).isTrue();
            assertThat(SignalSet.blockedInCurrentThread().isEmpty()).isTrue();
        } finally {
            original.setAsThreadMask();
        }
        assertThat(SignalSet.blockedInCurrentThread()).isEqualTo(original);
    }

    @Test
    void maskOfAThreadOutsideThisProcessIsRefused() {
        assertThatThrownBy(() -> SignalSet.blockedInThread(Integer.MAX_VALUE - 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no such thread in this process");
    }

    @Test
    void theJvmHandlesSegvItself() throws Exception {
        // HotSpot turns null dereferences into NullPointerException with a SIGSEGV handler
        assertThat(SignalSet.handledByProcess().contains(Signal.SEGV)).isTrue();
        assertThat(SignalSet.ignoredByProcess().contains(Signal.SEGV)).isFalse();
    }
}
