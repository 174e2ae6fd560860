package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoFdLeaks.class)
class RaceCommandIT {

    @Test
    void withTheSignalInsideTheWindowSelectLosesEveryWakeUpAndTheCuresNone() throws Exception {
        Cli cli = Cli.run("race", "--trials", "5", "--timeout", "10ms");
        assertThat(cli.exitCode()).as("%s", cli).isZero();
        assertThat(cli.outLines()).contains(
                "fdloop race: seed 004's select race, 5 trials per way of waiting, SIGRTMIN+14 sent to the waiting thread"
                        + " (tgkill), each wait's timeout 10.00 ms",
                "The window is widened on purpose, to certainty: the waiter sends the signal to itself between its flag check"
                        + " and its wait.");
        assertThat(cli.outLines().stream().filter(l -> l.matches("(flag|pselect|self-pipe).*"))).satisfiesExactly(
                l -> assertThat(l).matches("flag, then select +5 +0 +0 +5 +0"),
                l -> assertThat(l).matches("pselect's atomic mask +5 +0 +5 +0 +0"),
                l -> assertThat(l).matches("self-pipe \\(handler writes siginfo\\) +5 +0 +5 +0 +0"));
    }

    @Test
    void jsonWithASenderThreadCountsEveryTrial() throws Exception {
        Cli cli = Cli.run("race", "--json", "-n", "10", "--sender", "thread");
        assertThat(cli.exitCode()).as("%s", cli).isZero();
        assertThat(cli.outLines()).hasSize(3).allMatch(l -> l.matches("\\{\"way\":\"[a-z-]+\",\"sender\":\"thread\",\"trials\":10,"
                + "\"seen_by_check\":\\d+,\"woke_the_wait\":\\d+,\"lost\":\\d+,\"after_the_wait\":\\d+,\"records\":10\\}"));
    }

    @Test
    void anUnknownSenderIsAUsageError() throws Exception {
        Cli cli = Cli.run("race", "--sender", "nobody");
        assertThat(cli.exitCode()).isEqualTo(2);
        assertThat(cli.errLines()).containsExactly("fdloop race: --sender is self or thread, not 'nobody'; see 'fdloop race --help'");
    }
}
