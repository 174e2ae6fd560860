package org.fdloop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoFdLeaks.class)
class MainIT {

    @Test
    void helpListsTheCommandsAndTheExitCodes() throws Exception {
        Cli cli = Cli.run("--help");
        assertThat(cli.exitCode()).isZero();
        String help = String.join("\n", cli.outLines());
        assertThat(help).contains("  tour ", "  watch ", "  monitor ", "  signals ", "  device ", "  serial ", "  input ", "  gpio ", "  race ", "  mq ", "  dnotify ",
                "  bench ", "  generate-completion ");
        assertThat(help).contains("Exit codes:", "  0   done", "  1   failed", "  2   a command line it cannot use");
        assertThat(help).contains("Stop signals:", "SIGINT (Ctrl-C), SIGTERM and SIGHUP");
    }

    @Test
    void eachCommandsHelpDocumentsTheExitCodesAndTheStopSignals() throws Exception {
        for (String command : new String[] {"tour", "watch", "monitor", "signals", "device", "serial", "input", "gpio", "race", "mq", "dnotify", "bench"}) {
            Cli cli = Cli.run(command, "--help");
            assertThat(cli.exitCode()).isZero();
            assertThat(cli.outLines()).as(command).contains("Exit codes:", "Stop signals:");
            assertThat(String.join("\n", cli.outLines())).as(command).contains("SIGINT (Ctrl-C), SIGTERM and SIGHUP");
            Cli help = Cli.run("help", command);
            assertThat(help.exitCode()).isZero();
            assertThat(help.outLines()).as("help " + command).isEqualTo(cli.outLines());
        }
    }

    @Test
    void versionNamesTheJvm() throws Exception {
        Cli cli = Cli.run("--version");
        assertThat(cli.exitCode()).isZero();
        assertThat(cli.outLines().get(0)).startsWith("fdloop ");
        assertThat(cli.outLines().get(1)).startsWith("JVM 25");
    }

    @Test
    void completionScriptCoversTheCommandsAndBackends() throws Exception {
        Cli cli = Cli.run("generate-completion");
        assertThat(cli.exitCode()).isZero();
        String script = String.join("\n", cli.outLines());
        assertThat(script).contains("complete -F _complete_fdloop", "tour watch monitor signals device serial input gpio race mq dnotify bench");
        assertThat(script).contains(java.util.Arrays.stream(org.fdloop.backend.Backend.values())
                .map(b -> "\"" + b.name().toLowerCase(java.util.Locale.ROOT) + "\"")
                .collect(java.util.stream.Collectors.joining(" ", "(", ") # --backend values")));
    }

    @Test
    void anUnknownCommandIsAUsageError() throws Exception {
        Cli cli = Cli.run("frobnicate");
        assertThat(cli.exitCode()).isEqualTo(2);
        assertThat(cli.errLines()).containsExactly("fdloop: unknown command 'frobnicate': the commands are tour, watch, monitor,"
                + " signals, device, serial, input, gpio, race, mq, dnotify, bench, help, generate-completion; see 'fdloop --help'");
    }
}
