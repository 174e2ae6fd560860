package org.fdloop.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.fdloop.fd.AsyncOwner;
import org.fdloop.fd.Signal;
import org.fdloop.fd.SignalSet;
import org.junit.jupiter.api.Test;

/**
 * {@link SignalRules}, the one place where a signal, a route or an owner is refused: each rule on
 * its own, without a loop (the loops' tests check the same messages through the API).
 */
class SignalRulesTest {
    private static final Signal RT = Signal.realtime(7);

    @Test
    void reservedSignalsAreRefusedOnEveryRouteWithTheirReason() {
        for (Signal reserved : List.of(Signal.KILL, Signal.STOP, Signal.SEGV, Signal.QUIT, Signal.USR2, Signal.PIPE,
                Signal.ABRT, Signal.CHLD, Signal.of(Signal.MAX_NUMBER - 2))) {
            String reason = SignalRules.reservedReason(reserved);
            assertThat(reason).as(reserved.name()).isNotNull().contains(reserved.name());
            assertThatThrownBy(() -> SignalRules.checkNativeRoute("onSignal", reserved))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("onSignal(" + reserved.name() + "): " + reason);
            assertThatThrownBy(() -> SignalRules.checkJvmRoute("onSignal", reserved))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("onSignal(" + reserved.name() + "): " + reason);
            assertThatThrownBy(() -> SignalRules.checkThreadSignal(reserved))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("onThreadSignal(" + reserved.name() + "): " + reason);
        }
        for (Signal free : List.of(Signal.USR1, Signal.HUP, Signal.TERM, RT)) {
            assertThat(SignalRules.reservedReason(free)).as(free.name()).isNull();
        }
    }

    @Test
    void eachRouteTakesItsOwnSignals() {
        assertThatCode(() -> SignalRules.checkNativeRoute("onSignal", RT)).doesNotThrowAnyException();
        assertThatThrownBy(() -> SignalRules.checkJvmRoute("onSignal", RT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is a realtime signal");
        assertThatThrownBy(() -> SignalRules.checkNativeRoute("onSignal", Signal.IO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use onAsyncIo");
        assertThatThrownBy(() -> SignalRules.checkNativeRoute("onSignal", Signal.of(16)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a signal a program receives from others");
    }

    @Test
    void signalDrivenIoTakesARealtimeSignalOrPlainSigio() {
        assertThatCode(() -> SignalRules.checkAsyncIoSignal(RT)).doesNotThrowAnyException();
        assertThatCode(() -> SignalRules.checkAsyncIoSignal(Signal.IO)).doesNotThrowAnyException();
        assertThatThrownBy(() -> SignalRules.checkAsyncIoSignal(Signal.USR1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a realtime signal");
    }

    @Test
    void aProcessOwnerNeedsTheNativeRoute() {
        assertThatCode(() -> SignalRules.checkProcessOwnerRoute("call", AsyncOwner.Kind.THREAD, false))
                .doesNotThrowAnyException();
        assertThatCode(() -> SignalRules.checkProcessOwnerRoute("call", AsyncOwner.Kind.PROCESS, true))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> SignalRules.checkProcessOwnerRoute("call", AsyncOwner.Kind.PROCESS_GROUP, false))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("call: signal-driven I/O to PROCESS_GROUP")
                .hasMessageContaining("SignalRoute.NATIVE");
    }

    @Test
    void anOwnerThatWouldEndTheJvmIsRefused() throws Exception {
        // a realtime signal this JVM does not handle (earlier tests in this JVM may keep fdloop's handler on some)
        SignalSet handled = SignalSet.handledByProcess();
        Signal unhandled = null;
        for (int n = 1; unhandled == null && n <= 12; n++) {
            Signal candidate = Signal.realtime(n);
            if (!handled.contains(candidate) && SignalRules.reservedReason(candidate) == null) {
                unhandled = candidate;
            }
        }
        assertThat(unhandled).as("a realtime signal without a handler in this JVM").isNotNull();
        Signal sent = unhandled;
        assertThatThrownBy(() -> SignalRules.checkOwner(AsyncOwner.ofThisProcess(), sent))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(" sends " + sent.name());
    }

    @Test
    void aSignalHasOneKindOfReader() {
        Signal signal = Signal.realtime(9);
        SignalRules.claim(signal, SignalRules.Reader.NATIVE_HANDLER, "first");
        try {
            SignalRules.claim(signal, SignalRules.Reader.NATIVE_HANDLER, "same kind"); // loops of one kind share it
            SignalRules.release(signal, SignalRules.Reader.NATIVE_HANDLER);
            assertThatThrownBy(() -> SignalRules.claim(signal, SignalRules.Reader.SIGNALFD, "onThreadSignal(" + signal.name() + ")"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("onThreadSignal(" + signal.name() + "): " + signal.name()
                            + " is taken in this process by fdloop's native signal handler");
            assertThat(SignalRules.isClaimed(signal, SignalRules.Reader.SIGNALFD)).isFalse();
        } finally {
            SignalRules.release(signal, SignalRules.Reader.NATIVE_HANDLER);
        }
        assertThat(SignalRules.isClaimed(signal, SignalRules.Reader.NATIVE_HANDLER)).isFalse();
    }
}
