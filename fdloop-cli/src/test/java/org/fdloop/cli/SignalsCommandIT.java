package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoFdLeaks.class)
class SignalsCommandIT {

    /** A child inherits an ignored SIGINT (a shell's background job), and the JVM then never sees Ctrl-C. */
    static void assumeInterruptNotIgnored() throws Exception {
        String ignored = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("SigIgn:")).findFirst().orElseThrow().substring(7).trim();
        Assumptions.assumeTrue((Long.parseUnsignedLong(ignored, 16) & (1L << (2 - 1))) == 0,
                "this test JVM ignores SIGINT (started as a background job?), so its children do too: Ctrl-C cannot be tested");
    }

    @Test
    void aSignalSentWithKillArrivesWithItsNameAndSender() throws Exception {
        try (Cli cli = Cli.start("signals", "USR1", "sighup", "28")) {
            long pid = Long.parseLong(cli.awaitOut("^fdloop signals: pid (\\d+), waiting for SIGUSR1, SIGHUP, SIGWINCH$").group(1));
            assertThat(pid).isEqualTo(cli.pid());
            long usr1 = cli.kill("USR1");
            cli.awaitOut("SIGUSR1");
            long hup = cli.kill("HUP");
            cli.awaitOut("SIGHUP");
            long winch = cli.kill("WINCH");
            cli.awaitOut("SIGWINCH");
            cli.kill("TERM");
            assertThat(cli.exitCode()).isZero();
            String uid = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                    .findFirst().orElseThrow().split("\\s+")[1]; // the real uid, which kill(1) sends as si_uid
            assertThat(cli.outLines()).satisfiesExactly(
                    l -> assertThat(l).startsWith("fdloop signals: pid"),
                    l -> assertThat(l).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} SIGUSR1 \\(10\\) from pid " + usr1 + " uid " + uid + ", SI_USER"),
                    l -> assertThat(l).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} SIGHUP \\(1\\) from pid " + hup + " uid " + uid + ", SI_USER"),
                    l -> assertThat(l).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} SIGWINCH \\(28\\) from pid " + winch + " uid " + uid + ", SI_USER"));
            assertThat(cli.errLines()).last().isEqualTo("fdloop signals: 3 signals received (ended by SIGTERM)");
        }
    }

    @Test
    void jsonGivesThePidFirstThenOneObjectPerSignal() throws Exception {
        try (Cli cli = Cli.start("signals", "--json", "--count", "1", "SIGUSR1")) {
            cli.awaitOut("^\\{\"pid\":" + cli.pid() + ",\"signals\":\\[\"SIGUSR1\"\\]\\}$");
            long sender = cli.kill("USR1");
            assertThat(cli.exitCode()).isZero();
            assertThat(cli.outLines().get(1)).matches("\\{\"time\":\"[0-9T:.\\-]+Z\",\"signal\":\"SIGUSR1\",\"number\":10,"
                    + "\"count\":1,\"pid\":" + sender + ",\"uid\":\\d+,\"code\":\"SI_USER\"\\}");
            assertThat(cli.outLines()).hasSize(2);
        }
    }

    @Test
    void realtimeSignalsQueueEachWithItsValue() throws Exception {
        try (Cli cli = Cli.start("signals", "--count", "3", "RTMIN+3")) {
            cli.awaitOut("waiting for SIGRTMIN\\+3$");
            long first = cli.killQueued("RTMIN+3", 42);
            long second = cli.killQueued("RTMIN+3", 43);
            long third = cli.kill("RTMIN+3");
            assertThat(cli.exitCode()).isZero();
            String number = "\\(" + org.fdloop.fd.Signal.realtime(3).number() + "\\)";
            assertThat(cli.outLines()).satisfiesExactly(
                    l -> assertThat(l).startsWith("fdloop signals: pid"),
                    l -> assertThat(l).matches(".* SIGRTMIN\\+3 " + number + " from pid " + first + " uid \\d+, SI_QUEUE, value 42"),
                    l -> assertThat(l).matches(".* SIGRTMIN\\+3 " + number + " from pid " + second + " uid \\d+, SI_QUEUE, value 43"),
                    l -> assertThat(l).matches(".* SIGRTMIN\\+3 " + number + " from pid " + third + " uid \\d+, SI_USER"));
        }
    }

    @Test
    void interruptIsPrintedWhenAskedForAndTermEnds() throws Exception {
        assumeInterruptNotIgnored();
        try (Cli cli = Cli.start("signals", "INT")) {
            cli.awaitOut("waiting for SIGINT");
            cli.kill("INT");
            cli.awaitOut("SIGINT \\(2\\)");
            cli.kill("TERM");
            assertThat(cli.exitCode()).isZero();
        }
    }

    @Test
    void aBadSignalNameIsOneLineAndExitCode2() throws Exception {
        Cli cli = Cli.run("signals", "SIGNOPE");
        assertThat(cli.exitCode()).isEqualTo(2);
        assertThat(cli.errLines().get(0)).startsWith("fdloop signals: ").contains("unknown signal 'SIGNOPE'");
        assertThat(cli.errLines()).hasSize(1);
        assertThat(cli.outLines()).isEmpty();
    }

    @Test
    void aSignalTheJvmKeepsIsRefusedWithTheReason() throws Exception {
        Cli cli = Cli.run("signals", "USR1", "SEGV");
        assertThat(cli.exitCode()).isEqualTo(2);
        assertThat(cli.errLines().get(0)).startsWith("fdloop signals: cannot take SIGSEGV: SIGSEGV is HotSpot's own");
        assertThat(cli.outLines()).isEmpty();
    }

    @Test
    void aCountBelowOneIsRefusedNotTakenAsNoLimit() throws Exception {
        for (String n : java.util.List.of("0", "-1")) {
            Cli cli = Cli.run("signals", "--count", n, "USR1");
            assertThat(cli.exitCode()).as("%s", cli).isEqualTo(2);
            assertThat(cli.errLines()).containsExactly("fdloop signals: --count is a number of signals, 1 or more; not " + n
                    + "; see 'fdloop signals --help'");
            assertThat(cli.outLines()).isEmpty();
        }
    }
}
