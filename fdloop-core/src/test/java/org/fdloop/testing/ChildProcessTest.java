package org.fdloop.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tests' way to run programs: no descriptor outlives the child, output and errors in order. */
class ChildProcessTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /**
     * Checked the moment the child's exit is known, with no pause: with a pipe to the child
     * ({@code redirectErrorStream(true)} alone, as these tests once did) the JDK's reaper still
     * held one after a fifth to a half of the runs on this machine.
     */
    @Test
    void noDescriptorOutlivesTheChild() throws Exception {
        for (int i = 0; i < 40; i++) {
            Map<Integer, String> before = NoFdLeaks.openFds();
            Process child = ChildProcess.start(List.of("sh", "-c", "echo out; echo err >&2"), dir.resolve("output.txt"));
            assertThat(child.waitFor()).isZero();
            Map<Integer, String> left = new TreeMap<>(NoFdLeaks.openFds());
            left.keySet().removeAll(before.keySet());
            assertThat(left).as("descriptors still open once child %d exited", i).isEmpty();
        }
    }

    @Test
    void outputAndErrorsArriveInTheOrderWrittenWithTheExitStatus() throws Exception {
        ChildProcess.Result result = ChildProcess.run(List.of("sh", "-c", "echo one; echo two >&2; echo three; exit 3"),
                dir, PATIENCE);
        assertThat(result.output()).isEqualTo("one\ntwo\nthree\n");
        assertThat(result.exitCode()).isEqualTo(3);
        assertThatThrownBy(result::succeeded).isInstanceOf(AssertionError.class)
                .hasMessageContaining("exit status").hasMessageContaining("two");
    }

    @Test
    void aChildThatOutstaysItsPatienceFailsTheTestAndIsKilled() throws Exception {
        List<ProcessHandle> before = ProcessHandle.current().children().toList();
        assertThatThrownBy(() -> ChildProcess.run(List.of("sleep", "600"), dir, Duration.ofMillis(100)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("[sleep, 600] ended within PT0.1S");
        assertThat(ProcessHandle.current().children().filter(c -> !before.contains(c)).toList())
                .as("children left running").isEmpty();
    }
}
