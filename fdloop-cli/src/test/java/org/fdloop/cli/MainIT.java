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
        assertThat(help).contains("  tour ", "  watch ", "  monitor ", "  signals ", "  device ", "  bench ", "  generate-completion ");
        assertThat(help).contains("Exit codes:", "  0   done", "  1   failed", "  2   a command line it cannot use");
    }

    @Test
    void eachCommandsHelpDocumentsTheExitCodes() throws Exception {
        for (String command : new String[] {"tour", "watch", "monitor", "signals", "device", "bench"}) {
            Cli cli = Cli.run(command, "--help");
            assertThat(cli.exitCode()).isZero();
            assertThat(cli.outLines()).as(command).contains("Exit codes:");
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
        assertThat(script).contains("complete -F _complete_fdloop", "tour watch monitor signals device bench");
        assertThat(script).contains(java.util.Arrays.stream(org.fdloop.backend.Backend.values())
                .map(b -> "\"" + b.name().toLowerCase(java.util.Locale.ROOT) + "\"")
                .collect(java.util.stream.Collectors.joining(" ", "(", ") # --backend values")));
    }

    @Test
    void anUnknownCommandIsAUsageError() throws Exception {
        Cli cli = Cli.run("frobnicate");
        assertThat(cli.exitCode()).isEqualTo(2);
        assertThat(cli.errLines().get(0)).isEqualTo("fdloop: Unmatched argument at index 0: 'frobnicate'");
        assertThat(cli.errLines().get(1)).isEqualTo("Try 'fdloop --help' for usage.");
    }
}
