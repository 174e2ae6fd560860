package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.fdloop.fd.Child;
import org.fdloop.fd.ExitStatus;
import org.fdloop.fd.Spawn;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * examples/Supervisor.java, the supervisor of docs/PROCESSES.md: the doc shows the file as it is,
 * and the program runs to its end by itself: workers restarted, SIGHUP with its sender, SIGTERM
 * stopping every worker's group.
 */
@ExtendWith(NoFdLeaks.class)
class SupervisorExampleTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Path EXAMPLE = ROOT.resolve("examples/Supervisor.java");

    @Test
    void theDocShowsTheExampleAsItIs() throws Exception {
        String doc = Files.readString(ROOT.resolve("docs/PROCESSES.md"));
        assertThat(doc).contains("```java\n" + Files.readString(EXAMPLE) + "```\n");
    }

    @Test
    void theSupervisorRestartsReloadsAndStops() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String output;
        ExitStatus status;
        try (Child supervisor = Spawn.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                Path.of(System.getProperty("user.dir"), "target/classes").toString(), EXAMPLE.toString())
                .stdin(Spawn.Stdio.devNull()).stdout(Spawn.Stdio.pipe()).stderr(Spawn.Stdio.pipe()).newProcessGroup().start()) {
            output = readAll(supervisor.stdout(), Duration.ofMinutes(2)) + readAll(supervisor.stderr(), Duration.ofSeconds(10));
            status = supervisor.waitFor(Duration.ofSeconds(30));
        }
        assertThat(status).as("the supervisor's exit; it printed:\n%s", output).isEqualTo(ExitStatus.exited(0));
        List<String> lines = output.lines().toList();
        assertThat(lines).as(output).contains("worker 0: up", "worker 0: tick", "worker 1: failing", "worker 2: up",
                "all workers stopped");
        assertThat(lines.stream().filter(l -> Pattern.matches("worker 1 \\(pid \\d+\\) exited with code 1", l)).count())
                .as("worker 1 restarted after it failed:\n%s", output).isGreaterThanOrEqualTo(2);
        assertThat(lines).as(output).anyMatch(l -> Pattern.matches("SIGHUP from pid \\d+: restarting every worker", l))
                .anyMatch(l -> Pattern.matches("SIGTERM from pid \\d+: stopping", l))
                .anyMatch(l -> Pattern.matches("worker 2 \\(pid \\d+\\) killed by SIGTERM", l));
        // after SIGTERM, each worker's exit once, then the end
        List<String> afterTerm = lines.subList(lines.indexOf(lines.stream().filter(l -> l.startsWith("SIGTERM")).findFirst()
                .orElseThrow()), lines.size());
        for (int i : new int[] {0, 2}) { // the long-running ones (1 may be waiting for its restart then)
            String prefix = "worker " + i + " (pid ";
            assertThat(afterTerm.stream().filter(l -> l.startsWith(prefix) && l.endsWith("killed by SIGTERM")).count())
                    .as("worker %d stopped after SIGTERM:\n%s", i, output).isEqualTo(1);
        }
        assertThat(afterTerm).as("nothing started after SIGTERM:\n%s", output).noneMatch(l -> l.endsWith(": up"));
        assertThat(afterTerm.getLast()).isEqualTo("all workers stopped");
    }

    private static String readAll(org.fdloop.fd.StreamFd fd, Duration patience) throws Exception {
        StringBuilder out = new StringBuilder();
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        long deadline = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() - deadline < 0) {
            int n = fd.read(buffer.clear());
            if (n < 0) {
                break;
            }
            if (n == 0) {
                fd.awaitReadable(Duration.ofSeconds(1));
            }
            out.append(StandardCharsets.UTF_8.decode(buffer.flip()));
        }
        return out.toString();
    }
}
