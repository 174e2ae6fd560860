package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fdloop.internal.linux.Syscalls;
import org.fdloop.testing.AllocationProbe;
import org.fdloop.testing.ChildProcess;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hot paths allocate nothing once warm ({@link AllocationProbe}), checked in a JVM of their
 * own with escape analysis turned off. In the test JVM the answer would depend on what the JIT
 * happened to inline, which depends on the tests that ran before: a CI run once saw 80 bytes per
 * datagram round trip (the JDK's errno-capture segment) that a local run never did. With escape
 * analysis off, nothing can depend on inlining: a path that allocates in any JIT state allocates
 * here, every run.
 */
@ExtendWith(NoFdLeaks.class)
class SteadyStateAllocationTest {
    /** What the probe's measurement itself may allocate over a whole pass (a boxed Long, a lambda). */
    private static final long MEASUREMENT = 64;

    @TempDir
    Path dir;

    private record Probe(Map<String, Long> bytes, String output) {}

    private Probe probe(String... jvmOptions) throws Exception {
        String text = ChildProcess.run(ChildProcess.java(List.of(jvmOptions), AllocationProbe.class), dir, Duration.ofSeconds(120))
                .succeeded().output();
        Map<String, Long> bytes = new LinkedHashMap<>();
        for (String line : text.strip().split("\n")) {
            String[] fields = line.split(" ");
            if (fields.length == 2 && fields[1].matches("\\d+")) {
                bytes.put(fields[0], Long.parseLong(fields[1]));
            }
        }
        assertThat(bytes).as("the probe's output:\n%s", text).containsOnlyKeys(
                "datagram-send-receive", "pipe-write-read", "pipe-segments", "loop-eventfd-dispatch", "loop-post-hook-dispatch",
                "loop-timer-dispatch", "loop-execute");
        return new Probe(bytes, text);
    }

    @Test
    void theDataPathAndTheLoopAllocateNothingEvenWithoutEscapeAnalysis() throws Exception {
        Probe probe = probe("-XX:-DoEscapeAnalysis");
        assertThat(probe.output()).contains("system calls through fdloop's stub");
        Map<String, Long> bytes = probe.bytes();
        int rounds = AllocationProbe.ROUNDS;
        for (String path : List.of("datagram-send-receive", "pipe-write-read", "pipe-segments", "loop-eventfd-dispatch",
                "loop-post-hook-dispatch", "loop-timer-dispatch")) {
            assertThat(bytes.get(path)).as("bytes allocated by %s x %s (one object per operation would be %s at least)",
                    path, rounds, 16 * rounds).isLessThanOrEqualTo(MEASUREMENT);
        }
        // execute(Runnable) puts the task in a ConcurrentLinkedQueue: one 24-byte node per task, and no more
        assertThat(bytes.get("loop-execute")).as("bytes allocated by %s execute + runOnce", rounds)
                .isLessThanOrEqualTo(24L * rounds + MEASUREMENT);
    }

    @Test
    void withTheStubTurnedOffTheSameCallsStillWork() throws Exception {
        // the probe checks every value it moves; through glibc each call allocates the capture segment
        // unless escape analysis removes it, so allocation is not asserted here
        Probe probe = probe("-D" + Syscalls.PROPERTY + "=false");
        assertThat(probe.output()).contains("system calls through glibc, because it is turned off with -D"
                + Syscalls.PROPERTY + "=false");
    }
}
