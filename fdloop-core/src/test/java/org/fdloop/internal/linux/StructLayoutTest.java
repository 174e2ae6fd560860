package org.fdloop.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.fdloop.testing.ChildProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our STATIC_ASSERT: checks every constant in {@link Constants} and every size and offset in
 * {@link Structs} against the C headers. On this machine's architecture a probe compiled with gcc
 * prints the values; for aarch64 (which fdloop supports but cannot run here) the cross compiler
 * {@code aarch64-linux-gnu-gcc} compiles the same checks as {@code _Static_assert}s. Each check is
 * skipped, with a message saying that it did not run, where its compiler is not installed.
 */
class StructLayoutTest {
    private static final String HEADERS = """
            #define _GNU_SOURCE
            #include <stdio.h>
            #include <stddef.h>
            #include <dirent.h>
            #include <errno.h>
            #include <fcntl.h>
            #include <signal.h>
            #include <poll.h>
            #include <termios.h>
            #include <time.h>
            #include <ucontext.h>
            #include <unistd.h>
            #include <limits.h>
            #include <mqueue.h>
            #include <sched.h>
            #include <net/if.h>
            #include <linux/if_tun.h>
            #include <sys/ioctl.h>
            #include <netinet/in.h>
            #include <netinet/tcp.h>
            #include <sys/epoll.h>
            #include <sys/eventfd.h>
            #include <sys/inotify.h>
            #include <sys/mman.h>
            #include <sys/prctl.h>
            #include <sys/resource.h>
            #include <sys/select.h>
            #include <sys/signalfd.h>
            #include <sys/socket.h>
            #include <sys/stat.h>
            #include <sys/syscall.h>
            #include <sys/timerfd.h>
            #include <sys/un.h>
            #include <sys/wait.h>
            """;

    /**
     * The kernel's uapi headers of the device interfaces, alone: their {@code struct termios}
     * clashes with glibc's {@code <termios.h>}, so {@link DeviceConstants} and {@link DeviceStructs}
     * are compiled in a probe of their own.
     */
    private static final String DEVICE_HEADERS = """
            #include <stdio.h>
            #include <stddef.h>
            #include <asm/termbits.h>
            #include <asm/ioctls.h>
            #include <linux/serial.h>
            #include <linux/input.h>
            #include <linux/uinput.h>
            #include <linux/gpio.h>
            """;

    /** One value Java uses: its name, the C expression that must equal it, and Java's value. */
    private record Check(String name, String c, long java) {}

    @Test
    void everyConstantMatchesTheSystemHeaders(@TempDir Path dir) throws Exception {
        Path gcc = compiler("gcc");
        List<Check> checks = constants(Constants.class);
        assertThat(checks).hasSizeGreaterThan(150);
        assertThat(mismatches(checks, runProbe(gcc, dir, checks))).as("constants whose Java value differs from the C headers").isEmpty();
    }

    @Test
    void everyStructSizeAndOffsetMatchesTheSystemHeaders(@TempDir Path dir) throws Exception {
        Path gcc = compiler("gcc");
        List<Check> checks = layouts(Structs.ALL);
        assertThat(mismatches(checks, runProbe(gcc, dir, checks)))
                .as("sizes and offsets that differ from the C headers on " + Arch.CURRENT).isEmpty();
    }

    @Test
    void systemCallNumbersMatchTheSystemHeaders(@TempDir Path dir) throws Exception {
        Path gcc = compiler("gcc");
        List<Check> checks = syscalls(Arch.CURRENT);
        assertThat(mismatches(checks, runProbe(gcc, dir, checks)))
                .as("system call numbers that differ from <sys/syscall.h> on " + Arch.CURRENT).isEmpty();
    }

    @Test
    void deviceConstantsAndLayoutsMatchTheUapiHeaders(@TempDir Path dir) throws Exception {
        Path gcc = compiler("gcc");
        List<Check> checks = new ArrayList<>(constants(DeviceConstants.class));
        assertThat(checks).hasSizeGreaterThan(100);
        checks.addAll(layouts(DeviceStructs.ALL));
        assertThat(mismatches(checks, runProbe(gcc, dir, DEVICE_HEADERS, checks)))
                .as("device constants, sizes and offsets that differ from the uapi headers on " + Arch.CURRENT).isEmpty();
    }

