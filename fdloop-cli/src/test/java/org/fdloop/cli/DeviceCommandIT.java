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

    @Test
    void tunReadsEveryDatagramBackAsAPacketEveryWayInANamespaceOfItsOwn() throws Exception {
        Cli cli = Cli.run("device", "--tun", "-n", "7");
        assertThat(cli.exitCode()).as("%s", cli).isZero();
        List<String> lines = cli.outLines();
        assertThat(lines.getFirst()).matches("fdloop device --tun: fdtun\\d+, a TUN interface \\(IFF_TUN\\|IFF_NO_PI\\) with"
                + " 10\\.77\\.0\\.1/24, in a network namespace of its own; 7 UDP datagrams to 10\\.77\\.0\\.2:9999 from a socket"
                + " in it each way, read back as IPv4 packets");
        assertThat(lines.stream().filter(l -> l.contains(" of 7 datagrams"))).satisfiesExactly(
                l -> assertThat(l).matches("signal-driven I/O to the loop thread: +7 of 7 datagrams  \\(SIGRTMIN\\+10, F_SETOWN_EX to"
                        + " the loop thread; \\d+ other packets?\\)"),
                l -> assertThat(l).matches("signal-driven I/O to the process: +7 of 7 datagrams  \\(SIGRTMIN\\+9, F_SETOWN to the"
                        + " process, fdloop's native handler; \\d+ other packets?\\)"),
                l -> assertThat(l).matches("the loop's wait: +7 of 7 datagrams  \\(epoll; \\d+ other packets?\\)"));
        assertThat(lines.getLast()).isEqualTo("The namespace, its interface and route went with their last descriptor.");
    }
}
