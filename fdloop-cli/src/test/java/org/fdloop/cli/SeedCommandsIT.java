package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code fdloop mq} and {@code fdloop dnotify}: seed mechanisms a user can try. */
@ExtendWith(NoFdLeaks.class)
class SeedCommandsIT {

    @Test
    void mqFillsTheQueueReceivesByPriorityThenTakesMqNotifysSignal() throws Exception {
        Cli cli = Cli.run("mq");
        assertThat(cli.exitCode()).as("%s", cli).isZero();
        long pid = cli.pid();
        assertThat(cli.outLines()).containsExactly(
                "fdloop mq: /fdloop-mq-" + pid + ", Attributes[maxMessages=8, messageSize=64, currentMessages=0]; limits in"
                        + " /proc/sys/fs/mqueue: msg_max " + read("msg_max") + ", msgsize_max " + read("msgsize_max")
                        + ", queues_max " + read("queues_max"),
                "sent 8 messages, priority (i * 7) % 10; the next send answered false: the queue is full (EAGAIN)",
                "",
                "  message 7    priority 9  (readable)",
                "  message 4    priority 8  (readable)",
                "  message 1    priority 7  (readable)",
                "  message 5    priority 5  (readable)",
                "  message 2    priority 4  (readable)",
                "  message 6    priority 2  (readable)",
                "  message 3    priority 1  (readable)",
                "  message 0    priority 0  (readable)",
                "",
                "mq_notify: SIGRTMIN+6 SI_MESGQ from pid " + pid + ", value 42",
                "  one more     priority 5  (after the signal)",
                "",
                "9 messages received; /fdloop-mq-" + pid + " unlinked");
        assertThat(Path.of("/dev/mqueue/fdloop-mq-" + pid)).doesNotExist();
    }

    private static String read(String name) throws Exception {
        return Files.readAllLines(Path.of("/proc/sys/fs/mqueue", name)).getFirst().trim();
    }

    @Test
    void dnotifyPrintsEachSignalWithWhatARescanFinds(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("old.txt"), "old");
        try (Cli cli = Cli.start("dnotify", dir.toString())) {
            cli.awaitOut("^fdloop dnotify: " + java.util.regex.Pattern.quote(dir.toString()) + " through F_NOTIFY .*SIGRTMIN\\+5 to the"
                    + " process; a signal says only that the directory changed, so each is followed by a rescan$");
            Files.writeString(dir.resolve("new.txt"), "new");
            cli.awaitOut("SIGRTMIN\\+5 POLLIN\\|POLLRDNORM\\|POLLMSG; the rescan finds: created new\\.txt");
            Files.delete(dir.resolve("old.txt"));
            cli.awaitOut("the rescan finds: .*deleted old\\.txt");
            cli.kill("TERM");
            assertThat(cli.exitCode()).as("%s", cli).isZero();
            List<String> signals = cli.outLines().stream().filter(l -> l.matches(" *\\d+\\.\\d{3} s  SIGRTMIN\\+5 .*")).toList();
            assertThat(signals).isNotEmpty();
        }
    }
}