    @Test
    void aarch64DeviceConstantsAndLayoutsMatchTheAarch64UapiHeaders(@TempDir Path dir) throws Exception {
        Path cross = compiler("aarch64-linux-gnu-gcc");
        List<Check> checks = new ArrayList<>(constants(DeviceConstants.class));
        checks.addAll(layouts(DeviceStructs.ALL));
        staticAsserts(cross, dir, DEVICE_HEADERS, checks);
    }

    @Test
    void aarch64ConstantsAndLayoutsMatchTheAarch64Headers(@TempDir Path dir) throws Exception {
        Path cross = compiler("aarch64-linux-gnu-gcc");
        List<Check> checks = new ArrayList<>(constants(Constants.class));
        checks.addAll(layouts(Structs.all(Arch.AARCH64)));
        checks.addAll(syscalls(Arch.AARCH64));
        staticAsserts(cross, dir, HEADERS, checks);
        // the checks must be able to fail: a wrong value is caught
        Path wrong = Files.writeString(dir.resolve("wrong.c"), HEADERS
                + "\n_Static_assert(sizeof(struct epoll_event) == 12, \"epoll_event is 16 bytes on aarch64\");\n");
        assertThat(run(List.of(cross.toString(), "-fsyntax-only", wrong.toString()), dir, false)).contains("16 bytes on aarch64");
    }

