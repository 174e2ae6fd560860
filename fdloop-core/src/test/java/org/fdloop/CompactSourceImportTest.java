package org.fdloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.fdloop.testing.ChildProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JDK 25 compact source file imports every package of {@code java.base} implicitly, so an exported type
 * named like one of them ({@code Pipe}, {@code DatagramSocket}) is ambiguous beside {@code import module
 * org.fdloop;}. This compiles such a file that names every public type of every exported package.
 */
class CompactSourceImportTest {
    private static final Path MODULE_DIR = Path.of(System.getProperty("user.dir"));
    private static final Path CLASSES = MODULE_DIR.resolve("target/classes");

    @TempDir
    Path dir;

    @Test
    void everyExportedTypeCanBeNamedBesideJavaBase() throws Exception {
        List<String> types = exportedTypes();
        assertThat(types).as("the exported types").contains("org.fdloop.EventLoop", "org.fdloop.fd.EventFd");
        StringBuilder source = new StringBuilder("import module org.fdloop;\n\nvoid main() {\n    Class<?>[] all = {\n");
        for (String type : types) {
            source.append("        ").append(type.substring(type.lastIndexOf('.') + 1)).append(".class,\n");
        }
        source.append("    };\n    IO.println(all.length);\n}\n");
        Path file = dir.resolve("AllTypes.java");
        Files.writeString(file, source);

        ChildProcess.Result javac = ChildProcess.run(List.of(javac(), "-p", CLASSES.toString(), "--add-modules", "org.fdloop",
                "-d", dir.resolve("out").toString(), file.toString()), dir, Duration.ofMinutes(3));
        assertThat(javac.exitCode()).as("javac on a compact source file that imports module org.fdloop and names each of "
                + "its exported types; an 'ambiguous' error names a type to rename:\n%s\n%s", javac.output(), source).isZero();
    }

    /** The public top-level types of the packages module-info.java exports, by their binary names. */
    static List<String> exportedTypes() throws Exception {
        String moduleInfo = Files.readString(MODULE_DIR.resolve("src/main/java/module-info.java"));
        Matcher exports = Pattern.compile("(?m)^\\s*exports\\s+([\\w.]+)\\s*;").matcher(moduleInfo);
        List<String> types = new ArrayList<>();
        while (exports.find()) {
            String pkg = exports.group(1);
            try (Stream<Path> files = Files.list(CLASSES.resolve(pkg.replace('.', '/')))) {
                for (Path file : files.sorted().toList()) {
                    String name = file.getFileName().toString();
                    if (!name.endsWith(".class") || name.contains("$") || name.equals("package-info.class")) {
                        continue;
                    }
                    String type = pkg + "." + name.substring(0, name.length() - ".class".length());
                    if (Modifier.isPublic(Class.forName(type, false, CompactSourceImportTest.class.getClassLoader()).getModifiers())) {
                        types.add(type);
                    }
                }
            }
        }
        return types;
    }

    static String javac() {
        return Path.of(System.getProperty("java.home"), "bin", "javac").toString();
    }
}
