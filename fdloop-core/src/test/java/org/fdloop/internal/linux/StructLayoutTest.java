package org.fdloop.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our STATIC_ASSERT: compiles a C probe against the system headers and checks every constant in
 * {@link Constants} and every size and offset in {@link Structs} against what gcc says.
 * Skipped, with a message saying so, where gcc is not installed.
 */
class StructLayoutTest {
    private static final String HEADERS = """
            #define _GNU_SOURCE
            #include <stdio.h>
            #include <stddef.h>
            #include <errno.h>
            #include <fcntl.h>
            #include <signal.h>
            #include <poll.h>
            #include <termios.h>
            #include <time.h>
            #include <unistd.h>
            #include <sys/epoll.h>
            #include <sys/eventfd.h>
            #include <sys/inotify.h>
            #include <sys/resource.h>
            #include <sys/select.h>
            #include <sys/signalfd.h>
            #include <sys/stat.h>
            #include <sys/syscall.h>
            #include <sys/timerfd.h>
            """;

    private static Path gcc;

    @BeforeAll
    static void findGcc() {
        gcc = Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .map(dir -> Path.of(dir, "gcc"))
                .filter(Files::isExecutable)
                .findFirst()
                .orElse(null);
        Assumptions.assumeTrue(gcc != null,
                "gcc is not installed, so the struct layouts and constants are NOT checked against the C headers "
                        + "(install gcc to run this check)");
    }

    @Test
    void everyConstantMatchesTheSystemHeaders(@TempDir Path dir) throws Exception {
        Map<String, Long> java = new LinkedHashMap<>();
        Map<String, String> expressions = new LinkedHashMap<>();
        for (Field f : Constants.class.getDeclaredFields()) {
            int m = f.getModifiers();
            if (!Modifier.isStatic(m) || !Modifier.isFinal(m) || f.getType() != int.class) {
                continue;
            }
            C c = f.getAnnotation(C.class);
            expressions.put(f.getName(), c != null ? c.value() : f.getName());
            java.put(f.getName(), (long) f.getInt(null));
        }
        assertThat(java).hasSizeGreaterThan(150);

        StringBuilder body = new StringBuilder();
        expressions.forEach((name, expr) ->
                body.append("    printf(\"%s %d\\n\", \"").append(name).append("\", (int)(").append(expr).append("));\n"));
        Map<String, Long> c = runProbe(dir, body.toString());

        assertThat(mismatches(java, c)).as("constants whose Java value differs from the C headers").isEmpty();
    }

    @Test
    void everyStructSizeAndOffsetMatchesTheSystemHeaders(@TempDir Path dir) throws Exception {
        Map<String, Long> java = new LinkedHashMap<>();
        StringBuilder body = new StringBuilder();
        for (StructLayout layout : Structs.ALL) {
            String type = layout.name().orElseThrow();
            java.put("sizeof(" + type + ")", layout.byteSize());
            body.append("    printf(\"%s %ld\\n\", \"sizeof(").append(type).append(")\", (long) sizeof(").append(type).append("));\n");
            for (MemoryLayout member : layout.memberLayouts()) {
                if (member instanceof PaddingLayout || member.name().isEmpty()) {
                    continue;
                }
                String name = member.name().get();
                long offset = layout.byteOffset(MemoryLayout.PathElement.groupElement(name));
                java.put("offsetof(" + type + ", " + name + ")", offset);
                java.put("sizeof(" + type + "." + name + ")", member.byteSize());
                body.append("    printf(\"%s %ld\\n\", \"offsetof(").append(type).append(", ").append(name)
                        .append(")\", (long) offsetof(").append(type).append(", ").append(name).append("));\n");
                body.append("    printf(\"%s %ld\\n\", \"sizeof(").append(type).append('.').append(name)
                        .append(")\", (long) sizeof(((").append(type).append(" *) 0)->").append(name).append("));\n");
            }
        }
        Map<String, Long> c = runProbe(dir, body.toString());

        assertThat(mismatches(java, c)).as("sizes and offsets that differ from the C headers on " + Arch.CURRENT).isEmpty();
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

    /** One line per entry whose Java value differs from C's, or that C did not print. */
    private static List<String> mismatches(Map<String, Long> java, Map<String, Long> c) {
        List<String> lines = new ArrayList<>();
        java.forEach((name, value) -> {
            Long cValue = c.get(name);
            if (!value.equals(cValue)) {
                lines.add(name + ": Java says " + value + ", C says " + (cValue == null ? "nothing" : cValue));
            }
        });
        return lines;
    }

    private static Map<String, Long> runProbe(Path dir, String body) throws IOException, InterruptedException {
        Path source = dir.resolve("probe.c");
        Path binary = dir.resolve("probe");
        Files.writeString(source, HEADERS + "\nint main(void) {\n" + body + "    return 0;\n}\n");
        String compiler = run(List.of(gcc.toString(), "-O0", "-Wall", "-o", binary.toString(), source.toString()));
        assertThat(Files.isExecutable(binary)).as("gcc compiled the probe:\n%s", compiler).isTrue();
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : run(List.of(binary.toString())).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            values.put(line.substring(0, space), Long.parseLong(line.substring(space + 1)));
        }
        return values;
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String output;
        try (var in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        assertThat(p.exitValue()).as("%s exit status; output:\n%s", command, output).isZero();
        return output;
    }
}
