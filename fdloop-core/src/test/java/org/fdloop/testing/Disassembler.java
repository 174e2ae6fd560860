package org.fdloop.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * binutils' objdump, for the tests that check fdloop's machine code (the native signal handler,
 * the system call stub) instruction by instruction, on every architecture fdloop knows: code for
 * an architecture this machine is not can only be checked this way. Where the disassembler is
 * not installed the check is skipped with a message that names the Debian package;
 * {@code .ci/run} installs both.
 */
public enum Disassembler {
    X86_64("objdump", "binutils", "-M", "intel", "-m", "i386:x86-64"),
    AARCH64("aarch64-linux-gnu-objdump", "binutils-aarch64-linux-gnu", "-m", "aarch64");

    private final String tool;
    private final String debianPackage;
    private final List<String> options;

    Disassembler(String tool, String debianPackage, String... options) {
        this.tool = tool;
        this.debianPackage = debianPackage;
        this.options = List.of(options);
    }

    /**
     * The instructions objdump finds in {@code code}, one per line, as objdump prints them with
     * whitespace collapsed and comments dropped; {@code dir} holds the file objdump reads.
     */
    public List<String> instructions(Path dir, byte[] code) throws IOException, InterruptedException {
        Path bin = Files.write(Files.createTempFile(dir, "code", ".bin"), code);
        List<String> command = new ArrayList<>();
        command.add(toolPath().toString());
        command.addAll(options);
        command.addAll(List.of("-D", "-b", "binary", bin.toString()));
        List<String> instructions = new ArrayList<>();
        String output = ChildProcess.run(command, dir, Duration.ofSeconds(60)).succeeded().output().strip();
        for (String line : output.split("\n")) {
            String[] fields = line.split("\t");
            // "  offset:<TAB>bytes<TAB>instruction"; a line of bytes alone continues a long instruction
            if (fields.length < 3 || !fields[0].trim().matches("[0-9a-f]+:")) {
                continue;
            }
            String text = String.join(" ", Arrays.copyOfRange(fields, 2, fields.length));
            int comment = text.indexOf("//");
            if (comment >= 0) {
                text = text.substring(0, comment);
            }
            instructions.add(text.trim().replaceAll("\\s+", " "));
        }
        return instructions;
    }

    private Path toolPath() {
        Optional<Path> found = ChildProcess.onPath(tool);
        Assumptions.assumeTrue(found.isPresent(), tool + " is not installed, so this machine code is NOT checked "
                + "(Debian package " + debianPackage + "; .ci/run installs it)");
        return found.get();
    }
}
