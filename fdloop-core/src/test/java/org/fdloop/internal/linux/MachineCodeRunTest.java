package org.fdloop.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.fdloop.testing.ChildProcess;
import org.fdloop.testing.NoFdLeaks;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs fdloop's machine code, the native signal handler ({@link SignalHandlerCode}) and the
 * system-call stub ({@link Syscalls}), for both architectures outside a JVM: a C harness
 * (machine_code_harness.c) maps the bytes executable, installs the handler with sigaction,
 * sends itself signals and checks the records in the pipes, the counters, and the mask the
 * handler sets in the main thread when asked to. The aarch64 build runs under qemu-aarch64 (Debian's qemu-user), so the
 * aarch64 code, which SignalHandlerCodeTest only disassembles, runs here too. Where a compiler or
 * qemu is missing, the check is skipped with a message; .ci/run installs them.
 */
@ExtendWith(NoFdLeaks.class)
class MachineCodeRunTest {
    /** Each 16-bit part differs, so that a wrong movz/movk shows; 8-byte aligned inside a page, for the atomics. */
    private static final long TABLE = 0x3a5a_6b7c_1238L;
    /** The checks the harness makes; each prints "ok" or "FAIL". */
    private static final int CHECKS = 18;

    @TempDir
    Path dir;

    @Test
    void theX86_64CodeRunsAsIntended() throws Exception {
        Assumptions.assumeTrue(Arch.CURRENT == Arch.X86_64, "the x86_64 build runs on x86_64 only, not on " + Arch.CURRENT);
        assertEveryCheckPassed(run(Arch.X86_64, tool("gcc"), List.of(), TABLE));
    }

    @Test
    void theAarch64CodeRunsAsIntendedUnderQemu() throws Exception {
        Path qemu = Arch.CURRENT == Arch.AARCH64 ? null : tool("qemu-aarch64");
        Path gcc = tool(Arch.CURRENT == Arch.AARCH64 ? "gcc" : "aarch64-linux-gnu-gcc");
        assertEveryCheckPassed(run(Arch.AARCH64, gcc, qemu == null ? List.of() : List.of(qemu.toString()), TABLE));
    }

    @Test
    void aHandlerMadeForAnotherTableFailsTheHarness() throws Exception {
        // the harness is only worth its "ok"s if wrong code fails it: made for a table 128 bytes
        // lower, the handler looks for SIGUSR1's slots where signal 9's are, finds them all
        // free, and writes and counts nothing
        Arch arch = Arch.CURRENT;
        ChildProcess.Result result = run(arch, tool("gcc"), List.of(), TABLE - 128);
        assertThat(result.exitCode()).as("the harness's exit status; it printed:\n%s", result.output()).isNotZero();
        assertThat(result.output()).contains("FAIL handler: sent counted once");
    }

    private static void assertEveryCheckPassed(ChildProcess.Result result) {
        result.succeeded();
        List<String> lines = result.output().lines().toList();
        assertThat(lines.stream().filter(l -> l.startsWith("ok ")).count()).as(result.output()).isEqualTo(CHECKS);
        assertThat(lines).as(result.output()).noneMatch(l -> l.startsWith("FAIL")).contains("0 failed");
    }

    /**
     * Builds the harness with {@code arch}'s code, the handler made for a table at {@code table}
     * (the harness puts it at {@link #TABLE}), and runs it (under {@code runner}).
     */
    private ChildProcess.Result run(Arch arch, Path gcc, List<String> runner, long table) throws Exception {
        Path source = dir.resolve("harness-" + arch + ".c");
        Files.writeString(source, harness(arch, table));
        Path binary = dir.resolve("harness-" + arch);
        List<String> compile = new ArrayList<>(List.of(gcc.toString(), "-O1", "-Wall", "-pthread", "-o", binary.toString(), source.toString()));
        if (!runner.isEmpty()) {
            compile.add(1, "-static"); // qemu-aarch64 then needs no aarch64 libc to run it
        }
        ChildProcess.run(compile, dir, Duration.ofSeconds(120)).succeeded();
        List<String> command = new ArrayList<>(runner);
        command.add(binary.toString());
        return ChildProcess.run(command, dir, Duration.ofSeconds(60));
    }

    private static String harness(Arch arch, long table) throws IOException {
        String template;
        try (InputStream in = MachineCodeRunTest.class.getResourceAsStream("machine_code_harness.c")) {
            template = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        return template.replace("@HANDLER@", hex(SignalHandlerCode.forArch(arch, table)))
                .replace("@STUB@", hex(Syscalls.code(arch)))
                .replace("@TABLE@", "0x" + Long.toHexString(TABLE)) // where the harness puts the table
                .replace("@TABLE_BYTES@", Integer.toString(SignalHandlerCode.TABLE_BYTES))
                .replace("@SLOTS@", Integer.toString(SignalHandlerCode.SLOTS))
                .replace("@SLOTS_OFFSET@", Integer.toString(SignalHandlerCode.SLOTS_OFFSET))
                .replace("@ENTRY_BYTES@", Integer.toString(SignalHandlerCode.ENTRY_BYTES))
                .replace("@STEER_OFFSET@", Integer.toString(SignalHandlerCode.STEER_OFFSET))
                .replace("@MAIN_OFFSET@", Integer.toString(SignalHandlerCode.MAIN_OFFSET));
    }

    private static String hex(byte[] code) {
        StringBuilder s = new StringBuilder();
        for (byte b : code) {
            s.append(s.isEmpty() ? "" : ", ").append(String.format("0x%02x", b & 0xff));
        }
        return s.toString();
    }

    private static Path tool(String name) {
        Optional<Path> found = ChildProcess.onPath(name);
        Assumptions.assumeTrue(found.isPresent(), name + " is not installed, so fdloop's machine code is NOT run here "
                + "(install it to run the check; .ci/run installs it)");
        return found.get();
    }
}
