package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoFdLeaks.class)
class TourCommandIT {
    private static final List<String> SOURCES =
            List.of("timer", "timerfd", "eventfd", "pipe", "child-exit", "files", "signal", "thread-signal", "serial", "device");

    @Test
    void everySourceKindAppearsAndTheTableIsPrinted() throws Exception {
        try (Cli cli = Cli.start("tour", "--duration", "3s")) {
            Matcher header = cli.awaitOut("^fdloop tour: one epoll loop on thread \\d+ of pid (\\d+), for 3\\.0 s; child (\\d+) "
                    + "feeds the pipe \\(\\d+ lines?\\) and exits; files change in (\\S+)$");
            long child = Long.parseLong(header.group(2));
            Path scratch = Path.of(header.group(3));
            assertThat(cli.exitCode()).as("%s", cli).isZero();

            List<String> lines = cli.outLines();
            for (String source : SOURCES) {
                assertThat(lines).as("an event line from %s", source)
                        .anyMatch(l -> l.matches("^ +\\d+\\.\\d{3} s  " + source + " +\\S.*"));
                assertThat(lines).as("a table row for %s", source)
                        .anyMatch(l -> l.matches("^" + source + " +[1-9]\\d* +\\d+\\.\\d+ [mu]s +\\d+\\.\\d+ [mu]s   \\S.*"));
            }
            assertThat(lines).anyMatch(l -> l.matches(".* child-exit +child " + child + " \\(sh\\) exited with 3 .*"));
            assertThat(lines).anyMatch(l -> l.contains("files          MOVE f0.txt -> sub/f0.txt"));
            assertThat(lines).anyMatch(l -> l.matches(".* thread-signal +SIGRTMIN\\+1 from pid " + cli.pid() + " uid \\d+, SI_TKILL .*"));
            assertThat(lines).contains("source         events     median        p99   mechanism");
            assertThat(lines).anyMatch(l -> l.matches("^timerfd +\\d+ .*   timerfd \\(CLOCK_MONOTONIC, an interval\\), waited on by epoll$"));
            assertThat(lines).anyMatch(l -> l.matches("^device +\\d+ .*   signal-driven I/O \\(fasync, F_SETSIG\\): .*"));
            assertThat(lines).anyMatch(l -> l.matches(" +\\d+\\.\\d{3} s  serial +/dev/pts/\\d+ at 115200 8N1: \"rx \\d+\" .*"));
            assertThat(scratch).as("the tour's temporary directory").doesNotExist();
            assertThat(ProcessHandle.of(child).filter(ProcessHandle::isAlive)).as("the tour's child").isEmpty();
            assertThat(cli.errLines()).isEmpty();
        }
    }

    @Test
    void jsonGivesOneObjectPerEventAndPerSource() throws Exception {
        Cli cli = Cli.run("tour", "--json", "--duration", "2s");
        assertThat(cli.exitCode()).as("%s", cli).isZero();
        List<String> lines = cli.outLines();
        assertThat(lines).allMatch(l -> l.startsWith("{") && l.endsWith("}"));
        assertThat(lines.getFirst()).matches("\\{\"pid\":\\d+,\"thread\":\\d+,\"backend\":\"epoll\",\"child\":\\d+,"
                + "\"directory\":\"[^\"]+\",\"duration_s\":2\\.0\\}");
        for (String source : SOURCES) {
            assertThat(lines).anyMatch(l -> l.matches("\\{\"t\":\\d+\\.\\d+,\"source\":\"" + source + "\",\"detail\":\".*\"(,\"latency_us\":\\d+\\.\\d)?\\}"));
            assertThat(lines).anyMatch(l -> l.matches("\\{\"summary\":\"" + source + "\",\"events\":[1-9]\\d*,\"median_us\":[\\d.]+,"
                    + "\"p99_us\":[\\d.]+,\"mechanism\":\".+\"\\}"));
        }
    }

    @Test
    void theSelectBackendRunsTheSameTour() throws Exception {
        Cli cli = Cli.run("tour", "--duration", "2s", "--backend", "SELECT");
        assertThat(cli.exitCode()).as("%s", cli).isZero();
        assertThat(cli.outLines().getFirst()).startsWith("fdloop tour: one select loop on thread");
        for (String source : SOURCES) {
            assertThat(cli.outLines()).anyMatch(l -> l.matches("^" + source + " +[1-9]\\d* .*"));
        }
        assertThat(cli.outLines()).anyMatch(l -> l.matches(".* device +button /dev/pts/\\d+: #0 key 28 pressed, POLLIN\\|POLLRDNORM .*"));
    }

    @Test
    void aTourTooShortForEverySourceFailsNamingTheSilentOnes() throws Exception {
        // 1 ms: over before the driver's second step (its first SIGRTMIN+1 to the loop thread, 100 ms in),
        // however fast or slow the machine
        Cli cli = Cli.run("tour", "--duration", "1ms");
        assertThat(cli.exitCode()).as("%s", cli).isEqualTo(1);
        assertThat(cli.outLines()).as("%s", cli).contains("source         events     median        p99   mechanism");
        assertThat(cli.errLines()).as("%s", cli).anyMatch(l -> l.startsWith("fdloop tour: no event from [") && l.contains("thread-signal"));
    }

    @Test
    void interruptedTourPrintsItsTableAndLeavesNothingBehind() throws Exception {
        SignalsCommandIT.assumeInterruptNotIgnored();
        try (Cli cli = Cli.start("tour", "--duration", "120s")) {
            Matcher header = cli.awaitOut("child (\\d+) feeds the pipe .* files change in (\\S+)$");
            long child = Long.parseLong(header.group(1));
            Path scratch = Path.of(header.group(2));
            cli.awaitOut(" pipe +from child");
            // the child's shell is in sleep(1) now: its own child must go too
            List<ProcessHandle> family = ProcessHandle.of(child).map(p -> p.descendants().toList()).orElse(List.of());
            cli.kill("INT");
            assertThat(cli.exitCode()).as("%s", cli).isZero();
            assertThat(cli.outLines()).contains("(ended early by SIGINT)");
            assertThat(cli.outLines()).anyMatch(l -> l.startsWith("source         events"));
            assertThat(scratch).doesNotExist();
            Optional<ProcessHandle> shell = ProcessHandle.of(child);
            assertThat(shell.filter(ProcessHandle::isAlive)).isEmpty();
            assertThat(family).noneMatch(ProcessHandle::isAlive);
            assertThat(Files.exists(scratch)).isFalse();
        }
    }
}
