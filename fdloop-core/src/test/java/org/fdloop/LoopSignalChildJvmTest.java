package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EventLoop#onSignal} where only a JVM of its own will do ({@link SignalProbe}): the JVM's
 * shutdown on SIGTERM comes back when the source closes; nohup and -Xrs are reported.
 */
@ExtendWith(NoFdLeaks.class)
class LoopSignalChildJvmTest {
    @TempDir
    Path dir;

    private record Result(int exitCode, String output) {}

    private Result probe(List<String> prefix, List<String> jvmOptions, String... args) throws Exception {
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), SignalProbe.class.getName()));
        command.addAll(List.of(args));
        Path output = dir.resolve("output.txt");
        Process child = new ProcessBuilder(command)
                .redirectInput(new File("/dev/null"))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        try {
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("the probe JVM ended").isTrue();
            return new Result(child.exitValue(), Files.readString(output));
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void closingTheTermSourceGivesTheJvmItsShutdownBack() throws Exception {
        Result result = probe(List.of(), List.of(), "term");
        assertThat(result.output()).contains("handled SIGTERM x1").contains("shutdown hook ran").doesNotContain("still alive");
        assertThat(result.exitCode()).as("128 + SIGTERM: the JVM's own handler ran").isEqualTo(143);
    }

    @Test
    void hangupUnderNohupIsRefusedSayingSo() throws Exception {
        Result result = probe(List.of("nohup"), List.of(), "register", "HUP");
        assertThat(result.output()).contains("refused: IllegalStateException: onSignal(SIGHUP)")
                .contains("ignored by this process").contains("nohup");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void interruptIgnoredByTheParentShellIsRefusedSayingSo() throws Exception {
        Result result = probe(List.of("sh", "-c", "trap '' INT; exec \"$0\" \"$@\""), List.of(), "register", "INT");
        assertThat(result.output()).contains("refused: IllegalStateException: onSignal(SIGINT)")
                .contains("ignored by this process");
    }

    @Test
    void reducedSignalUsageIsRefusedSayingSo() throws Exception {
        Result result = probe(List.of(), List.of("-Xrs"), "register", "USR1");
        assertThat(result.output()).contains("refused: IllegalStateException: onSignal(SIGUSR1)").contains("-Xrs");
        assertThat(probe(List.of(), List.of(), "register", "USR1").output()).as("without -Xrs").contains("registered");
    }
}
