package org.fdloop.internal.race;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.fdloop.fd.Signal;
import org.fdloop.internal.linux.NativeSignalHandler;
import org.fdloop.internal.race.SelectRace.Cure;
import org.fdloop.internal.race.SelectRace.Result;
import org.fdloop.internal.race.SelectRace.Sender;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Seed 004's select race, with the signal sent inside the window by construction (the waiter
 * sends it to itself between its check and its wait), so the counts are the same on every run:
 * every wake-up lost by "flag, then select", none with pselect's mask or the self-pipe trick.
 */
@ExtendWith(NoFdLeaks.class)
class SelectRaceTest {
    private static final Signal SIGNAL = Signal.realtime(14);
    private static final int TRIALS = 10;
    private static final Duration TIMEOUT = Duration.ofMillis(20);

    private static Result run(Cure cure) throws Exception {
        return SelectRace.run(cure, Sender.SELF, TRIALS, TIMEOUT, Duration.ZERO, SIGNAL);
    }

    @Test
    void checkingTheFlagThenSelectingLosesEveryWakeUpThatLandsInBetween() throws Exception {
        Result r = run(Cure.NONE);
        assertThat(r.lost()).isEqualTo(TRIALS);
        assertThat(r.wokeTheWait()).isZero();
        assertThat(r.records()).as("the handler ran for every one: the flag was set, select did not know").isEqualTo(TRIALS);
        assertThat(NativeSignalHandler.isInstalled(SIGNAL.number())).as("its action is put back").isFalse();
    }

    @Test
    void pselectsAtomicMaskLosesNone() throws Exception {
        Result r = run(Cure.PSELECT);
        assertThat(r.lost()).isZero();
        assertThat(r.wokeTheWait()).isEqualTo(TRIALS);
        assertThat(r.records()).isEqualTo(TRIALS);
    }

    @Test
    void theSelfPipeTrickLosesNone() throws Exception {
        Result r = run(Cure.SELF_PIPE);
        assertThat(r.lost()).isZero();
        assertThat(r.wokeTheWait()).isEqualTo(TRIALS);
        assertThat(r.records()).isEqualTo(TRIALS);
    }

    @Test
    void aSenderThreadAtRandomMomentsIsCountedTrialByTrial() throws Exception {
        Result r = SelectRace.run(Cure.NONE, Sender.THREAD, 20, Duration.ofMillis(50), Duration.ofMillis(1), SIGNAL);
        assertThat(r.seenByCheck() + r.wokeTheWait() + r.lost() + r.afterTheWait()).isEqualTo(20);
        assertThat(r.records()).isEqualTo(20);
    }

    @Test
    void aSignalHandledAlreadyIsRefused() {
        assertThatThrownBy(() -> SelectRace.run(Cure.NONE, Sender.SELF, 1, TIMEOUT, Duration.ZERO, Signal.TERM))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("realtime");
    }
}