    @Test
    void everyLayoutInStructsIsChecked() throws Exception {
        List<String> declared = new ArrayList<>();
        for (Field f : Structs.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && GroupLayout.class.isAssignableFrom(f.getType())) {
                declared.add(((GroupLayout) f.get(null)).name().orElseThrow());
            }
        }
        assertThat(Arrays.stream(Structs.ALL).map(l -> l.name().orElseThrow()).toList())
                .as("Structs.ALL, which the probe checks, lists every layout Structs declares")
                .containsExactlyInAnyOrderElementsOf(declared);
    }

    @Test
    void everyLayoutInDeviceStructsIsChecked() throws Exception {
        List<String> declared = new ArrayList<>();
        for (Field f : DeviceStructs.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && GroupLayout.class.isAssignableFrom(f.getType())) {
                declared.add(((GroupLayout) f.get(null)).name().orElseThrow());
            }
        }
        assertThat(Arrays.stream(DeviceStructs.ALL).map(l -> l.name().orElseThrow()).toList())
                .as("DeviceStructs.ALL, which the probe checks, lists every layout DeviceStructs declares")
                .containsExactlyInAnyOrderElementsOf(declared);
    }

    /** Compiles {@code checks} as {@code _Static_assert}s with the cross compiler: every one must hold. */
    private static void staticAsserts(Path cross, Path dir, String headers, List<Check> checks) throws Exception {
        StringBuilder asserts = new StringBuilder();
        for (Check c : checks) {
            asserts.append("_Static_assert((long long)(").append(c.c()).append(") == ").append(c.java())
                    .append("LL, \"").append(c.name().replace("\"", "'")).append(": Java says ").append(c.java()).append("\");\n");
        }
        Path source = Files.writeString(dir.resolve("aarch64.c"), headers + "\n" + asserts);
        String output = run(List.of(cross.toString(), "-fsyntax-only", source.toString()), dir, true);
        assertThat(output).as("every _Static_assert holds for aarch64").doesNotContain("error");
    }

    /** Every int constant in {@code holder}, by its C name or its {@link C} expression. */
    private static List<Check> constants(Class<?> holder) throws IllegalAccessException {
        List<Check> checks = new ArrayList<>();
        for (Field f : holder.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isPublic(m) && Modifier.isStatic(m) && Modifier.isFinal(m) && f.getType() == int.class) {
                C c = f.getAnnotation(C.class);
                // (int) so that unsigned values such as IN_ONESHOT compare as Java's signed int does
                checks.add(new Check(f.getName(), "(int)(" + (c != null ? c.value() : f.getName()) + ")", f.getInt(null)));
            }
        }
        return checks;
    }

    /** The system call numbers {@link Arch} holds for {@code arch}, and where a signal handler finds the mask it returns to. */
    private static List<Check> syscalls(Arch arch) {
        return List.of(
                new Check("SYS_read", "SYS_read", arch.sysRead),
                new Check("SYS_write", "SYS_write", arch.sysWrite),
                new Check("SYS_epoll_pwait", "SYS_epoll_pwait", arch.sysEpollPwait),
                new Check("SYS_epoll_pwait2", "SYS_epoll_pwait2", arch.sysEpollPwait2),
                new Check("SYS_sendto", "SYS_sendto", arch.sysSendto),
                new Check("SYS_recvfrom", "SYS_recvfrom", arch.sysRecvfrom),
                new Check("SYS_epoll_ctl", "SYS_epoll_ctl", arch.sysEpollCtl),
                new Check("SYS_timerfd_settime", "SYS_timerfd_settime", arch.sysTimerfdSettime),
                new Check("SYS_ppoll", "SYS_ppoll", arch.sysPpoll),
                new Check("SYS_pselect6", "SYS_pselect6", arch.sysPselect6),
                new Check("SYS_gettid", "SYS_gettid", arch.sysGettid),
                new Check("offsetof(ucontext_t, uc_sigmask)", "offsetof(ucontext_t, uc_sigmask)", arch.ucSigmask));
    }

    /** The size of every layout and the offset and size of every named member. */
    private static List<Check> layouts(StructLayout[] layouts) {
        List<Check> checks = new ArrayList<>();
        for (StructLayout layout : layouts) {
            String type = layout.name().orElseThrow();
            checks.add(new Check("sizeof(" + type + ")", "sizeof(" + type + ")", layout.byteSize()));
            for (MemoryLayout member : layout.memberLayouts()) {
                if (member instanceof PaddingLayout || member.name().isEmpty()) {
                    continue;
                }
                String name = member.name().get();
                checks.add(new Check("offsetof(" + type + ", " + name + ")", "offsetof(" + type + ", " + name + ")",
                        layout.byteOffset(MemoryLayout.PathElement.groupElement(name))));
                checks.add(new Check("sizeof(" + type + "." + name + ")", "sizeof(((" + type + " *) 0)->" + name + ")",
                        member.byteSize()));
            }
        }
        return checks;
    }

    private static Path compiler(String name) {
        Optional<Path> found = ChildProcess.onPath(name);
        Assumptions.assumeTrue(found.isPresent(), name + " is not installed, so these values are NOT checked against the "
                + "C headers (install it to run the check; .ci/run installs it)");
        return found.get();
    }

    /** One line per check whose Java value differs from C's, or that C did not print. */
    private static List<String> mismatches(List<Check> checks, Map<String, Long> c) {
        List<String> lines = new ArrayList<>();
        for (Check check : checks) {
            Long value = c.get(check.name());
            if (value == null || value != check.java()) {
                lines.add(check.name() + ": Java says " + check.java() + ", C says " + (value == null ? "nothing" : value));
            }
        }
        return lines;
    }

    private static Map<String, Long> runProbe(Path gcc, Path dir, List<Check> checks) throws IOException, InterruptedException {
        return runProbe(gcc, dir, HEADERS, checks);
    }

    private static Map<String, Long> runProbe(Path gcc, Path dir, String headers, List<Check> checks)
            throws IOException, InterruptedException {
        StringBuilder body = new StringBuilder();
        for (Check c : checks) {
            body.append("    printf(\"%s %lld\\n\", \"").append(c.name()).append("\", (long long)(").append(c.c()).append("));\n");
        }
        Path source = Files.writeString(dir.resolve("probe.c"), headers + "\nint main(void) {\n" + body + "    return 0;\n}\n");
        Path binary = dir.resolve("probe");
        run(List.of(gcc.toString(), "-O0", "-o", binary.toString(), source.toString()), dir, true);
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : run(List.of(binary.toString()), dir, true).split("\n")) {
            if (!line.isBlank()) {
                int space = line.lastIndexOf(' ');
                values.put(line.substring(0, space), Long.parseLong(line.substring(space + 1)));
            }
        }
        return values;
    }

    private static String run(List<String> command, Path dir, boolean mustSucceed) throws IOException, InterruptedException {
        ChildProcess.Result result = ChildProcess.run(command, dir, Duration.ofSeconds(60));
        return (mustSucceed ? result.succeeded() : result).output();
    }
}
