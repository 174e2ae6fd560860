package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoFdLeaks.class)
class DeviceCommandIT {

    @Test
    void everyKeyEventArrivesInOrderWithItsLatency() throws Exception {
        Cli cli = Cli.run("device", "--presses", "3", "--interval", "20ms");
        assertThat(cli.exitCode()).as("%s", cli).isZero();
        List<String> lines = cli.outLines();
        assertThat(lines.getFirst()).matches("fdloop device: /dev/pts/\\d+, a pty-backed button device; the loop \\(thread \\d+ of pid "
                + cli.pid() + "\\) reads it through signal-driven I/O: SIGRTMIN\\+10 to the loop thread, then read\\(2\\)");
        List<String> events = lines.stream().filter(l -> l.matches(" +\\d+\\.\\d{3} s  #.*")).toList();
        assertThat(events).satisfiesExactly(
                l -> assertThat(l).matches(".*#0   key 30  pressed   POLLIN\\|POLLRDNORM +\\d+\\.\\d+ [mu]s"),
                l -> assertThat(l).matches(".*#1   key 30  released  POLLIN\\|POLLRDNORM +\\d+\\.\\d+ [mu]s"),
                l -> assertThat(l).matches(".*#2   key 31  pressed .*"),
                l -> assertThat(l).matches(".*#3   key 31  released .*"),
                l -> assertThat(l).matches(".*#4   key 32  pressed .*"),
                l -> assertThat(l).matches(".*#5   key 32  released .*"));
        assertThat(lines.getLast()).matches("6 key events, none lost; latency from the driver's write to the handler: "
                + "median \\d+\\.\\d+ [mu]s, p99 \\d+\\.\\d+ [mu]s");
    }

    @Test
    void jsonWithThePollBackendGivesOneObjectPerKeyEventAndASummary() throws Exception {
        Cli cli = Cli.run("device", "--json", "-n", "1", "--interval", "20ms", "--backend", "poll");
        assertThat(cli.exitCode()).as("%s", cli).isZero();
        assertThat(cli.outLines()).satisfiesExactly(
                l -> assertThat(l).matches("\\{\"t\":[\\d.]+,\"sequence\":0,\"key\":30,\"state\":\"pressed\","
                        + "\"band\":\"POLLIN\\|POLLRDNORM\",\"latency_us\":[\\d.]+\\}"),
                l -> assertThat(l).matches("\\{\"t\":[\\d.]+,\"sequence\":1,\"key\":30,\"state\":\"released\",.*\\}"),
                l -> assertThat(l).matches("\\{\"events\":2,\"lost\":0,\"gaps\":0,\"median_us\":[\\d.]+,\"p99_us\":[\\d.]+\\}"));
    }

    @Test
    void zeroPressesIsAUsageError() throws Exception {
        Cli cli = Cli.run("device", "--presses", "0");
        assertThat(cli.exitCode()).isEqualTo(2);
        assertThat(cli.errLines()).containsExactly("fdloop device: --presses is 1 or more, not 0; see 'fdloop device --help'");
    }
}
